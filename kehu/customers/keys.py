"""Search and duplicate-check keys derived from a customer's or contact's name."""

from __future__ import annotations

from functools import lru_cache

from kehu.core.pinyin import PinyinKeys, pinyin_keys
from kehu.customers.duplicates import name_key


def set_customer_keys(customer) -> None:
    person = customer.kind == "individual"
    customer.name_normalized = name_key(customer.kind, customer.name)
    keys = pinyin_keys(customer.name, person=person)
    customer.name_pinyin = keys.full[:400]
    customer.name_initials = " ".join(dict.fromkeys([keys.initials, *keys.initials_variants.split()]))[:200]


@lru_cache(maxsize=4096)
def _person_keys(name: str) -> PinyinKeys:
    """People's names repeat (王伟, 张敏 …) where company names do not: an import of many contacts
    computes each name's keys once."""
    return pinyin_keys(name, person=True)


def set_contact_keys(contact) -> None:
    keys = _person_keys(contact.name)
    contact.name_pinyin = keys.full[:200]
    contact.name_initials = " ".join(dict.fromkeys([keys.initials, *keys.initials_variants.split()]))[:60]

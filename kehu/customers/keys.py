"""Search and duplicate-check keys derived from a customer's or contact's name."""

from __future__ import annotations

from kehu.core.names import normalize_company_name, normalize_person_name
from kehu.core.pinyin import pinyin_keys


def set_customer_keys(customer) -> None:
    person = customer.kind == "individual"
    customer.name_normalized = (normalize_person_name if person else normalize_company_name)(customer.name)
    keys = pinyin_keys(customer.name, person=person)
    customer.name_pinyin = keys.full[:400]
    customer.name_initials = " ".join(dict.fromkeys([keys.initials, *keys.initials_variants.split()]))[:200]


def set_contact_keys(contact) -> None:
    keys = pinyin_keys(contact.name, person=True)
    contact.name_pinyin = keys.full[:200]
    contact.name_initials = " ".join(dict.fromkeys([keys.initials, *keys.initials_variants.split()]))[:60]

"""Search and duplicate-check keys derived from a customer's or contact's name."""

from __future__ import annotations

import re
from functools import lru_cache

from kehu.core.pinyin import PinyinKeys, pinyin_keys
from kehu.customers.duplicates import name_key

# CJK unified ideographs (basic block, extension A, compatibility): the characters a bigram key holds.
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{CJK}]+")
BIGRAM_TERM = re.compile(f"^[{CJK}]{{1,2}}$")  # the terms the bigram key answers (trigram indexes need 3)


def cjk_bigrams(*texts: str) -> str:
    """Every CJK character and every pair of adjacent CJK characters in ``texts``, space-separated, once each.

    A term of one or two CJK characters occurs in a text exactly when it is one of these tokens, so
    ``term in tokens`` answers ``icontains`` for such terms through an index (kehu.customers.search).
    """
    tokens: dict[str, None] = {}
    for text in texts:
        for run in _CJK_RUN.findall(text or ""):
            tokens.update(dict.fromkeys(run))
            tokens.update(dict.fromkeys(run[i:i + 2] for i in range(len(run) - 1)))
    return " ".join(tokens)


def set_customer_keys(customer) -> None:
    person = customer.kind == "individual"
    customer.name_normalized = name_key(customer.kind, customer.name)
    keys = pinyin_keys(customer.name, person=person)
    customer.name_pinyin = keys.full[:400]
    customer.name_initials = " ".join(dict.fromkeys([keys.initials, *keys.initials_variants.split()]))[:200]
    customer.name_bigrams = cjk_bigrams(customer.name, customer.short_name)


@lru_cache(maxsize=4096)
def _person_keys(name: str) -> PinyinKeys:
    """People's names repeat (王伟, 张敏 …) where company names do not: an import of many contacts
    computes each name's keys once."""
    return pinyin_keys(name, person=True)


def set_contact_keys(contact) -> None:
    keys = _person_keys(contact.name)
    contact.name_pinyin = keys.full[:200]
    contact.name_initials = " ".join(dict.fromkeys([keys.initials, *keys.initials_variants.split()]))[:60]

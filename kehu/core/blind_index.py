"""Blind indexes (SECURITY.md CRY-3): exact-match search over encrypted fields.

``full_index(kind, value)`` is HMAC-SHA256 under its own key ``index_key`` (outside the database,
never the encryption key) over the value normalised for its kind, truncated to 128 bits (32 hex
digits: collisions stay negligible at any customer count, and the column stays short).

The kind, not the model or field, goes into the HMAC message: a customer's mobile and a contact's
mobile index alike, so the duplicate check (INFO-5) can match across tables with one lookup, while
an ID number and a bank account that happen to share digits do not.

Last-4 search: CRY-3 says "last 4 digits stored for partial search". We store
``last4_index(kind, value)``, the keyed HMAC of the last four characters, instead of the digits
themselves. Search is the same exact match on an indexed column, but a stolen database (without
the key, which lives elsewhere) does not show the last four digits of every phone and ID number,
which combined with a masked display or other leaks would narrow a person down. What the hash
still reveals is equality: rows sharing their last four digits share the value, as clear digits
would show too.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from functools import cache

from kehu.core import keys

INDEX_HEX = 32
_NON_DIGIT = re.compile(r"\D")
_SPACE = re.compile(r"\s+")


def _digits(value: str) -> str:
    return _NON_DIGIT.sub("", value)


def _mobile(value: str) -> str:
    digits = _digits(value)
    # +86 138…, 0086 138…: the country code is not part of the number people search for.
    for prefix in ("0086", "86"):
        if len(digits) == 11 + len(prefix) and digits.startswith(prefix):
            return digits[len(prefix) :]
    return digits


NORMALISERS = {
    "mobile": _mobile,
    "id_number": lambda v: _SPACE.sub("", v).upper(),
    "email": lambda v: v.strip().lower(),
    "bank_account": _digits,
    "address": lambda v: _SPACE.sub(" ", v).strip(),
}


def normalise(kind: str, value: str) -> str:
    """NFKC first: full-width digits and letters (１３８, Ｘ) become their ASCII forms."""
    return NORMALISERS[kind](unicodedata.normalize("NFKC", value))


@cache
def _key() -> bytes:
    return keys.load_bytes("index_key")


def _hmac(message: str) -> str:
    return hmac.digest(_key(), message.encode("utf-8"), "sha256").hex()[:INDEX_HEX]


def full_index(kind: str, value: str) -> str:
    return _hmac(f"{kind}\x00{normalise(kind, value)}")


def last4_index(kind: str, value: str) -> str:
    """Index of the last four characters; a value shorter than four gets none (empty string)."""
    normal = normalise(kind, value)
    if len(normal) < 4:
        return ""
    return _hmac(f"{kind}:last4\x00{normal[-4:]}")

"""Customer search (INFO-6): name substring, full pinyin and initials, credit code, phone (full or last 4).

One set of conditions on every database, so results are the same; only how the text keys are reached differs:
- PostgreSQL: ``icontains``/``contains`` (LIKE '%x%'), served by the pg_trgm GIN indexes of migration 0004
  (trigrams need three characters: shorter terms scan, see docs/performance.md "Customer search");
- SQLite: terms of three characters or more go through the FTS5 trigram table of migration 0004 (its MATCH
  is a case-insensitive substring test, like LIKE); shorter terms fall back to LIKE.
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from kehu.core.pinyin import normalise_query
from kehu.core.protected import protected_last4_lookup, protected_lookup
from kehu.core.validators import normalize_width

_DIGITS = re.compile(r"^\+?[\d\s-]{4,}$")
_FTS = "customers_customer_fts"
TRIGRAM = 3  # the shortest term a trigram index can answer


def _fts(columns: str, term: str) -> Q:
    """Rows whose ``columns`` (an FTS5 column filter) contain ``term``: a quoted phrase, quotes doubled."""
    phrase = '"' + term.replace('"', '""') + '"'
    return Q(pk__in=RawSQL(f"SELECT rowid FROM {_FTS} WHERE {_FTS} MATCH %s", (f"{columns}: {phrase}",)))


def _uses_fts(term: str) -> bool:
    return connection.vendor == "sqlite" and len(term) >= TRIGRAM


def _name_condition(text: str) -> Q:
    if _uses_fts(text):
        return _fts("{name short_name}", text)
    return Q(name__icontains=text) | Q(short_name__icontains=text)


def _pinyin_condition(letters: str) -> Q:
    if _uses_fts(letters):
        return _fts("{name_pinyin name_initials}", letters)
    return Q(name_pinyin__contains=letters) | Q(name_initials__contains=letters)


def _mobile_condition(digits: str) -> Q:
    from kehu.customers.models import Contact, Customer

    if len(digits) == 4:
        own, contact = protected_last4_lookup(Customer, "mobile", digits), protected_last4_lookup(
            Contact, "mobile", digits)
    else:
        mobile = digits[-11:]
        own, contact = protected_lookup(Customer, "mobile", mobile), protected_lookup(Contact, "mobile", mobile)
    # The contacts' customer ids are fetched first (a handful: one blind-index lookup) and passed as a list:
    # a subquery inside the OR makes PostgreSQL filter every customer row (a "hashed SubPlan") instead of
    # OR-ing index scans; measured 160-220 ms against a few ms at 100,000 customers.
    owners = list(Contact._base_manager.filter(**contact).values_list("customer_id", flat=True).distinct())
    return Q(**own) | Q(pk__in=owners)


def apply_search(customers: QuerySet, query: str) -> QuerySet:
    """Narrow an already scoped customer queryset to those matching ``query``."""
    text = normalize_width(query or "").strip()
    if not text:
        return customers
    condition = _name_condition(text)
    if _DIGITS.match(text):
        digits = re.sub(r"\D", "", text)
        if len(digits) == 4 or len(digits) >= 11:
            condition |= _mobile_condition(digits)
    if len(text) == 18:
        condition |= Q(credit_code=text.upper())
    letters = normalise_query(text)
    if any(c.isalpha() for c in letters):
        condition |= _pinyin_condition(letters)
    return customers.filter(condition)

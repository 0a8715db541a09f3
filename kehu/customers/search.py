"""Customer search (INFO-6): name substring, full pinyin and initials, credit code, phone (full or last 4).

One set of conditions on every database, so results are the same; only how the text keys are reached differs:
- PostgreSQL: ``icontains``/``contains`` (LIKE '%x%'), served by the pg_trgm GIN indexes of migration 0004
  (trigrams need three characters: shorter Latin terms scan, see docs/performance.md "Customer search");
- SQLite: terms of three characters or more go through the FTS5 trigram table of migration 0004 (its MATCH
  is a case-insensitive substring test, like LIKE); shorter terms fall back to LIKE.
- One or two CJK characters (``%天成%``): the ``name_bigrams`` key of migration 0009, a GIN index on
  PostgreSQL and an FTS5 table on SQLite; the term occurs in the name or short name exactly when it is
  one of the key's tokens.
- A term shaped like a credit code is compared with the credit code only (it is no name or pinyin).
"""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from kehu.core.pinyin import normalise_query
from kehu.core.protected import protected_last4_lookup, protected_lookup
from kehu.core.validators import normalize_width
from kehu.core.validators.credit_code import CHARSET
from kehu.customers.keys import BIGRAM_TERM

_DIGITS = re.compile(r"^\+?[\d\s-]{4,}$")
# GB 32100 layout: two code characters, the six-digit division code, ten code characters.
_CREDIT_CODE = re.compile(f"^[{CHARSET}]{{2}}[0-9]{{6}}[{CHARSET}]{{10}}$")
_FTS = "customers_customer_fts"
_BIGRAMS_FTS = "customers_customer_bigrams"
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


def _bigram_condition(term: str) -> Q:
    """One or two CJK characters: a token of ``name_bigrams`` (migration 0009)."""
    if connection.vendor == "sqlite":
        return Q(pk__in=RawSQL(f"SELECT rowid FROM {_BIGRAMS_FTS} WHERE {_BIGRAMS_FTS} MATCH %s", (f'"{term}"',)))
    # The expression of the GIN index customers_bigrams_gin, so the planner can use it.
    return Q(RawSQL("string_to_array(customers_customer.name_bigrams, ' ') @> ARRAY[%s]::text[]", (term,),
                    output_field=BooleanField()))


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
    if BIGRAM_TERM.match(text):
        # No pinyin (normalise_query keeps ASCII only) and no digits: the name condition is all there is.
        return customers.filter(_bigram_condition(text))
    if _CREDIT_CODE.match(text.upper()):
        # Through the credit_code btree alone: the OR with four trigram conditions cost a bitmap of each.
        condition = Q(credit_code=text.upper())
    else:
        condition = _name_condition(text)
        if len(text) == 18:
            condition |= Q(credit_code=text.upper())
        letters = normalise_query(text)
        if any(c.isalpha() for c in letters):
            condition |= _pinyin_condition(letters)
    if _DIGITS.match(text):
        digits = re.sub(r"\D", "", text)
        if len(digits) == 4 or len(digits) >= 11:
            condition |= _mobile_condition(digits)
    return customers.filter(condition)

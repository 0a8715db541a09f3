"""Customer search (INFO-6): name substring, full pinyin and initials, credit code, phone (full or last 4)."""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from kehu.core.pinyin import normalise_query
from kehu.core.protected import protected_last4_lookup, protected_lookup
from kehu.core.validators import normalize_width

_DIGITS = re.compile(r"^\+?[\d\s-]{4,}$")


def apply_search(customers: QuerySet, query: str) -> QuerySet:
    """Narrow an already scoped customer queryset to those matching ``query``."""
    from kehu.customers.models import Contact, Customer

    text = normalize_width(query or "").strip()
    if not text:
        return customers
    condition = Q(name__icontains=text) | Q(short_name__icontains=text)
    if _DIGITS.match(text):
        digits = re.sub(r"\D", "", text)
        if len(digits) == 4:
            condition |= Q(**protected_last4_lookup(Customer, "mobile", digits))
            condition |= Q(pk__in=Contact._base_manager.filter(**protected_last4_lookup(Contact, "mobile", digits))
                           .values("customer_id"))
        elif len(digits) >= 11:
            mobile = digits[-11:]
            condition |= Q(**protected_lookup(Customer, "mobile", mobile))
            condition |= Q(pk__in=Contact._base_manager.filter(**protected_lookup(Contact, "mobile", mobile))
                           .values("customer_id"))
    if len(text) == 18:
        condition |= Q(credit_code=text.upper())
    letters = normalise_query(text)
    if any(c.isalpha() for c in letters):
        condition |= Q(name_pinyin__contains=letters) | Q(name_initials__contains=letters)
    return customers.filter(condition)

"""How a customer reads on a page: region and industry names, choice lists for the filter bar."""

from __future__ import annotations

from kehu.core import regions
from kehu.core.errors import NotFound
from kehu.core.industries import industry_label


def region_name(customer) -> str:
    code = customer.district or customer.city or customer.province
    if not code:
        return ""
    try:
        return regions.region(code).full_name
    except NotFound:
        return code


def industry_name(customer) -> str:
    return industry_label(customer.industry) if customer.industry else ""


def field_value(customer, field: str) -> str:
    """One field as a reader sees it: choice labels, region and industry names, protected values masked."""
    value = getattr(customer, field)
    if value in (None, ""):
        return ""
    if field in ("province", "city", "district"):
        try:
            return regions.region(value).name
        except NotFound:
            return value
    if field == "industry":
        return industry_name(customer)
    display = getattr(customer, f"get_{field}_display", None)
    if display is not None:
        return str(display())
    return str(value)  # a ProtectedValue's str() is its masked form

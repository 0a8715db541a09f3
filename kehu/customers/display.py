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

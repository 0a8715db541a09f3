"""Template filters for money and dates: {% load kehu_format %} {{ amount|cny }} {{ amount|wan }} {{ when|cndate }}.

Empty values (None, "") render as an empty string so optional fields need no {% if %} around them.
"""

from __future__ import annotations

import datetime as dt

from django import template

from kehu.core import dates, money

register = template.Library()


def _empty(value) -> bool:
    return value is None or value == ""


@register.filter
def cny(value) -> str:
    """¥1,234.56"""
    return "" if _empty(value) else money.format_cny(value)


@register.filter
def wan(value) -> str:
    """123.46 万元 (or 1,234.56 元 under 10,000)."""
    return "" if _empty(value) else money.format_wan(value)


@register.filter
def cndate(value) -> str:
    """2026-11-22 for a date, 2026-11-22 14:05 (Asia/Shanghai) for a datetime."""
    if _empty(value):
        return ""
    if isinstance(value, dt.datetime):
        return dates.format_datetime(value)
    return dates.format_date(value)

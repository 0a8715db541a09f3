"""Dates and times as Chinese users read them (PLAT-6): ISO order, 24-hour clock, Asia/Shanghai."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def format_date(value: dt.date) -> str:
    """2026-11-22 (GB/T 7408 / ISO 8601 calendar date). A datetime is first put in Asia/Shanghai."""
    if isinstance(value, dt.datetime):
        value = to_shanghai(value).date()
    return value.isoformat()


def format_datetime(value: dt.datetime) -> str:
    """2026-11-22 14:05 in Asia/Shanghai, whatever zone the aware datetime was in."""
    return to_shanghai(value).strftime("%Y-%m-%d %H:%M")


def to_shanghai(value: dt.datetime) -> dt.datetime:
    """An aware datetime converted to Asia/Shanghai; a naive one is taken to be Shanghai time already
    (Kehu runs with USE_TZ, so a naive value can only come from code that meant local time)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=SHANGHAI)
    return value.astimezone(SHANGHAI)

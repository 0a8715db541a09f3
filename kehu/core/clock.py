"""The one clock. Every "now" and "today" in Kehu comes from here so tests can move time."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.utils import timezone

UTC = dt.UTC

_frozen: list[dt.datetime] = []


def now() -> dt.datetime:
    if _frozen:
        return _frozen[-1]
    return timezone.now()


def today() -> dt.date:
    return timezone.localtime(now(), ZoneInfo("Asia/Shanghai")).date()


@contextlib.contextmanager
def frozen(at: dt.datetime) -> Iterator[None]:
    """Pretend it is ``at`` (an aware datetime) inside the block."""
    if timezone.is_naive(at):
        raise ValueError("frozen() needs an aware datetime")
    _frozen.append(at)
    try:
        yield
    finally:
        _frozen.pop()

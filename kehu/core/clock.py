"""The one clock. Every "now" and "today" in Kehu comes from here so tests can move time."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.utils import timezone

UTC = dt.UTC

_frozen: list[dt.datetime] = []
_pinned = threading.local()


def now() -> dt.datetime:
    if _frozen:
        return _frozen[-1]
    at = getattr(_pinned, "at", None)
    return at if at is not None else timezone.now()


def today() -> dt.date:
    return timezone.localtime(now(), ZoneInfo("Asia/Shanghai")).date()


@contextlib.contextmanager
def pinned() -> Iterator[dt.datetime]:
    """One instant for a whole batch (an import's rows share their creation time): inside the block
    this thread's ``now()`` stays where it was on entry. Other threads' clocks go on, unlike
    ``frozen``; worker processes forked inside the block keep the instant."""
    previous = getattr(_pinned, "at", None)
    _pinned.at = now()
    try:
        yield _pinned.at
    finally:
        _pinned.at = previous


@contextlib.contextmanager
def frozen(at: dt.datetime) -> Iterator[None]:
    """Pretend it is ``at`` (an aware datetime) inside the block, in every thread: for tests."""
    if timezone.is_naive(at):
        raise ValueError("frozen() needs an aware datetime")
    _frozen.append(at)
    try:
        yield
    finally:
        _frozen.pop()

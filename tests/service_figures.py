"""Tickets written straight with the ORM, with chosen times, for the figures of the analysis tests only: the
flows that make tickets (opening, responding, resolving, rating) are tested through the services elsewhere.
Here every timestamp is set by hand so each figure has one right answer."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from kehu.policy.selectors import version_in_force
from kehu.service.models import PRIORITY_RANK, Ticket, TicketCategory

SH = ZoneInfo("Asia/Shanghai")
_numbers = itertools.count(1)


def at(day: str, hour: int = 9) -> dt.datetime:
    """``at("2026-10-05", 14)`` → 14:00 Beijing time that day."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), SH)


def category(code: str, name: str, name_en: str = "") -> TicketCategory:
    return TicketCategory.objects.create(code=code, name=name, name_en=name_en)


def ticket(responsible, opened: dt.datetime, *, respond_hours: float | None = None, resolve_hours: float | None = None,
           response_due_hours: float = 24, resolution_due_hours: float = 72, kind: str = "complaint",
           channel: str = "phone", status: str | None = None, rating: int | None = None,
           rated: dt.datetime | None = None, **fields) -> Ticket:
    """A ticket opened at ``opened`` in ``responsible``'s department, first answered ``respond_hours`` and
    resolved ``resolve_hours`` later (None: not yet), due 24 and 72 hours after opening unless told."""
    def later(h):
        return None if h is None else opened + dt.timedelta(hours=h)

    resolved = later(resolve_hours)
    status = status or ("closed" if rating else "resolved" if resolved else "in_progress" if respond_hours else "new")
    fields.setdefault("department", responsible.department)
    return Ticket.objects.create(
        number=f"T{next(_numbers):08d}", kind=kind, channel=channel, priority="medium",
        priority_rank=PRIORITY_RANK["medium"], title=fields.pop("title", "产品异常"), description="描述",
        responsible=responsible, policy_version=version_in_force(), opened_at=opened,
        first_response_due=later(response_due_hours), first_response_at=later(respond_hours),
        resolution_due=later(resolution_due_hours), resolved_at=resolved, status=status,
        closed_at=resolved if status == "closed" else None, satisfaction=rating,
        rated_at=rated or (resolved + dt.timedelta(days=1) if rating else None), **fields)

"""The SLA state a queue row shows (SVC-3), from the ticket's stored due times: no policy read per row.

The sweep stores ``sla_state`` (due soon needs the calendar and the budget); a due time passed since the
last sweep is shown breached at once. A ticket waiting on the customer shows its clock paused, a finished one
whether it was met. The ticket page shows the full clocks (``selectors.sla_view``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kehu.service.models import OPEN_STATUSES, SlaState, Status

PAUSED = "paused"


@dataclass(frozen=True)
class LiveClock:
    due: dt.datetime
    state: str  # a SlaState value, or PAUSED
    responding: bool  # the first response is still owed: ``due`` is its time limit


def live_clock(ticket, now: dt.datetime) -> LiveClock:
    if ticket.status not in OPEN_STATUSES:
        return LiveClock(ticket.resolution_due, ticket.sla_state, responding=False)
    if ticket.status == Status.WAITING:
        return LiveClock(ticket.resolution_due, PAUSED, responding=False)
    # The first response is due first: while it is owed, that is the clock an agent acts on.
    responding = ticket.first_response_at is None and ticket.first_response_due < ticket.resolution_due
    due, stored = ((ticket.first_response_due, ticket.response_state) if responding
                   else (ticket.resolution_due, ticket.sla_state))
    return LiveClock(due, SlaState.BREACHED if now > due else stored, responding=responding)

"""SVC-4: which status a ticket may move to from the one it is in.

new → assigned → in progress ⇄ waiting on the customer; in progress → resolved → closed (the customer
confirms, or the auto-close sweep); a resolved or closed ticket may be reopened and is worked again. A new or
assigned ticket may go straight to in progress (the first response). Reassigning is ``ticket_assign``, not a
transition: it changes the responsible person, and a new ticket becomes assigned.
"""

from __future__ import annotations

from kehu.service.models import Status

TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.NEW: (Status.ASSIGNED, Status.IN_PROGRESS),
    Status.ASSIGNED: (Status.IN_PROGRESS,),
    Status.IN_PROGRESS: (Status.WAITING, Status.RESOLVED),
    Status.WAITING: (Status.IN_PROGRESS,),
    Status.RESOLVED: (Status.CLOSED, Status.REOPENED),
    Status.CLOSED: (Status.REOPENED,),
    Status.REOPENED: (Status.IN_PROGRESS,),
}


def allowed(current: str, to: str) -> bool:
    return to in TRANSITIONS.get(current, ())


def available(ticket) -> list[str]:
    """The statuses ``ticket`` may go to now, in the workflow's order."""
    return [str(status) for status in TRANSITIONS.get(ticket.status, ())]

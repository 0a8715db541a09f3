"""Where tickets meet the rest of Kehu; ``ready()`` wires it all from ServiceConfig.ready().

- Departure handover (OWN-5, AC-8): a leaver's open tickets, where they are the responsible person, are
  split among the receivers.
- Ownership carrier (OWN-4): when a customer changes hands, its open tickets the old owner was responsible
  for go to the new owner (a ticket a service engineer handles stays with them).
- Merge movers (INFO-5): a duplicate's tickets and service commitments move to the surviving customer.
- My day (REL-6): my open tickets, breached and due-soon first, and the team's open-ticket counts.
- The SLA sweep every 15 minutes (kehu/service/tasks.py), the callback task kind, the demo tickets.

Every re-assignment here writes a TicketEvent, so a ticket's history says why its responsible person
changed; the audit entries are the handover's and the transfer's own.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.core import clock
from kehu.engagement import myday
from kehu.policy.evaluators.base import SHANGHAI
from kehu.service import permissions as perms
from kehu.service import selectors
from kehu.service.models import OPEN_STATUSES, ServiceCommitment, SlaState, Ticket, TicketEvent
from kehu.service.selectors import ticket_url

CHUNK = 500
HANDOVER_CODE = "service.ticket"


def open_tickets():
    return Ticket.objects.filter(status__in=OPEN_STATUSES)


def reassign(ids: list[int], receiver, *, actor, note: str) -> int:
    """Make ``receiver`` responsible for the open tickets ``ids`` (set-based, CHUNK at a time), each with an
    "assign" TicketEvent; returns how many moved."""
    moved = 0
    now = clock.now()
    for start in range(0, len(ids), CHUNK):
        chunk = list(open_tickets().filter(pk__in=ids[start:start + CHUNK]).exclude(responsible=receiver)
                     .values_list("pk", flat=True))
        moved += Ticket.objects.filter(pk__in=chunk).update(responsible=receiver, updated_at=now)
        TicketEvent.objects.bulk_create([TicketEvent(ticket_id=pk, at=now, by=actor, action="assign", note=note)
                                         for pk in chunk])
    return moved


# --- departure handover ----------------------------------------------------------------------------------
def _hand_over(ids: list[int], receiver, *, actor, reason: str) -> int:
    return reassign(ids, receiver, actor=actor, note=_("离职交接：%(reason)s") % {"reason": reason})


# --- a customer changing hands ---------------------------------------------------------------------------
def carry_tickets(*, customer_ids: list[int], to_owner, actor) -> int:
    """The open tickets of ``customer_ids`` whose responsible person is the customer's owner before the
    transfer (carriers run before the customers change hands) go to ``to_owner``."""
    ids = list(open_tickets().filter(customer_id__in=customer_ids, responsible_id=F("customer__owner"))
               .order_by("pk").values_list("pk", flat=True))
    return reassign(ids, to_owner, actor=actor, note=_("客户转交新负责人，工单随客户转交"))


# --- my day ----------------------------------------------------------------------------------------------
ROWS = 10
_URGENCY = Case(
    When(Q(sla_state=SlaState.BREACHED) | Q(response_state=SlaState.BREACHED), then=Value(0)),
    When(Q(sla_state=SlaState.DUE_SOON) | Q(response_state=SlaState.DUE_SOON), then=Value(1)),
    default=Value(2), output_field=IntegerField())


def my_open_tickets(user):
    """The user's open tickets (through the scoped selector): breached first, then due soon, then by due time."""
    return (selectors.tickets_visible(user).filter(status__in=OPEN_STATUSES, responsible=user).annotate(urgency=_URGENCY)
            .order_by("urgency", "resolution_due", "pk"))


def _row(ticket) -> myday.MyDayRow:
    states = [SlaState(state).label for state in (ticket.response_state, ticket.sla_state)
              if state in (SlaState.BREACHED, SlaState.DUE_SOON)]
    detail = " · ".join(str(part) for part in [ticket.customer.name if ticket.customer else ticket.reporter_company,
                                               ticket.get_status_display(), *dict.fromkeys(states)] if part)
    return myday.MyDayRow(title=f"{ticket.number} {ticket.title}", url=ticket_url(ticket.pk), detail=detail,
                          due=timezone.localtime(ticket.resolution_due, SHANGHAI).date(), overdue=ticket.urgency == 0)


def tickets_section(user, today: dt.date) -> myday.MyDaySection | None:
    if not user.has_permission(perms.TICKET_VIEW):
        return None
    tickets = my_open_tickets(user)
    shown = list(tickets[:ROWS])
    if not shown:
        return None
    count = len(shown) if len(shown) < ROWS else tickets.count()
    return myday.MyDaySection(title=_("我的工单"), rows=[_row(ticket) for ticket in shown], count=count,
                              link=reverse("service:queue") + "?mine=1")


def team_open_tickets(member_ids: list[int], today: dt.date) -> dict[int, int]:
    rows = open_tickets().filter(responsible__in=member_ids).values("responsible").annotate(n=Count("pk"))
    return {row["responsible"]: row["n"] for row in rows}


def ready() -> None:
    from kehu.core import demo as core_demo
    from kehu.core import schedule
    from kehu.customers import merging, ownership
    from kehu.org import handover
    from kehu.service import callbacks, demo, tasks  # noqa: F401 (callbacks: the task kind)

    handover.register(handover.Handover(HANDOVER_CODE, gettext_lazy("服务工单"), open_tickets, "responsible",
                                        move=_hand_over, split=True, url_name="service:ticket"))
    ownership.register_carrier("tickets", carry_tickets)
    for model in (Ticket, ServiceCommitment):
        merging.register(f"service.{model.__name__.lower()}", merging.foreign_key_mover(model, "customer"),
                         covers=[(model, "customer")])
    myday.register(tickets_section, title=gettext_lazy("待处理工单"), team=team_open_tickets)
    schedule.periodic(tasks.sweep_sla, every=dt.timedelta(minutes=15))
    core_demo.register(demo.build_tickets)

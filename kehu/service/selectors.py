"""Reads of service tickets, always within the reader's data scope (ORG-3): the responsible person, the
ticket's team (department scopes), and whoever owns the customer (Ticket.scope_extra_q)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.org.access import require_permission
from kehu.service import permissions as perms
from kehu.service import sla
from kehu.service.models import OPEN_STATUSES, Status, Ticket


def ticket_url(pk) -> str:
    """The ticket's page, for notifications and the timeline."""
    try:
        return reverse("service:ticket", args=[pk])
    except NoReverseMatch:  # the pages are kehu.service.urls'; without them a notification has no link
        return ""


def tickets_visible(user) -> QuerySet:
    """Every ticket ``user`` may see, with what a list row shows loaded in the same query; PermissionDenied
    without the permission to view tickets."""
    require_permission(user, perms.TICKET_VIEW)
    return (Ticket.objects.visible_to(user)
            .select_related("customer", "category", "responsible", "department"))


def ticket_for(user, pk) -> Ticket:
    """One visible ticket with its clocks' inputs; Http404 when there is none or it is out of scope."""
    ticket = (tickets_visible(user).select_related("contact", "commitment", "policy_version", "created_by")
              .filter(pk=pk).first())
    if ticket is None:
        raise Http404(_("工单不存在，或您无权查看。"))
    return ticket


ALL_STATUSES, NONE = "all", "none"  # the queue's "every status" and "without a category"


def queue(user, *, team=None, status=None, kind=None, priority=None, sla_state=None, mine=False, q: str = "",
          category=None, customer=None, product: str = "", responsible=None, rated: str = "") -> QuerySet:
    """The work queue: open tickets unless ``status`` says otherwise ("all": every status), strategic customers
    first, then by priority, then the resolution due soonest (SVC-2). ``team``: a department (or its id);
    ``category``: one (or its id) or "none" for the uncategorised; ``rated="no"``: closed and not yet rated
    (the callbacks owed). The analysis pages' drill-downs land here with these."""
    tickets = tickets_visible(user)
    if status != ALL_STATUSES:
        tickets = tickets.filter(status=status) if status else tickets.filter(status__in=OPEN_STATUSES)
    if category == NONE:
        tickets = tickets.filter(category__isnull=True)
        category = None
    conditions = {"department": team, "kind": kind, "priority": priority, "sla_state": sla_state,
                  "category": category, "customer": customer, "product": product, "responsible": responsible}
    tickets = tickets.filter(**{key: value for key, value in conditions.items() if value})
    if rated == "no":
        tickets = tickets.filter(status=Status.CLOSED, satisfaction__isnull=True)
    if mine:
        tickets = tickets.filter(responsible=user)
    q = (q or "").strip()
    if q:
        tickets = tickets.filter(Q(number__iexact=q) | Q(title__icontains=q) | Q(customer__name__icontains=q))
    return tickets.order_by("-strategic", "priority_rank", "resolution_due", "id")


def sla_view(ticket: Ticket, now: dt.datetime | None = None) -> dict:
    """The live clocks of ``ticket`` for display: each clock's due time, state and reason. A clock that has
    stopped (responded, resolved) shows how it ended; a ticket waiting on the customer shows it paused."""
    now = now or clock.now()
    first, resolution = sla.clocks(ticket, now)
    paused = ticket.status == Status.WAITING
    return {
        "first_response": _clock(first, ticket.first_response_at, ticket.response_state, paused),
        "resolution": _clock(resolution, ticket.resolved_at, ticket.sla_state, paused),
        "paused": paused,
        "policy_version": ticket.policy_version.number,
        "commitment": ticket.commitment,
    }


def _clock(live, done_at, stored_state: str, paused: bool) -> dict:
    if done_at is not None:
        return {"due": live.due, "state": stored_state, "done_at": done_at, "reason": live.reason}
    reason = _("%(reason)s（等待客户，计时暂停）") % {"reason": live.reason} if paused else live.reason
    return {"due": live.due, "state": live.state, "done_at": None, "reason": reason,
            "escalated_to": live.escalated_to}

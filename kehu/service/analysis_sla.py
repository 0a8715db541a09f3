"""SLA compliance (SVC-3) per team and per person, the complaint rule of POL-3 and the PERF-1 comparison with
the previous period, over the tickets ``user`` sees (``selectors.tickets_visible``) opened in a period.

A ticket's due times are those stored when it opened, under the policy version then in force, and moved
by its waiting-on-customer pauses; so "in time" here is exactly what the ticket page showed:

- responded in time: first response at or before ``first_response_due``; late: after it, or still
  unanswered with the due time passed. Unanswered and not yet due counts neither way (pending).
- resolved in time: ``resolved_at`` at or before ``resolution_due``; late: after it, or still unresolved
  with the due time passed, unless the ticket is waiting on the customer (its clock is stopped and its
  stored due time moves when it resumes).
- breached: late on either clock.

The figures are GROUP BY queries with conditional counts and duration sums (one query a grouping and
period); a team or person row's averages are sums over counts, so the total line is the sum of the rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.org.access import require_permission
from kehu.policy.models import PolicyVersion
from kehu.service import commitments
from kehu.service import permissions as perms
from kehu.service.analysis import hours, opened_in, queue_link
from kehu.service.analysis_periods import Period
from kehu.service.models import Status, TicketKind

TEAM, PERSON = "department", "responsible"
_GROUPS = {
    TEAM: ("department_id", "department__name"),
    PERSON: ("responsible_id", "responsible__full_name", "responsible__username"),
}


def share(part: int, whole: int) -> Decimal | None:
    """Percent with one decimal; None when nothing was measured."""
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _span(end: str) -> ExpressionWrapper:
    return ExpressionWrapper(F(end) - F("opened_at"), output_field=DurationField())


def _measures(now: dt.datetime) -> dict:
    responded_late = Q(first_response_at__gt=F("first_response_due")) | Q(
        first_response_at__isnull=True, first_response_due__lt=now)
    resolved_late = Q(resolved_at__gt=F("resolution_due")) | (
        Q(resolved_at__isnull=True, resolution_due__lt=now) & ~Q(status=Status.WAITING))
    return {
        "opened": Count("pk"),
        "responded_in_time": Count("pk", filter=Q(first_response_at__lte=F("first_response_due"))),
        "responded_late": Count("pk", filter=responded_late),
        "responded": Count("first_response_at"),
        "response_time": Sum(_span("first_response_at")),
        "resolved_in_time": Count("pk", filter=Q(resolved_at__lte=F("resolution_due"))),
        "resolved_late": Count("pk", filter=resolved_late),
        "resolved": Count("resolved_at"),
        "handling_time": Sum(_span("resolved_at")),
        "breached": Count("pk", filter=responded_late | resolved_late),
    }


@dataclass(frozen=True)
class SlaFigure:
    """One team's, person's or everyone's SLA figures in one period."""

    key: int | None = None
    label: str = ""
    opened: int = 0
    responded_in_time: int = 0
    responded_late: int = 0
    responded: int = 0
    response_time: dt.timedelta | None = None
    resolved_in_time: int = 0
    resolved_late: int = 0
    resolved: int = 0
    handling_time: dt.timedelta | None = None
    breached: int = 0

    @property
    def response_share(self) -> Decimal | None:
        """Share first-responded in time among those measured (responded, or past due)."""
        return share(self.responded_in_time, self.responded_in_time + self.responded_late)

    @property
    def resolution_share(self) -> Decimal | None:
        return share(self.resolved_in_time, self.resolved_in_time + self.resolved_late)

    @property
    def average_response_hours(self) -> float | None:
        return hours(self.response_time / self.responded) if self.responded and self.response_time is not None else None

    @property
    def average_handling_hours(self) -> float | None:
        """Opened → resolved, wall-clock hours (PERF-1's complaint handling time)."""
        return hours(self.handling_time / self.resolved) if self.resolved and self.handling_time is not None else None

    def __add__(self, other: SlaFigure) -> SlaFigure:
        def plus(a, b):
            return b if a is None else a if b is None else a + b

        numbers = {name: plus(getattr(self, name), getattr(other, name)) for name in _SUMMED}
        return SlaFigure(self.key, self.label, **numbers)


_SUMMED = ("opened", "responded_in_time", "responded_late", "responded", "response_time", "resolved_in_time",
           "resolved_late", "resolved", "handling_time", "breached")
_COUNTS = frozenset(_SUMMED) - {"response_time", "handling_time"}


@dataclass(frozen=True)
class Compared:
    """PERF-1: a row's figures in the period and in the previous one."""

    current: SlaFigure
    previous: SlaFigure
    link: str = ""

    @property
    def label(self) -> str:
        return self.current.label or self.previous.label

    @property
    def response_change(self) -> Decimal | None:
        now, before = self.current.response_share, self.previous.response_share
        return None if now is None or before is None else now - before


@dataclass
class SlaReport:
    period: Period
    previous: Period
    kind: str
    total: Compared | None = None
    teams: list[Compared] = field(default_factory=list)
    people: list[Compared] = field(default_factory=list)


def _label(group: str, row: dict, unassigned: str) -> str:
    if group == TEAM:
        return row["department__name"] or unassigned
    return row["responsible__full_name"] or row["responsible__username"]


def figures(user, period: Period, *, group: str, kind: str = "", now: dt.datetime | None = None) -> dict:
    """``{key: SlaFigure}`` for each team (``TEAM``) or person (``PERSON``) with tickets opened in the period."""
    keys = _GROUPS[group]
    rows = opened_in(user, period, kind=kind).values(*keys).annotate(**_measures(now or clock.now())).order_by()
    return {row[keys[0]]: SlaFigure(row[keys[0]], _label(group, row, _("未指定团队")),
                                    **{name: row[name] for name in _SUMMED}) for row in rows}


def _compared(current: dict, previous: dict, group: str, kind: str) -> list[Compared]:
    rows = []
    for key in current.keys() | previous.keys():
        now, before = current.get(key), previous.get(key)
        label = (now or before).label
        filter_name = "team" if group == TEAM else "responsible"
        rows.append(Compared(now or SlaFigure(key, label), before or SlaFigure(key, label),
                             queue_link(**{filter_name: key or "none", "kind": kind})))
    return sorted(rows, key=lambda row: (-row.current.opened, -row.previous.opened, row.label))


def sla_compliance(user, period: Period, *, kind: str = "", now: dt.datetime | None = None) -> SlaReport:
    """SLA compliance per team and per person, this period beside the previous one (service.analysis.view)."""
    require_permission(user, perms.ANALYSIS_VIEW)
    now = now or clock.now()
    previous = period.preceding()
    report = SlaReport(period, previous, kind)
    for group, target in ((TEAM, "teams"), (PERSON, "people")):
        current, before = (figures(user, p, group=group, kind=kind, now=now) for p in (period, previous))
        setattr(report, target, _compared(current, before, group, kind))
    report.total = Compared(sum((row.current for row in report.teams), SlaFigure()),
                            sum((row.previous for row in report.teams), SlaFigure()), queue_link(kind=kind))
    return report


def complaints_answered_in_time(user, period: Period, *, now: dt.datetime | None = None) -> Compared:
    """POL-3's complaint rule: the share of complaints first-responded within their policy's time (24 hours
    by default, per the policy version in force when each was opened), this period and the previous one."""
    require_permission(user, perms.ANALYSIS_VIEW)
    now = now or clock.now()
    current, before = (totals(user, p, kind=TicketKind.COMPLAINT, now=now) for p in (period, period.preceding()))
    return Compared(current, before, queue_link(kind=TicketKind.COMPLAINT))


def totals(user, period: Period, *, kind: str = "", now: dt.datetime | None = None) -> SlaFigure:
    """Everyone's figures in the period, one aggregate query."""
    row = opened_in(user, period, kind=kind).aggregate(**_measures(now or clock.now()))
    return SlaFigure(**{name: row[name] or (0 if name in _COUNTS else None) for name in _SUMMED})


@dataclass(frozen=True)
class CommitmentFigure:
    """One customer's tickets opened in the period under a service commitment, measured against it."""

    customer_id: int
    label: str
    tickets: int = 0
    response_met: int = 0
    response_missed: int = 0
    resolution_met: int = 0
    resolution_missed: int = 0

    @property
    def response_share(self) -> Decimal | None:
        return share(self.response_met, self.response_met + self.response_missed)

    @property
    def resolution_share(self) -> Decimal | None:
        return share(self.resolution_met, self.resolution_met + self.resolution_missed)


def commitment_compliance(user, period: Period, *, kind: str = "", now: dt.datetime | None = None
                          ) -> list[CommitmentFigure]:
    """Per customer with a commitment: how many of its tickets opened in the period kept the commitment's
    response and resolution hours (kehu.service.commitments.measure: the hours counted on the ticket's SLA
    calendar, waiting on the customer excluded). Two queries: the tickets under a commitment are few."""
    require_permission(user, perms.ANALYSIS_VIEW)
    now = now or clock.now()
    tickets = list(opened_in(user, period, kind=kind).filter(commitment__isnull=False)
                   .select_related("commitment", "customer"))
    versions = PolicyVersion.objects.in_bulk({ticket.policy_version_id for ticket in tickets})
    counts: dict[int, dict] = {}
    for ticket in tickets:
        ticket.policy_version = versions[ticket.policy_version_id]  # parsed once a version, not once a ticket
        result = commitments.measure(ticket, now)
        tally = counts.setdefault(ticket.customer_id, {"label": ticket.customer.name, "tickets": 0})
        tally["tickets"] += 1
        for name, promise in (("response", result.response), ("resolution", result.resolution)):
            if promise is not None and promise.state != commitments.PENDING:
                key = f"{name}_{promise.state}"
                tally[key] = tally.get(key, 0) + 1
    return sorted((CommitmentFigure(key, **tally) for key, tally in counts.items()),
                  key=lambda row: (-row.tickets, row.label))

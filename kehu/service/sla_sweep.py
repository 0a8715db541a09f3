"""The SLA sweep (SVC-3), run every 15 minutes (kehu/service/tasks.py) and by ``kehu tickets_sweep``.

For every open ticket whose clock runs (not waiting on the customer) it recomputes ``response_state`` and
``sla_state`` from the stored due times with the SLA evaluator, under the rules of the ticket's own policy
version; tells the responsible person once when a clock turns due soon; and, once a clock is breached,
walks the escalation chain: ``escalated_to`` only ever moves up, each move with a TicketEvent, an audit
entry and a notification to the people of every step reached (kehu/service/escalation.py says who).
Then resolved tickets the customer left unconfirmed for the policy's ``auto_close_days`` close.

Idempotent: what the last run stored is what a second run at the same instant computes, so it writes and
sends nothing; every notification carries a key besides, so a concurrent run cannot send it twice.

Cost: the open ids are read once, then CHUNK tickets at a time are locked and evaluated in memory, counted
time in constant time (kehu/service/counting.py); the people of the escalation steps come in per chunk
(escalation.People) and the writes are bulk. Queries grow with the chunks and with what actually changed,
never with the tickets merely checked (docs/performance.md "Service SLA sweep").
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections import namedtuple
from dataclasses import dataclass
from types import SimpleNamespace

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.compliance import audit
from kehu.core import clock
from kehu.engagement.notify import notify
from kehu.policy.evaluators import sla
from kehu.policy.evaluators.base import SHANGHAI
from kehu.policy.models import PolicyVersion
from kehu.policy.schemas import EscalationStep, SlaRules
from kehu.service import actions, callbacks, escalation
from kehu.service import sla as ticket_sla
from kehu.service.counting import COUNTER
from kehu.service.models import OPEN_STATUSES, ServiceCommitment, SlaState, Status, Ticket, TicketEvent
from kehu.service.selectors import ticket_url

logger = logging.getLogger(__name__)
CHUNK = 500
RUNNING = [status for status in OPEN_STATUSES if status != Status.WAITING]  # waiting pauses every clock
# What the sweep reads of a ticket: plain tuples, not model instances (a third of the time of a run that
# changes nothing went into building instances; docs/performance.md).
Row = namedtuple("Row", ("id", "number", "title", "priority", "responsible_id", "department_id",
                         "policy_version_id", "commitment_id", "first_response_due", "first_response_at",
                         "resolution_due", "response_state", "sla_state", "escalated_to", "escalated_at"))


@dataclass(frozen=True)
class SweepResult:
    checked: int = 0
    changed: int = 0  # tickets whose response or resolution state or escalation step changed
    due_soon: int = 0  # tickets whose responsible person was told a clock is due soon
    escalated: int = 0
    auto_closed: int = 0
    # Left as they were: a clock reaching into a year the working calendar is not known for (update the
    # chinese_calendar package); one such ticket does not stop the others' escalations.
    unevaluated: int = 0

    @property
    def anything(self) -> bool:
        return bool(self.changed or self.escalated or self.auto_closed)


class Rules:
    """The SLA rules each ticket runs on: its policy version's ``sla`` section (each version read once),
    tightened by its service commitment as when its due times were set (kehu/service/sla.py ``rules_for``)."""

    def __init__(self):
        self._versions: dict[int, PolicyVersion] = {}
        self._commitments: dict[int, ServiceCommitment] = {}
        self._rules: dict[tuple, SlaRules] = {}

    def version(self, version_id: int) -> PolicyVersion:
        if version_id not in self._versions:
            self._versions[version_id] = PolicyVersion.objects.get(pk=version_id)
        return self._versions[version_id]

    def of(self, version_id: int) -> SlaRules:
        return self.version(version_id).section("sla")

    def number(self, version_id: int) -> int:
        return self.version(version_id).number

    def load(self, rows: list[Row]) -> None:
        """Read the commitments of a chunk's tickets not read yet (one query)."""
        wanted = {row.commitment_id for row in rows} - {None, *self._commitments}
        if wanted:
            self._commitments.update(ServiceCommitment.objects.in_bulk(wanted))

    def for_ticket(self, row: Row) -> SlaRules:
        key = (row.policy_version_id, row.commitment_id, row.priority)
        if key not in self._rules:
            self._rules[key] = ticket_sla.rules_for(SimpleNamespace(
                policy_version=self.version(row.policy_version_id), priority=row.priority,
                commitment=self._commitments.get(row.commitment_id)))
        return self._rules[key]


@functools.cache
def _calendar(kind: str, start_hour: int, end_hour: int) -> sla.Calendar:
    """Calendar.of, one instance per calendar: the sweep asks for it per ticket, and FastCounter remembers by it."""
    return sla.Calendar(kind, start_hour, end_hour)


@dataclass(frozen=True)
class Evaluation:
    response_state: str
    sla_state: str
    step: EscalationStep | None  # the furthest step a running, breached clock has reached


def evaluate(ticket: Row, rules: SlaRules, now: dt.datetime, *, counter: sla.Counter = sla.counted) -> Evaluation:
    """The states of both clocks of a running ticket at ``now`` and the escalation step reached, under
    ``rules`` (Rules.for_ticket). A clock warns against its target's hours: its due time was set from them."""
    target = rules.targets[ticket.priority]
    calendar = _calendar(target.calendar, rules.workday_start_hour, rules.workday_end_hour)

    def state(due: dt.datetime, hours: int) -> str:
        return sla.state(now, due, budget=dt.timedelta(hours=hours), calendar=calendar, counter=counter,
                         warning_percent=rules.breach_warning_percent, due_soon_hours=rules.due_soon_hours)

    running = [ticket.resolution_due]
    if ticket.first_response_at is None:
        response = state(ticket.first_response_due, target.first_response_hours)
        running.append(ticket.first_response_due)
    else:
        response = SlaState.MET if ticket.first_response_at <= ticket.first_response_due else SlaState.BREACHED
    resolution = state(ticket.resolution_due, target.resolution_hours)
    chain = rules.escalation
    step = None
    if escalation.step_index(chain, ticket.escalated_to) < len(chain) - 1:  # at the top: nothing to add
        reached = [s for due in running if (s := sla.escalation_step(now, due, chain, calendar, counter=counter))]
        step = max(reached, key=lambda s: escalation.step_index(chain, s.to), default=None)
    return Evaluation(response, resolution, step)


def _target(row: Row) -> tuple[str, int, str]:
    return ("service.ticket", row.id, f"{row.number} {row.title}")  # as the audit log names a Ticket


class _Chunk:
    """What one chunk changes: collected in memory, written in bulk."""

    def __init__(self, rules: Rules, people: escalation.People, now: dt.datetime):
        self.rules, self.people, self.now = rules, people, now
        self.updated: list[Ticket] = []  # unsaved, holding only the pk and the four fields the sweep writes
        self.events: list[TicketEvent] = []
        self.audited: list[tuple] = []
        self.due_soon: list[tuple[Row, str, dt.datetime]] = []  # (ticket, which clock, its due time)
        self.escalations: list[tuple[Row, list]] = []  # (ticket, steps newly reached)
        self.unevaluated: list[int] = []

    def check(self, row: Row) -> None:
        rules = self.rules.for_ticket(row)
        try:
            result = evaluate(row, rules, self.now, counter=COUNTER)
        except ValueError as exc:  # a due time in a year chinese_calendar does not publish yet
            self.unevaluated.append(row.id)
            logger.warning("SLA sweep left ticket %s as it was: %s", row.number, exc)
            return
        for name, due, before, after in (("first_response", row.first_response_due, row.response_state,
                                          result.response_state),
                                         ("resolution", row.resolution_due, row.sla_state, result.sla_state)):
            if after == SlaState.DUE_SOON and before != SlaState.DUE_SOON:
                self.due_soon.append((row, name, due))
        escalated_to, escalated_at = row.escalated_to, row.escalated_at
        if result.step is not None and self._escalate(row, rules, result.step):
            escalated_to, escalated_at = result.step.to, self.now
        if (result.response_state, result.sla_state, escalated_to) != (row.response_state, row.sla_state,
                                                                       row.escalated_to):
            self.updated.append(Ticket(pk=row.id, response_state=result.response_state, sla_state=result.sla_state,
                                       escalated_to=escalated_to, escalated_at=escalated_at))

    def _escalate(self, row: Row, rules: SlaRules, step: EscalationStep) -> bool:
        """Record the move up to ``step`` if that is further than the ticket went (never down); whether it moved."""
        chain = rules.escalation
        before = escalation.step_index(chain, row.escalated_to)
        reached = escalation.step_index(chain, step.to)
        if reached <= before:
            return False
        self.escalations.append((row, chain[before + 1:reached + 1]))
        self.events.append(TicketEvent(ticket_id=row.id, at=self.now, action="escalate",
                                       note=_("超时升级至：%(step)s") % {"step": self.people.step_label(step.to)}))
        self.audited.append((_target(row), {"from": row.escalated_to, "to": step.to,
                                            "policy_version": self.rules.number(row.policy_version_id)}))
        return True

    def write(self) -> None:
        if self.updated:
            Ticket.objects.bulk_update(self.updated, ["response_state", "sla_state", "escalated_to", "escalated_at"])
        TicketEvent.objects.bulk_create(self.events)
        audit.record_many(None, actions.TICKET_ESCALATE, self.audited)
        if self.escalations:
            self.people.load(row for row, _steps in self.escalations)
        for row, steps in self.escalations:
            for step in steps:
                notify(self.people.of(row, step.to), "service_escalation",
                       _("工单超时升级：%(number)s") % {"number": row.number},
                       _("工单“%(title)s”已超时，已升级至您处理或督办。") % {"title": row.title},
                       url=ticket_url(row.id), key=f"service.escalate:{row.id}:{step.to}")
        if self.due_soon:
            self.people.load(row for row, _name, _due in self.due_soon)
        for row, name, due in self.due_soon:
            local = f"{due.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"
            body = (_("请于 %(due)s 前首次响应。") if name == "first_response" else _("请于 %(due)s 前解决。")) % {
                "due": local}
            notify([self.people.responsible(row)], "service_due_soon",
                   _("工单即将超时：%(number)s") % {"number": row.number}, body, url=ticket_url(row.id),
                   key=f"service.due_soon:{row.id}:{name}:{int(due.timestamp())}")


def sla_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Recompute, notify and escalate every running ticket, then auto-close; see the module docstring.
    Each chunk commits on its own; one audit entry per run that changed something."""
    now = now or clock.now()
    rules, people = Rules(), escalation.People()
    ids = list(Ticket.objects.filter(status__in=RUNNING).order_by("pk").values_list("pk", flat=True))
    changed = due_soon = escalated = unevaluated = 0
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            rows = [Row._make(values) for values in
                    Ticket.objects.select_for_update().filter(pk__in=ids[start:start + CHUNK], status__in=RUNNING)
                    .order_by("pk").values_list(*Row._fields)]
            rules.load(rows)
            chunk = _Chunk(rules, people, now)
            for row in rows:
                chunk.check(row)
            chunk.write()
        changed += len(chunk.updated)
        due_soon += len({row.id for row, _name, _due in chunk.due_soon})
        escalated += len(chunk.escalations)
        unevaluated += len(chunk.unevaluated)
    closed = auto_close(now=now, rules=rules)
    result = SweepResult(checked=len(ids), changed=changed, due_soon=due_soon, escalated=escalated,
                         auto_closed=closed, unevaluated=unevaluated)
    if result.anything:
        with transaction.atomic():
            audit.record(None, actions.TICKET_SLA_SWEEP, None, {
                "checked": result.checked, "changed": result.changed, "due_soon": result.due_soon,
                "escalated": result.escalated, "auto_closed": result.auto_closed, "unevaluated": result.unevaluated})
    return result


def auto_close(*, now: dt.datetime, rules: Rules | None = None) -> int:
    """Close the resolved tickets whose customer has not confirmed within their policy's ``auto_close_days``
    (closed_by_customer stays False); each gets a TicketEvent, an audit entry and its callback task."""
    rules = rules or Rules()
    closed = 0
    versions = (Ticket.objects.filter(status=Status.RESOLVED).order_by().values_list("policy_version_id", flat=True)
                .distinct())
    for version_id in list(versions):
        days = rules.of(version_id).auto_close_days
        cutoff = now - dt.timedelta(days=days)
        ids = list(Ticket.objects.filter(status=Status.RESOLVED, policy_version_id=version_id, resolved_at__lt=cutoff)
                   .order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), CHUNK):
            closed += _close_chunk(ids[start:start + CHUNK], now, version=rules.number(version_id), days=days)
    return closed


@transaction.atomic
def _close_chunk(ids: list[int], now: dt.datetime, *, version: int, days: int) -> int:
    tickets = list(Ticket.objects.select_for_update(of=("self",)).filter(pk__in=ids, status=Status.RESOLVED)
                   .select_related("customer").order_by("pk"))
    if not tickets:
        return 0
    Ticket.objects.filter(pk__in=[t.pk for t in tickets]).update(
        status=Status.CLOSED, closed_at=now, closed_by_customer=False, updated_at=now)
    note = _("解决后客户 %(days)s 天未确认，自动关闭") % {"days": days}
    TicketEvent.objects.bulk_create([TicketEvent(ticket=t, at=now, action="auto_close", from_status=Status.RESOLVED,
                                                 to_status=Status.CLOSED, note=note) for t in tickets])
    audit.record_many(None, actions.TICKET_AUTO_CLOSE, [(t, {"policy_version": version, "days": days})
                                                        for t in tickets])
    for ticket in tickets:
        ticket.status, ticket.closed_at, ticket.closed_by_customer = Status.CLOSED, now, False
    callbacks.on_closed_many(tickets)
    return len(tickets)

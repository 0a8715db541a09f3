"""Service commitments (服务承诺书, SVC-6): what a customer was promised, and whether its tickets met it.

A commitment is seen by whoever sees its customer (the model's ScopedManager follows the customer's owner,
department and team); writing one needs COMMITMENT_MANAGE as well. A ticket opened while a commitment is in
force (``in_force``) carries it, and ``measure`` tells whether the ticket was answered and resolved within
the promised hours, counted on the calendar the ticket's own SLA runs on (the policy version in force when it
opened, for its priority) and without the time spent waiting on the customer: a promise of "4 hours" means
the same hours the SLA counts.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kehu.compliance import audit
from kehu.core import clock
from kehu.core.errors import Conflict, DomainError, NotFound
from kehu.customers import permissions as customer_perms
from kehu.customers.models import Customer
from kehu.org.access import require_permission
from kehu.policy.evaluators.base import SHANGHAI
from kehu.policy.evaluators.sla import Calendar, deadline
from kehu.policy.models import PolicyVersion
from kehu.service import actions, sla
from kehu.service import permissions as perms
from kehu.service.models import ServiceCommitment, Ticket

CONTENT_MAX = 2000
MET, MISSED, PENDING = "met", "missed", "pending"


# --- reads ----------------------------------------------------------------------------------------
def commitments_for(user, *, customer: Customer | None = None, current_only: bool = False) -> QuerySet:
    """The commitments of the customers ``user`` sees, newest first; of one customer when given."""
    require_permission(user, customer_perms.VIEW)
    rows = ServiceCommitment.objects.visible_to(user).filter(customer__deleted_at=None)
    if customer is not None:
        rows = rows.filter(customer=customer)
    if current_only:
        rows = rows.filter(withdrawn_at__isnull=True)
    return rows.select_related("customer", "created_by")


def commitment_for(user, pk: int) -> ServiceCommitment:
    commitment = commitments_for(user).filter(pk=pk).first()
    if commitment is None:
        raise NotFound("commitment_not_found", _("服务承诺书不存在，或不在您的数据范围内。"))
    return commitment


def in_force(customer: Customer | None, at: dt.datetime | None = None) -> ServiceCommitment | None:
    """The commitment a ticket of ``customer`` opened at ``at`` is measured against: not withdrawn by then,
    valid on that Shanghai day; of several, the one that took effect last. Not scoped: the ticket's
    opening (any channel, the public page included) asks it for the system."""
    if customer is None:
        return None
    at = at or clock.now()
    day = at.astimezone(SHANGHAI).date()
    return (ServiceCommitment.objects.filter(customer=customer, valid_from__lte=day)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
            .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=at))
            .order_by("-valid_from", "-id").first())


# --- writes ---------------------------------------------------------------------------------------
def _check(data: dict) -> None:
    content = (data.get("content") or "").strip()
    if not content:
        raise DomainError("commitment_content_required", _("请填写承诺内容。"), field="content")
    if len(content) > CONTENT_MAX:
        raise DomainError("commitment_content_too_long", _("承诺内容不超过 %(n)d 个字。") % {"n": CONTENT_MAX},
                          field="content")
    if data.get("valid_from") is None:
        raise DomainError("commitment_valid_from_required", _("请填写生效日期。"), field="valid_from")
    if data.get("valid_until") is not None and data["valid_until"] < data["valid_from"]:
        raise DomainError("commitment_dates", _("截止日期不能早于生效日期。"), field="valid_until")
    response, resolution = data.get("response_hours"), data.get("resolution_hours")
    for field, hours in (("response_hours", response), ("resolution_hours", resolution)):
        if hours is not None and hours <= 0:
            raise DomainError("commitment_hours_positive", _("时限须为正整数小时。"), field=field)
    if response is not None and resolution is not None and response > resolution:
        raise DomainError("commitment_hours_order", _("响应时限不能长于解决时限。"), field="response_hours")


def _visible_customer(actor, customer: Customer) -> Customer:
    found = Customer.objects.visible_to(actor).filter(pk=customer.pk, deleted_at=None).first()
    if found is None:
        raise NotFound("customer_not_found", _("客户不存在，或您无权查看。"))
    return found


FIELDS = ("content", "standard", "response_hours", "resolution_hours", "valid_from", "valid_until", "signed_by")


@transaction.atomic
def commitment_save(*, actor, customer: Customer | None = None, commitment: ServiceCommitment | None = None,
                    content: str, valid_from: dt.date, standard: str = "", response_hours: int | None = None,
                    resolution_hours: int | None = None, valid_until: dt.date | None = None,
                    signed_by: str = "", entry_point: str = "web") -> ServiceCommitment:
    """Create a commitment for ``customer``, or edit ``commitment`` (its customer stays). The customer must be
    in the actor's scope; a withdrawn commitment is history and is not edited."""
    require_permission(actor, perms.COMMITMENT_MANAGE)
    data = {"content": content, "standard": standard, "response_hours": response_hours,
            "resolution_hours": resolution_hours, "valid_from": valid_from, "valid_until": valid_until,
            "signed_by": signed_by}
    _check(data)
    created = commitment is None
    if created:
        if customer is None:
            raise DomainError("commitment_customer_required", _("请选择客户。"), field="customer")
        commitment = ServiceCommitment(customer=_visible_customer(actor, customer), created_by=actor)
    else:
        _visible_customer(actor, commitment.customer)
        commitment = ServiceCommitment.objects.select_for_update().get(pk=commitment.pk)
        if commitment.withdrawn_at is not None:
            raise Conflict("commitment_withdrawn", _("该服务承诺书已撤销，不能修改。"))
    before = {field: getattr(commitment, field) for field in FIELDS}
    data["content"], data["standard"] = content.strip(), (standard or "").strip()
    data["signed_by"] = (signed_by or "").strip()[:50]
    for field, value in data.items():
        setattr(commitment, field, value)
    commitment.save()
    changed = sorted(field for field in FIELDS if created or before[field] != data[field])
    audit.record(actor, actions.COMMITMENT_SAVE, commitment.customer, {
        "commitment": commitment.pk, "created": created, "changed": changed,
        "response_hours": commitment.response_hours, "resolution_hours": commitment.resolution_hours,
        "valid_from": commitment.valid_from.isoformat(),
        "valid_until": commitment.valid_until.isoformat() if commitment.valid_until else None,
        "entry_point": entry_point})
    return commitment


@transaction.atomic
def commitment_withdraw(*, actor, commitment: ServiceCommitment, reason: str = "",
                        entry_point: str = "web") -> ServiceCommitment:
    """Withdraw a commitment from now on: tickets opened later no longer carry it; those that did keep it."""
    require_permission(actor, perms.COMMITMENT_MANAGE)
    _visible_customer(actor, commitment.customer)
    commitment = ServiceCommitment.objects.select_for_update().select_related("customer").get(pk=commitment.pk)
    if commitment.withdrawn_at is not None:
        raise Conflict("commitment_withdrawn", _("该服务承诺书已撤销。"))
    commitment.withdrawn_at = clock.now()
    commitment.save(update_fields=["withdrawn_at"])
    audit.record(actor, actions.COMMITMENT_WITHDRAW, commitment.customer,
                 {"commitment": commitment.pk, "reason": reason.strip()[:200], "entry_point": entry_point})
    return commitment


# --- measuring tickets against their commitment -----------------------------------------------------
@dataclass(frozen=True)
class Measure:
    """One promise of a commitment applied to one ticket: ``state`` met, missed or pending; ``due`` when the
    promised hours run out on the ticket's calendar."""

    hours: int
    due: dt.datetime
    state: str


@dataclass(frozen=True)
class CommitmentMeasure:
    response: Measure | None  # None: the commitment promises no response time
    resolution: Measure | None

    @property
    def met(self) -> bool:
        """Every promise kept (a ticket still within its hours has not met it yet)."""
        promises = [m for m in (self.response, self.resolution) if m is not None]
        return bool(promises) and all(m.state == MET for m in promises)

    @property
    def missed(self) -> bool:
        return any(m is not None and m.state == MISSED for m in (self.response, self.resolution))


def _promise(hours: int | None, done_at: dt.datetime | None, *, opened: dt.datetime, now: dt.datetime,
             calendar: Calendar, pauses) -> Measure | None:
    if hours is None:
        return None
    due = deadline(opened, dt.timedelta(hours=hours), calendar, pauses)
    if done_at is not None:
        state = MET if done_at <= due else MISSED
    else:
        state = MISSED if now > due else PENDING
    return Measure(hours=hours, due=due, state=state)


def measure(ticket: Ticket, now: dt.datetime | None = None) -> CommitmentMeasure | None:
    """The ticket against its commitment (None without one): response by ``first_response_at`` and resolution
    by ``resolved_at`` within the promised hours, each met, missed or still pending at ``now``."""
    commitment = ticket.commitment
    if commitment is None:
        return None
    now = now or clock.now()
    calendar = Calendar.of(ticket.policy_version.section("sla"), ticket.priority)
    facts = {"opened": ticket.opened_at, "now": now, "calendar": calendar,
             "pauses": sla.pause_intervals(ticket, now)}  # one still waiting ends now
    return CommitmentMeasure(response=_promise(commitment.response_hours, ticket.first_response_at, **facts),
                             resolution=_promise(commitment.resolution_hours, ticket.resolved_at, **facts))


TICKET_FIELDS = ("commitment", "opened_at", "first_response_at", "resolved_at", "pauses", "priority",
                 "policy_version")


def tally(commitments: Iterable[ServiceCommitment], now: dt.datetime | None = None) -> dict[int, Counter]:
    """For each commitment, how many of its tickets met it, missed it or are pending: ``{pk: Counter}``.
    Two queries (the tickets, their policy versions) whatever the number of tickets."""
    now = now or clock.now()
    by_pk = {c.pk: c for c in commitments}
    counts = {pk: Counter() for pk in by_pk}
    if not by_pk:
        return counts
    tickets = list(Ticket.objects.filter(commitment__in=list(by_pk)).only(*TICKET_FIELDS))
    # One instance per version, so its rules are parsed once however many tickets share it.
    versions = PolicyVersion.objects.in_bulk({ticket.policy_version_id for ticket in tickets})
    for ticket in tickets:
        ticket.commitment, ticket.policy_version = by_pk[ticket.commitment_id], versions[ticket.policy_version_id]
        result = measure(ticket, now)
        counts[ticket.commitment_id][MET if result.met else MISSED if result.missed else PENDING] += 1
    return counts

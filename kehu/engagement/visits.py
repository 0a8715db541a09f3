"""REL-2: recording a visit, and the visit plans a person or a manager reads (due and overdue lists, detail).

A visit is a follow-up of kind ``visit`` with a ``VisitReport`` (date, attendees, customer feedback) and its
intelligence as typed ``VisitIntel`` rows. Recording one fulfils the plans of its period that it qualifies
for (kehu/engagement/planning.py says which); the audit entry names them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.compliance import audit
from kehu.core import clock
from kehu.core.errors import DomainError, NotFound
from kehu.customers.models import Customer
from kehu.engagement import actions, compliance, planning, services
from kehu.engagement import permissions as perms
from kehu.engagement.models import (
    FollowUpKind,
    IntelKind,
    VisitIntel,
    VisitPlan,
    VisitPlanStatus,
    VisitReport,
)
from kehu.org.access import require_permission
from kehu.policy.evaluators.base import SHANGHAI
from kehu.policy.evaluators.visits import DUE_SOON, OVERDUE, state_on
from kehu.policy.selectors import rules_in_force, version_in_force


# --- writes ----------------------------------------------------------------------------------------
@transaction.atomic
def visit_record(*, actor, customer: Customer, visited_on: dt.date, content: str, attendees=(),
                 customer_attendees: str = "", feedback: str = "", intel: list[tuple[str, str]] = (),
                 entry_point: str = "web") -> VisitReport:
    """Record a visit by ``actor`` (with ``attendees``, colleagues who went too) and fulfil the plans it counts
    for. The visit is a follow-up of kind visit (``followup_record``: the pool clock, answered reminders)."""
    require_permission(actor, perms.VISIT_RECORD)
    today = clock.today()
    if visited_on > today:
        raise DomainError("visit_in_future", _("拜访日期不能晚于今天"), field="visited_on")
    unknown = [kind for kind, _detail in intel if kind not in IntelKind.values]
    if unknown:
        raise DomainError("invalid_intel", _("情报类别无效：%(kind)s") % {"kind": unknown[0]}, field="intel")
    happened_at = None if visited_on == today else dt.datetime.combine(visited_on, dt.time(12), SHANGHAI)
    followup = services.followup_record(actor=actor, customer=customer, entry_point=entry_point, data={
        "kind": FollowUpKind.VISIT, "content": content, "happened_at": happened_at})
    report = VisitReport.objects.create(followup=followup, visited_on=visited_on,
                                        customer_attendees=customer_attendees.strip(), feedback=feedback.strip())
    people = {actor.pk, *(user.pk for user in attendees)}
    report.attendees.set([pk for pk in people if pk != actor.pk])
    VisitIntel.objects.bulk_create([VisitIntel(report=report, kind=kind, detail=detail.strip())
                                    for kind, detail in intel if detail.strip()])
    # The customer's plans of the current periods exist before the visit is matched against them.
    planning.plan_visits(customers=[customer.pk])
    owed = list(VisitPlan.objects.filter(customer=customer, status__in=[VisitPlanStatus.OPEN, VisitPlanStatus.MISSED],
                                         period_start__lte=visited_on, period_end__gte=visited_on))
    planning.fulfil(owed, [planning.Visit(followup.pk, customer.pk, customer.owner_id, visited_on, frozenset(people))])
    fulfilled = sorted(VisitPlan.objects.filter(visit=followup).values_list("rule", flat=True))
    audit.record(actor, actions.VISIT_RECORD, customer,
                 {"followup": followup.pk, "visited_on": visited_on.isoformat(), "attendees": sorted(people),
                  "intel": sorted({kind for kind, _detail in intel}), "fulfilled": fulfilled})
    return report


# --- reads -----------------------------------------------------------------------------------------
def customer_to_visit(user, pk: int) -> Customer:
    """A customer ``user`` may record a visit for: one in their data scope, or one with a plan they have yet to
    fulfil (open, or missed and recorded late)."""
    require_permission(user, perms.VISIT_RECORD)
    customer = (Customer.objects.visible_to(user).filter(pk=pk, deleted_at=None).first()
                or Customer._base_manager.filter(pk=pk, deleted_at=None, visit_plans__responsible=user,
                                                 visit_plans__status__in=[VisitPlanStatus.OPEN, VisitPlanStatus.MISSED])
                .first())
    if customer is None:
        raise NotFound("not_found", _("客户不存在，或不在您的数据范围内"))
    return customer


def plans_for(user) -> QuerySet:
    """Visit plans ``user`` may read: their own, and those of the customers in their data scope."""
    require_permission(user, perms.VISIT_RECORD)
    return VisitPlan.objects.visible_to(user).select_related("customer", "responsible", "policy_version")


def open_plans(user, *, team: bool = False, state: str = "") -> QuerySet:
    """Open plans, the most pressing first: ``user``'s own, or (``team``) all in their scope.
    ``state``: only the overdue or the due-soon ones."""
    if team:
        require_permission(user, perms.TEAM_VIEW)
    rows = plans_for(user).filter(status=VisitPlanStatus.OPEN)
    if not team:
        rows = rows.filter(responsible=user)
    today = clock.today()
    if state == OVERDUE:
        rows = rows.filter(due_on__lt=today)
    elif state == DUE_SOON:
        rows = rows.filter(due_on__gte=today, due_on__lt=today + dt.timedelta(days=due_soon_days()))
    return rows.order_by("due_on", "customer_id", "id")


def plan_for(user, pk: int) -> VisitPlan:
    plan = plans_for(user).select_related("visit__visit_report").filter(pk=pk).first()
    if plan is None:
        raise NotFound("not_found", _("拜访计划不存在，或不在您的数据范围内"))
    return plan


def due_soon_days() -> int:
    return rules_in_force("visits").due_soon_days


@dataclass(frozen=True)
class PlanState:
    code: str  # not_due / due_soon / overdue, or the plan's status once it is closed
    label: str


STATE_LABELS = {"not_due": gettext_lazy("未到期"), DUE_SOON: gettext_lazy("即将到期"), OVERDUE: gettext_lazy("已逾期")}


def plan_state(plan: VisitPlan, today: dt.date, soon_days: int) -> PlanState:
    if plan.status != VisitPlanStatus.OPEN:
        return PlanState(plan.status, plan.get_status_display())
    code = state_on(plan.due_on, today, soon_days)
    return PlanState(code, str(STATE_LABELS[code]))


def with_states(plans, today: dt.date | None = None) -> list[VisitPlan]:
    """``plans`` with ``.state`` and ``.rule_label`` set (no query per row: the policy and the role names once)."""
    rows = list(plans)
    if not rows:
        return rows
    today = today or clock.today()
    version = version_in_force()
    soon = version.section("visits").due_soon_days
    labels = compliance.rule_labels(version)
    for plan in rows:
        plan.state = plan_state(plan, today, soon)
        plan.rule_label = labels.get(plan.rule, plan.rule)
    return rows

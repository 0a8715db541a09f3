"""/api/v1/visit-plans, /api/v1/visits and /api/v1/compliance/visits (REL-2, POL-3): the same selectors, form
and service as the pages. Plans: the caller's open ones (``team=true``: all in their scope), one plan;
visits: record one (Idempotency-Key), which answers with the plans it fulfilled; compliance: every cadence
rule's figures for the current and past periods in the caller's scope, and one period's customers not visited.
"""

import datetime as dt

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from kehu.core.idempotency import idempotent
from kehu.core.pagination import LimitOffsetPagination
from kehu.customers.api import _validated
from kehu.customers.forms import colleagues_for
from kehu.engagement import compliance, visits
from kehu.engagement.forms_visits import INTEL_FIELDS, VisitForm
from kehu.engagement.models import IntelKind

plans_router = Router(tags=["visits"])
visits_router = Router(tags=["visits"])
compliance_router = Router(tags=["visits"])


class VisitPlanOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    rule: str = Field(description="拜访规则：<等级>.<拜访人>，拜访人为 owner（客户负责人）或角色编码")
    period: str = Field(description="month / quarter / half_year / year")
    responsible_id: int
    period_start: dt.date
    period_end: dt.date
    due_on: dt.date
    policy_version: int
    status: str = Field(description="open / done / missed / superseded")
    state: str = Field(description="待拜访的：not_due / due_soon / overdue；其余同 status")
    visit_id: int | None = Field(None, description="完成该计划的拜访（跟进记录）")
    visited_on: dt.date | None = None

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_policy_version(obj) -> int:
        return obj.policy_version.number

    @staticmethod
    def resolve_state(obj) -> str:
        return obj.state.code


class PlanPagination(LimitOffsetPagination):
    """A page of plans, each with its state (the policy read once a page, not once a row)."""

    def window(self, queryset, offset: int, limit: int) -> dict:
        page = super().window(queryset, offset, limit)
        return {**page, "items": visits.with_states(page["items"])}


@plans_router.get("", response=list[VisitPlanOut])
@paginate(PlanPagination)
def visit_plan_list(request, team: bool = False, state: str = ""):
    """Open visit plans, the most pressing first: the caller's, or (``team``, engagement.team.view) all in
    their scope; ``state``: overdue or due_soon only."""
    return visits.open_plans(request.auth, team=team, state=state)


@plans_router.get("/{int:plan_id}", response=VisitPlanOut)
def visit_plan_detail(request, plan_id: int):
    """One visit plan (the caller's, or of a customer in their scope)."""
    return visits.with_states([visits.plan_for(request.auth, plan_id)])[0]


class IntelIn(Schema):
    kind: IntelKind
    detail: str


class VisitIn(Schema):
    customer_id: int
    visited_on: dt.date
    content: str
    attendee_ids: list[int] = Field(default_factory=list, description="我方其他参加人（本公司业务人员）")
    customer_attendees: str = ""
    feedback: str = ""
    intel: list[IntelIn] = Field(default_factory=list, description="情报：人事变动、问题、产品需求、竞争对手动态")


class VisitOut(Schema):
    id: int = Field(description="拜访（跟进记录）编号")
    customer_id: int
    visited_on: dt.date
    fulfilled_plan_ids: list[int]


@visits_router.post("", response={201: VisitOut})
@idempotent
def visit_create(request, payload: VisitIn):
    """Record a visit (engagement.visit.record) and fulfil the plans it counts for; audited."""
    user = request.auth
    customer = visits.customer_to_visit(user, payload.customer_id)
    by_kind = {kind: "\n".join(item.detail for item in payload.intel if item.kind == kind) for kind in INTEL_FIELDS}
    data = _validated(VisitForm({
        **payload.dict(include={"visited_on", "content", "customer_attendees", "feedback"}),
        "attendees": payload.attendee_ids, **{INTEL_FIELDS[kind]: text for kind, text in by_kind.items()}},
        colleagues=[u for u in colleagues_for(user) if u.pk != user.pk]))
    report = visits.visit_record(
        actor=user, customer=customer, visited_on=data["visited_on"], content=data["content"],
        attendees=data["attendees"], customer_attendees=data["customer_attendees"], feedback=data["feedback"],
        intel=[(item.kind.value, item.detail) for item in payload.intel], entry_point="api")
    return Status(201, {"id": report.followup_id, "customer_id": customer.pk, "visited_on": report.visited_on,
                        "fulfilled_plan_ids": sorted(report.followup.fulfilled_plans.values_list("pk", flat=True))})


class PeriodOut(Schema):
    start: dt.date
    end: dt.date
    total: int
    done: int
    missed: int
    share: float | None = Field(description="按期拜访占比（%），本期无计划时为空")


class RuleComplianceOut(Schema):
    rule: str
    label: str
    period: str
    periods: list[PeriodOut] = Field(description="本期在前，依次为前几期")


def _period(shown: compliance.PeriodFigure) -> dict:
    return {"start": shown.period.start, "end": shown.period.end, "total": shown.total, "done": shown.done,
            "missed": shown.missed, "share": None if shown.share is None else float(shown.share)}


@compliance_router.get("/visits", response=list[RuleComplianceOut])
def visit_compliance(request):
    """Every cadence rule with the share of its plans done on time, in the caller's scope (engagement.compliance.view)."""
    return [{"rule": f.rule.code, "label": f.label, "period": f.rule.period, "periods": [_period(p) for p in f.periods]}
            for f in compliance.visit_compliance(request.auth)]


@compliance_router.get("/visits/{rule}/not-visited", response=list[VisitPlanOut])
@paginate(PlanPagination)
def visit_compliance_missing(request, rule: str, period: dt.date | None = None):
    """The drill-down: plans of ``rule`` not done in ``period`` (its start; default the current period)."""
    figure, shown = compliance.figure_for(request.auth, rule, period)
    return compliance.not_visited(request.auth, figure.rule, shown.period)

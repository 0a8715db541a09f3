"""POL-3: how well the visit cadences and the recontact rule are kept, in the reader's data scope.

For each cadence rule of the policy in force: the share of its plans done in the current period (so far)
and in the periods before, counted in one aggregate query over ``VisitPlan`` (superseded plans are left
out: the policy no longer asked for them). A manager reads the plans of their scope (kehu/org/scope.py:
their own, their department tree's customers), so the figure of "strategic customers visited monthly" moves
the moment a key-account manager records a visit. The drill-down lists the plans of one rule and period
that are not done. The recontact figure (REL-4) is the share of owned customers contacted within the
policy's recontact interval.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.core import clock
from kehu.core.errors import NotFound
from kehu.customers.models import Customer
from kehu.engagement import permissions as perms
from kehu.engagement.models import FollowUp, IntelKind, VisitIntel, VisitPlan, VisitPlanStatus
from kehu.org.access import require_permission
from kehu.policy.evaluators.base import SHANGHAI
from kehu.policy.evaluators.visits import CadenceRule, Period, all_rules, period_of
from kehu.policy.selectors import role_names, tier_names, version_in_force

PERIODS_SHOWN = 4  # the current period and the three before it


def _share(done: int, total: int) -> Decimal | None:
    if not total:
        return None
    return (Decimal(100) * done / total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PeriodFigure:
    period: Period
    total: int = 0
    done: int = 0
    missed: int = 0

    @property
    def not_done(self) -> int:
        return self.total - self.done

    @property
    def share(self) -> Decimal | None:
        """Percent done, one decimal; None when the period asked for no visit."""
        return _share(self.done, self.total)


@dataclass(frozen=True)
class RuleFigure:
    rule: CadenceRule
    label: str
    periods: list[PeriodFigure] = field(default_factory=list)

    @property
    def current(self) -> PeriodFigure:
        return self.periods[0]


def rule_label(rule: CadenceRule, tiers: dict[str, str], roles: dict[str, str]) -> str:
    """"战略客户 · 大客户经理 · 每月"."""
    who = _("客户负责人") if rule.visitor == "owner" else roles.get(rule.visitor, rule.visitor)
    return " · ".join([tiers.get(rule.tier, rule.tier), who, str(PERIOD_LABELS[rule.period])])


PERIOD_LABELS = {"month": gettext_lazy("每月"), "quarter": gettext_lazy("每季度"), "half_year": gettext_lazy("每半年"),
                 "year": gettext_lazy("每年")}


def rule_labels(version) -> dict[str, str]:
    """Rule code → its label, for the rules of ``version``."""
    tiers, roles = tier_names(version=version), role_names()
    return {rule.code: rule_label(rule, tiers, roles) for rule in all_rules(version.section("visits"))}


def _periods(rule: CadenceRule, today: dt.date, count: int) -> list[Period]:
    periods = [period_of(rule.period, today)]
    while len(periods) < count:
        periods.append(periods[-1].preceding())
    return periods


def visit_compliance(user, *, today: dt.date | None = None, periods: int = PERIODS_SHOWN) -> list[RuleFigure]:
    """Every cadence rule of the policy in force with its figures for the current and past periods."""
    require_permission(user, perms.COMPLIANCE_VIEW)
    today = today or clock.today()
    version = version_in_force()
    rules = all_rules(version.section("visits"))
    windows = {rule.code: _periods(rule, today, periods) for rule in rules}
    earliest = min((p.start for shown in windows.values() for p in shown), default=today)
    counts = {
        (row["rule"], row["period"], row["period_start"]): row
        for row in VisitPlan.objects.visible_to(user).exclude(status=VisitPlanStatus.SUPERSEDED)
        .filter(period_start__gte=earliest, period_start__lte=today)
        .values("rule", "period", "period_start")
        .annotate(total=Count("pk"), done=Count("pk", filter=Q(status=VisitPlanStatus.DONE)),
                  missed=Count("pk", filter=Q(status=VisitPlanStatus.MISSED)))
        .order_by()
    }
    labels = rule_labels(version)
    figures = []
    for rule in rules:
        shown = []
        for period in windows[rule.code]:
            row = counts.get((rule.code, rule.period, period.start), {})
            shown.append(PeriodFigure(period, row.get("total", 0), row.get("done", 0), row.get("missed", 0)))
        figures.append(RuleFigure(rule, labels[rule.code], shown))
    return figures


def figure_for(user, code: str, start: dt.date | None = None) -> tuple[RuleFigure, PeriodFigure]:
    """One rule of ``visit_compliance`` and one of its periods (the current one unless ``start``)."""
    figures = visit_compliance(user)
    figure = next((f for f in figures if f.rule.code == code), None)
    shown = figure and next((p for p in figure.periods if start is None or p.period.start == start), None)
    if shown is None:
        raise NotFound("not_found", _("拜访规则或周期不存在"))
    return figure, shown


def not_visited(user, rule: CadenceRule, period: Period) -> QuerySet:
    """The drill-down: the plans of ``rule`` in ``period`` not done, in ``user``'s scope."""
    require_permission(user, perms.COMPLIANCE_VIEW)
    return (VisitPlan.objects.visible_to(user).filter(rule=rule.code, period=rule.period, period_start=period.start)
            .filter(status__in=[VisitPlanStatus.OPEN, VisitPlanStatus.MISSED])
            .select_related("customer", "responsible").order_by("due_on", "customer_id", "id"))


@dataclass(frozen=True)
class RecontactFigure:
    interval_days: int
    since: dt.date  # contacted on or after this day counts
    total: int
    contacted: int

    @property
    def share(self) -> Decimal | None:
        return _share(self.contacted, self.total)


def _owned_in_scope(user, today: dt.date | None) -> tuple[QuerySet, int, dt.date, Q]:
    """Owned customers in ``user``'s scope, the recontact interval, the first day that counts and its condition."""
    require_permission(user, perms.COMPLIANCE_VIEW)
    today = today or clock.today()
    interval = version_in_force().section("reminders").recontact_after_days
    since = today - dt.timedelta(days=interval)
    contacted = Q(last_contact_at__gte=dt.datetime.combine(since, dt.time(0), SHANGHAI))
    return Customer.objects.visible_to(user).filter(deleted_at=None, owner__isnull=False), interval, since, contacted


def recontact_compliance(user, *, today: dt.date | None = None) -> RecontactFigure:
    """REL-4 kept: owned customers in ``user``'s scope contacted within the recontact interval (one query)."""
    owned, interval, since, contacted = _owned_in_scope(user, today)
    row = owned.aggregate(total=Count("pk"), contacted=Count("pk", filter=contacted))
    return RecontactFigure(interval, since, row["total"], row["contacted"])


def not_contacted(user, *, today: dt.date | None = None) -> QuerySet:
    """The recontact figure's drill-down: owned customers in scope not contacted within the interval (never
    contacted first, then the longest silent)."""
    owned, _interval, _since, contacted = _owned_in_scope(user, today)
    return (owned.exclude(contacted).select_related("owner")
            .order_by(F("last_contact_at").asc(nulls_first=True), "pk"))


def intel_counts(user, start: dt.date, end: dt.date) -> list[tuple[str, int]]:
    """What visits between ``start`` and ``end`` found, by kind (personnel changes, problems, product demand,
    competitor activity), for the customers in ``user``'s scope: one aggregate query."""
    require_permission(user, perms.COMPLIANCE_VIEW)
    counted = dict(VisitIntel.objects.filter(report__visited_on__range=(start, end),
                                             report__followup__in=FollowUp.objects.visible_to(user).values("pk"))
                   .values_list("kind").annotate(n=Count("pk")).order_by())
    return [(str(label), counted.get(kind, 0)) for kind, label in IntelKind.choices]

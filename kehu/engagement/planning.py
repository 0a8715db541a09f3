"""Visit plans from the policy (REL-2): who must visit whom by when, and which visit fulfils which plan.

**Who visits.** A cadence rule names a visitor per tier: ``owner`` (the customer's owner, whatever their
role) or a role code. For a role the responsible person is, in this order: the owner when they hold the role (the key-account
manager who owns a strategic customer); the person the open plan already names while they still hold the
role (so a handover sticks); else the first active holder of
the role (by employee number) in the owner's department, then in the owner's company, then anywhere (top
management usually sits in the group). A rule nobody holds makes no plan.

**Which visit counts.** A visit fulfils the plan of its period when the plan's responsible person recorded
it or attended it. A role rule whose responsible person is not the customer's owner also counts a visit
that any holder of the role attended (a colleague standing in for the quality engineer); what the owner
must do (an owner rule, or the key-account manager who owns the customer) only the owner's visit fulfils. A visit recorded late, but dated
inside a period that was marked missed, turns that plan done: the visit did happen on time.

**The sweep** (``plan_visits``; nightly and ``kehu visits plan``) is idempotent: it marks plans whose
period ended open as missed, makes the plan of the current period for every (customer, rule) the policy
in force asks for, re-resolves the responsible person of open plans, and supersedes open plans the policy,
the tier or the owner no longer asks for. Done, missed and superseded plans are history: they keep their
version and outcome. A new policy version therefore re-plans from its effective date on.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from kehu.core import clock
from kehu.customers.models import Customer
from kehu.engagement.models import VisitPlan, VisitPlanStatus, VisitReport
from kehu.org.models import UserRole
from kehu.policy.evaluators.base import SHANGHAI
from kehu.policy.evaluators.visits import rules_for, visit_due
from kehu.policy.schemas import OWNER
from kehu.policy.selectors import version_in_force

BATCH = 500
INLINE_MAX = 1_000  # customer ids passed as a list; a whole sweep reads the tables instead


@dataclass(frozen=True)
class Visit:
    followup: int
    customer: int
    owner: int | None  # the customer's owner
    on: dt.date
    people: frozenset[int]  # the recorder and the attendees


@dataclass
class Visitors:
    """The active holders of the roles the cadences name, loaded in one query per sweep."""

    roles_of: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    in_department: dict[tuple[str, int], int] = field(default_factory=dict)
    in_company: dict[tuple[str, int], int] = field(default_factory=dict)
    anywhere: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, codes: set[str]) -> Visitors:
        found = cls()
        rows = (UserRole.objects.filter(user__is_active=True, role__code__in=codes)
                .order_by("user__employee_no", "user_id")
                .values_list("user_id", "role__code", "user__department_id", "user__department__company_id"))
        for user, code, department, company in rows:
            found.roles_of[user].add(code)
            found.in_department.setdefault((code, department), user)
            found.in_company.setdefault((code, company), user)
            found.anywhere.setdefault(code, user)
        return found

    def responsible(self, visitor: str, owner: int, department: int | None, company: int | None,
                    current: int | None = None) -> int | None:
        if visitor == OWNER:
            return owner
        for candidate in (owner, current):
            if candidate is not None and visitor in self.roles_of.get(candidate, ()):
                return candidate
        return (self.in_department.get((visitor, department)) or self.in_company.get((visitor, company))
                or self.anywhere.get(visitor))

    def qualifies(self, plan: VisitPlan, visit: Visit) -> bool:
        """Does ``visit`` count for ``plan``?"""
        if plan.responsible_id in visit.people:
            return True
        if plan.visitor == OWNER or plan.responsible_id == visit.owner:
            return False
        return any(plan.visitor in self.roles_of.get(person, ()) for person in visit.people)


@dataclass(frozen=True)
class SweepResult:
    policy_version: int
    created: int = 0
    missed: int = 0
    superseded: int = 0
    reassigned: int = 0
    fulfilled: int = 0


def local_date(at: dt.datetime) -> dt.date:
    return timezone.localtime(at, SHANGHAI).date()


def _for_customers(qs, customers: list[int] | None, field_name: str = "customer_id"):
    return qs if customers is None else qs.filter(**{f"{field_name}__in": customers})


@transaction.atomic
def plan_visits(*, now: dt.datetime | None = None, customers: list[int] | None = None) -> SweepResult:
    """Bring the visit plans in line with the policy in force at ``now`` (all customers, or ``customers``)."""
    now = now or clock.now()
    today = local_date(now)
    version = version_in_force(now)
    rules = version.section("visits")
    missed = _for_customers(VisitPlan.objects.filter(status=VisitPlanStatus.OPEN, period_end__lt=today),
                            customers).update(status=VisitPlanStatus.MISSED, updated_at=now)
    cadence = {tier: rules_for(rules, tier) for tier in rules.cadence if rules.cadence[tier]}
    visitors = Visitors.load({rule.visitor for tier_rules in cadence.values() for rule in tier_rules} - {OWNER})
    held = _for_customers(Customer._base_manager.filter(deleted_at=None, merged_into=None, owner__isnull=False,
                                                        tier__in=list(cadence)), customers, "pk")
    current = {(plan.customer_id, plan.rule, plan.period): plan for plan in _for_customers(
        VisitPlan.objects.filter(status__in=[VisitPlanStatus.OPEN, VisitPlanStatus.DONE], period_start__lte=today,
                                 period_end__gte=today), customers)}
    wanted: dict[tuple, int] = {}
    changed: list[VisitPlan] = []
    for pk, tier, home, owner, department, company in held.values_list(
            "pk", "tier", "department_id", "owner_id", "owner__department_id", "owner__department__company_id"
    ).iterator(BATCH):
        for rule in cadence[tier]:
            key = (pk, rule.code, rule.period)
            plan = current.get(key)
            responsible = visitors.responsible(rule.visitor, owner, department, company,
                                               plan.responsible_id if plan else None)
            if responsible is None:
                continue
            wanted[key] = (responsible, home)
            if plan is not None and plan.status == VisitPlanStatus.OPEN and (
                    plan.responsible_id, plan.department_id, plan.policy_version_id) != (responsible, home, version.pk):
                plan.responsible_id, plan.department_id, plan.policy_version_id = responsible, home, version.pk
                plan.updated_at = now
                changed.append(plan)
    VisitPlan.objects.bulk_update(changed, ["responsible", "department", "policy_version", "updated_at"],
                                  batch_size=BATCH)
    stale = [plan.pk for key, plan in current.items() if key not in wanted and plan.status == VisitPlanStatus.OPEN]
    for start in range(0, len(stale), BATCH):
        VisitPlan.objects.filter(pk__in=stale[start:start + BATCH]).update(status=VisitPlanStatus.SUPERSEDED,
                                                                           updated_at=now)
    new = _new_plans([key for key in wanted if key not in current], wanted, cadence, rules, version, today, now)
    VisitPlan.objects.bulk_create(new, batch_size=BATCH)
    fulfilled = fulfil(new, _reports_since(min((p.period_start for p in new), default=today), today,
                                           customers), visitors) if new else 0
    return SweepResult(version.number, created=len(new), missed=missed, superseded=len(stale),
                       reassigned=len(changed), fulfilled=fulfilled)


def _new_plans(keys: list[tuple], wanted: dict, cadence: dict, rules, version, today: dt.date,
               now: dt.datetime) -> list[VisitPlan]:
    """Plans for the current period of ``keys``; each one's due date from the evaluator, given the last
    visit that fulfilled the rule and the first period the rule applied to the customer."""
    if not keys:
        return []
    ids = sorted({key[0] for key in keys})
    past = VisitPlan.objects.exclude(status=VisitPlanStatus.SUPERSEDED)
    if len(ids) <= INLINE_MAX:
        past = past.filter(customer_id__in=ids)
    history = {(row["customer_id"], row["rule"]): (row["last"], row["since"]) for row in
               past.values("customer_id", "rule").annotate(last=Max("visited_on"), since=Min("period_start"))}
    by_code = {rule.code: rule for tier_rules in cadence.values() for rule in tier_rules}
    plans = []
    for key in keys:
        customer, code, _period = key
        rule = by_code[code]
        last, since = history.get((customer, code), (None, None))
        decision = visit_due(rules, rule, last, today, since=since or today, version=version.number)
        responsible, department = wanted[key]
        plans.append(VisitPlan(
            customer_id=customer, rule=code, visitor=rule.visitor, period=rule.period, responsible_id=responsible,
            department_id=department,
            period_start=decision.current.start, period_end=decision.current.end,
            due_on=min(decision.due, decision.current.end), policy_version_id=version.pk, created_at=now,
            updated_at=now))
    return plans




def _reports_since(start: dt.date, end: dt.date, customers: list[int] | None) -> list[Visit]:
    reports = _for_customers(VisitReport.objects.filter(visited_on__range=(start, end)), customers,
                             "followup__customer_id")
    rows = list(reports.values_list("pk", "followup_id", "followup__customer_id", "followup__customer__owner_id",
                                    "visited_on", "followup__by_id"))
    attendees = defaultdict(set)
    through = VisitReport.attendees.through
    ids = [row[0] for row in rows]
    for offset in range(0, len(ids), BATCH):
        for report, user in through.objects.filter(visitreport_id__in=ids[offset:offset + BATCH]).values_list(
                "visitreport_id", "user_id"):
            attendees[report].add(user)
    return [Visit(followup, customer, owner, on, frozenset({by, *attendees[pk]}))
            for pk, followup, customer, owner, on, by in rows]


def fulfil(plans: list[VisitPlan], visits: list[Visit], visitors: Visitors | None = None) -> int:
    """Mark done each of ``plans`` (open or missed) that one of ``visits`` fulfils: the earliest qualifying
    visit in the plan's period. Returns how many."""
    by_customer = defaultdict(list)
    for visit in sorted(visits, key=lambda v: (v.on, v.followup)):
        by_customer[visit.customer].append(visit)
    if visitors is None:
        visitors = Visitors.load({plan.visitor for plan in plans} - {OWNER})
    done = []
    for plan in plans:
        match = next((v for v in by_customer.get(plan.customer_id, ())
                      if plan.period_start <= v.on <= plan.period_end and visitors.qualifies(plan, v)),
                     None)
        if match is not None:
            plan.status, plan.visit_id, plan.visited_on = VisitPlanStatus.DONE, match.followup, match.on
            done.append(plan)
    now = clock.now()
    for plan in done:  # few: a visit fulfils the plans of its customer, a sweep those visited before it ran
        VisitPlan.objects.filter(pk=plan.pk).update(status=plan.status, visit_id=plan.visit_id,
                                                    visited_on=plan.visited_on, updated_at=now)
    return len(done)

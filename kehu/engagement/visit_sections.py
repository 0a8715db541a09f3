"""Visits on "my day" (REL-6), in the departure handover (OWN-5) and in a customer merge (INFO-5): registered
from AppConfig.ready()."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.customers import merging
from kehu.engagement import myday, planning, visits
from kehu.engagement import permissions as perms
from kehu.engagement.models import VisitPlan, VisitPlanStatus
from kehu.org import handover

ROWS = 10
HANDOVER_CODE = "engagement.visit_plan"


def visits_due(user, today: dt.date) -> myday.MyDaySection | None:
    """This period's open visit plans, the overdue first (two queries and the policy read)."""
    if not user.has_permission(perms.VISIT_RECORD):
        return None
    plans = VisitPlan.objects.filter(responsible=user, status=VisitPlanStatus.OPEN).select_related("customer")
    shown = visits.with_states(plans.order_by("due_on", "customer_id", "id")[:ROWS], today)
    rows = [myday.MyDayRow(title=plan.customer.name, detail=f"{plan.rule_label} · {plan.state.label}",
                           url=reverse("visits:record", args=[plan.customer_id]), due=plan.due_on,
                           overdue=plan.state.code == "overdue") for plan in shown]
    return myday.MyDaySection(title=_("待拜访"), rows=rows, link=reverse("visits:plans"),
                              count=len(rows) if len(rows) < ROWS else plans.count())


def team_visits_due(member_ids: list[int], today: dt.date) -> dict[int, int]:
    """Open visit plans per member, in one query."""
    rows = (VisitPlan.objects.filter(responsible__in=member_ids, status=VisitPlanStatus.OPEN)
            .values("responsible").annotate(n=Count("pk")))
    return {row["responsible"]: row["n"] for row in rows}


def _open_plans():
    return VisitPlan.objects.filter(status=VisitPlanStatus.OPEN)


def _hand_over(ids: list[int], receiver, **_context) -> int:
    """The open plans go to the receiver; then the customers' plans are re-resolved, so an owner rule follows
    the customer to whoever received it, and a role rule stays with the receiver when they hold the role."""
    moved = 0
    for start in range(0, len(ids), handover.CHUNK):
        chunk = _open_plans().filter(pk__in=ids[start:start + handover.CHUNK])
        customers = sorted(set(chunk.values_list("customer_id", flat=True)))
        moved += chunk.update(responsible=receiver)
        planning.plan_visits(customers=customers)
    return moved


def _merge(*, source, target, actor) -> int:
    """A merged duplicate's plans go to the survivor. Where both have a plan for the same rule and period, the
    survivor's stays (done if either was: a visit to the duplicate was a visit to the same customer) and the
    duplicate's is superseded; the next sweep re-plans the survivor's open plans for its own tier and owner."""
    live = VisitPlan.objects.exclude(status=VisitPlanStatus.SUPERSEDED)
    kept = {(p.rule, p.period, p.period_start): p for p in live.filter(customer=target)}
    for plan in live.filter(customer=source):
        twin = kept.get((plan.rule, plan.period, plan.period_start))
        if twin is None:
            continue
        if plan.status == VisitPlanStatus.DONE and twin.status != VisitPlanStatus.DONE:
            VisitPlan.objects.filter(pk=twin.pk).update(status=VisitPlanStatus.DONE, visit_id=plan.visit_id,
                                                        visited_on=plan.visited_on)
        VisitPlan.objects.filter(pk=plan.pk).update(status=VisitPlanStatus.SUPERSEDED)
    return VisitPlan.objects.filter(customer=source).update(customer=target)


def register() -> None:
    merging.register("engagement.visitplan", _merge, covers=[(VisitPlan, "customer")])
    myday.register(visits_due, title=gettext_lazy("待拜访"), team=team_visits_due)
    handover.register(handover.Handover(HANDOVER_CODE, gettext_lazy("拜访计划"), _open_plans, "responsible",
                                        move=_hand_over, url_name="visits:plan_detail"))

"""Pages of visits (REL-2) and their compliance (POL-3): due and overdue plans (mine, or my team's), a plan,
recording a visit (phone-sized), and the compliance figures with their drill-down.

Thin adapters over kehu.engagement.visits (plans, the visit service) and kehu.engagement.compliance."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kehu.core import clock
from kehu.core.errors import DomainError
from kehu.customers.forms import colleagues_for
from kehu.customers.views import _adapt
from kehu.engagement import compliance as figures
from kehu.engagement import permissions as perms
from kehu.engagement import visits
from kehu.engagement.forms_visits import INTEL_FIELDS, VisitForm
from kehu.org.forms import add_domain_error
from kehu.policy.evaluators.visits import DUE_SOON, OVERDUE
from kehu.web.decorators import permission_required

PAGE_SIZE = 50


@require_GET
@permission_required(perms.VISIT_RECORD)
def plan_list(request):
    """Open visit plans: mine, or (``?team=1``) all in my scope; ``?state=overdue|due_soon`` narrows them."""
    user = request.user
    team = bool(request.GET.get("team")) and user.has_permission(perms.TEAM_VIEW)
    state = request.GET.get("state", "")
    state = state if state in (OVERDUE, DUE_SOON) else ""
    page = Paginator(visits.open_plans(user, team=team, state=state), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "engagement/visit_plans.html", {
        "page": page, "plans": visits.with_states(page.object_list), "team": team, "state": state,
        "can_team": user.has_permission(perms.TEAM_VIEW)})


@require_GET
@permission_required(perms.VISIT_RECORD)
def plan_detail(request, pk: int):
    plan = _adapt(visits.plan_for, request.user, pk)
    (plan,) = visits.with_states([plan])
    report = getattr(plan.visit, "visit_report", None) if plan.visit else None
    return render(request, "engagement/visit_plan.html", {"plan": plan, "report": report})


@require_http_methods(["GET", "POST"])
@permission_required(perms.VISIT_RECORD)
def record(request, customer_pk: int):
    user = request.user
    customer = _adapt(visits.customer_to_visit, user, customer_pk)
    colleagues = [u for u in colleagues_for(user) if u.pk != user.pk]
    form = VisitForm(request.POST or None, colleagues=colleagues)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = visits.visit_record(
                actor=user, customer=customer, visited_on=data["visited_on"], content=data["content"],
                attendees=data["attendees"], customer_attendees=data["customer_attendees"],
                feedback=data["feedback"], intel=form.intel())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            done = report.followup.fulfilled_plans.count()
            messages.success(request, _("拜访已记录，完成拜访计划 %(n)s 项。") % {"n": done})
            return redirect("visits:plans")
    return render(request, "engagement/visit_record.html", {
        "customer": customer, "form": form, "intel_fields": [form[name] for name in INTEL_FIELDS.values()]},
        status=400 if form.errors else 200)


@require_GET
@permission_required(perms.COMPLIANCE_VIEW)
def compliance(request):
    user = request.user
    today = clock.today()
    month = today.replace(day=1)
    return render(request, "engagement/visit_compliance.html", {
        "figures": figures.visit_compliance(user), "recontact": figures.recontact_compliance(user),
        "intel": figures.intel_counts(user, month, today), "month": month, "today": today})


@require_GET
@permission_required(perms.COMPLIANCE_VIEW)
def compliance_rule(request, rule: str):
    try:
        start = dt.date.fromisoformat(request.GET["period"]) if request.GET.get("period") else None
    except ValueError:
        raise Http404(_("周期无效")) from None
    figure, shown = _adapt(figures.figure_for, request.user, rule, start)
    page = Paginator(figures.not_visited(request.user, figure.rule, shown.period), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "engagement/visit_compliance_rule.html", {
        "figure": figure, "shown": shown, "page": page, "plans": visits.with_states(page.object_list)})


@require_GET
@permission_required(perms.COMPLIANCE_VIEW)
def compliance_recontact(request):
    """The recontact figure's drill-down: customers in scope not contacted within the policy's interval."""
    user = request.user
    page = Paginator(figures.not_contacted(user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "engagement/visit_compliance_recontact.html", {
        "figure": figures.recontact_compliance(user), "page": page})

"""The analysis pages (service.analysis.view): complaint analysis (SVC-9), SLA compliance per team and person
with the complaint rule of POL-3 and the previous period beside each figure (SVC-3, PERF-1), and the
satisfaction figures (FB-2). Thin adapters over kehu.service.analysis*; a period is chosen by
``?month=``, ``?quarter=`` or ``?start=&end=`` (default: this month), and a kind by ``?kind=``."""

from __future__ import annotations

from urllib.parse import urlencode

from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from kehu.core import clock
from kehu.core.errors import DomainError
from kehu.service import analysis, analysis_periods, analysis_satisfaction, analysis_sla
from kehu.service import permissions as perms
from kehu.service.models import TicketKind
from kehu.web.decorators import permission_required

TABS = (("complaints", _("投诉分析")), ("sla", _("服务时限达成率")), ("satisfaction", _("满意度")))


def ready() -> None:
    """The pages in the left navigation, under the tickets' section."""
    from kehu.web import navigation
    from kehu.web.navigation import NavItem

    navigation.add(NavItem(_("服务与投诉"), _("投诉分析"), "service_analysis:complaints", perms.ANALYSIS_VIEW))


def _page(request, tab: str, template: str, compute) -> object:
    """Read the period and kind, compute the tab's figures, render; a bad period is a 400 naming it."""
    get = request.GET
    kind = get.get("kind", "")
    kind = kind if kind in TicketKind.values else ""
    today = clock.today()
    context = {"tab": tab, "tabs": TABS, "kind": kind, "kinds": TicketKind.choices, "today": today,
               "this_month": analysis_periods.month(today), "this_quarter": analysis_periods.quarter(today)}
    try:
        period = analysis_periods.parse(month_code=get.get("month", ""), quarter_code=get.get("quarter", ""),
                                        start=get.get("start", ""), end=get.get("end", ""), today=today)
    except DomainError as exc:
        return render(request, template, {**context, "error": exc.message, "period": None}, status=400)
    query = urlencode({**period.query(), **({"kind": kind} if kind else {})})
    return render(request, template, {**context, "period": period, "previous": period.preceding(),
                                      "query": query, **compute(request.user, period, kind)})


@require_GET
@permission_required(perms.ANALYSIS_VIEW)
def complaints(request):
    return _page(request, "complaints", "service/analysis.html", lambda user, period, kind: {
        "result": analysis.complaint_analysis(user, period, kind=kind)})


@require_GET
@permission_required(perms.ANALYSIS_VIEW)
def sla(request):
    return _page(request, "sla", "service/analysis_sla.html", lambda user, period, kind: {
        "report": analysis_sla.sla_compliance(user, period, kind=kind),
        "rule": analysis_sla.complaints_answered_in_time(user, period),
        "commitments": analysis_sla.commitment_compliance(user, period, kind=kind)})


@require_GET
@permission_required(perms.ANALYSIS_VIEW)
def satisfaction(request):
    return _page(request, "satisfaction", "service/analysis_satisfaction.html", lambda user, period, kind: {
        "result": analysis_satisfaction.satisfaction(user, period)})

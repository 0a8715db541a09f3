"""The security administrator's exfiltration alerts (OWN-6): the list, one alert with its evidence (the
audit rows it counted), acknowledge and close with a note. Thin: reads through access_alerts' selectors,
changes through its audited service."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kehu.compliance import audit
from kehu.core.errors import DomainError
from kehu.customers import access_alerts
from kehu.customers.models import AccessAlert
from kehu.customers.views import _adapt
from kehu.org import permissions
from kehu.web.decorators import permission_required
from kehu.web.home import HomeCard

PAGE_SIZE = 50
EVIDENCE_PAGE_SIZE = 100


@require_GET
@permission_required(permissions.SECURITY_ALERTS)
def alert_list(request):
    status = request.GET.get("status", AccessAlert.OPEN)
    status = status if status in dict(AccessAlert.STATUS_CHOICES) else ""
    alerts = _adapt(access_alerts.alerts_for, request.user, status)
    return render(request, "customers/access_alerts.html", {
        "page": Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page")),
        "status": status, "statuses": AccessAlert.STATUS_CHOICES})


@require_GET
@permission_required(permissions.SECURITY_ALERTS)
def alert_detail(request, pk: int):
    alert = _adapt(access_alerts.alert_for, request.user, pk)
    rows = Paginator(access_alerts.evidence(alert), EVIDENCE_PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in rows:
        entry.action_label = audit.action_label(entry.action)
    return render(request, "customers/access_alert.html", {
        "alert": alert, "page": rows,
        "audit_url": f"{reverse('compliance:audit_list')}?{urlencode(access_alerts.audit_search(alert))}",
        "handling": [(AccessAlert.ACKNOWLEDGED, _("确认（调查中）")), (AccessAlert.CLOSED, _("关闭"))]
        if alert.status != AccessAlert.CLOSED else []})


@require_POST
@permission_required(permissions.SECURITY_ALERTS)
def alert_handle(request, pk: int):
    try:
        alert = _adapt(access_alerts.alert_handle, actor=request.user, alert_id=pk,
                       status=request.POST.get("status", ""), note=request.POST.get("note", "")[:2000])
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("预警已标记为“%(status)s”。") % {"status": alert.get_status_display()})
    return redirect("customers:access_alert", pk=pk)


def alerts_card(user) -> HomeCard | None:
    """The home page's count of open alerts, for the security administrator."""
    if not user.has_permission(permissions.SECURITY_ALERTS):
        return None
    return HomeCard(title=_("待处理的异常访问预警"), value=str(access_alerts.open_count(user)),
                    url=reverse("customers:access_alerts"), hint=_("客户查看、明文查看或导出远超本人近期水平"))

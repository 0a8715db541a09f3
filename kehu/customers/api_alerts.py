"""/api/v1/admin/access-alerts: the exfiltration alerts (OWN-6) for the security administrator — the same
selectors and service as the pages, token or admin browser session."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema
from ninja.pagination import paginate

from kehu.compliance.api import AuditEntryOut
from kehu.core.pagination import LimitOffsetPagination
from kehu.customers import access_alerts
from kehu.org.api_admin import actor_of
from kehu.org.api_auth import ApiTokenAuth, SessionAuth

router = Router(tags=["admin"], auth=[ApiTokenAuth(), SessionAuth()])


class AlertOut(Schema):
    id: int
    user_id: int
    username: str
    day: dt.date
    kind: str
    count: int
    median: float
    threshold: float
    policy_version: int
    reason: str
    raised_at: dt.datetime
    status: str
    handled_by_id: int | None
    handled_at: dt.datetime | None
    note: str
    audit_search: dict[str, str]

    @staticmethod
    def resolve_username(alert) -> str:
        return alert.user.username

    @staticmethod
    def resolve_audit_search(alert) -> dict[str, str]:
        return access_alerts.audit_search(alert)


class HandleIn(Schema):
    note: str


@router.get("", response=list[AlertOut], summary="异常访问预警")
@paginate(LimitOffsetPagination)
def alert_list(request, status: str = ""):
    """``status``: open, acknowledged or closed; every alert when left out. Newest day first."""
    return access_alerts.alerts_for(actor_of(request), status)


@router.get("/{int:alert_id}", response=AlertOut, summary="一条异常访问预警")
def alert_detail(request, alert_id: int):
    return access_alerts.alert_for(actor_of(request), alert_id)


@router.get("/{int:alert_id}/evidence", response=list[AuditEntryOut], summary="预警的证据（审计记录）")
@paginate(LimitOffsetPagination)
def alert_evidence(request, alert_id: int):
    return access_alerts.evidence(access_alerts.alert_for(actor_of(request), alert_id))


@router.post("/{int:alert_id}/acknowledge", response=AlertOut, summary="确认预警（调查中）")
def alert_acknowledge(request, alert_id: int, payload: HandleIn):
    return _handled(request, alert_id, "acknowledged", payload.note)


@router.post("/{int:alert_id}/close", response=AlertOut, summary="关闭预警")
def alert_close(request, alert_id: int, payload: HandleIn):
    return _handled(request, alert_id, "closed", payload.note)


def _handled(request, alert_id: int, status: str, note: str):
    actor = actor_of(request)
    access_alerts.alert_handle(actor=actor, alert_id=alert_id, status=status, note=note)
    return access_alerts.alert_for(actor, alert_id)

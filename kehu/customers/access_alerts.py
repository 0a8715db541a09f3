"""Exfiltration alerts (OWN-6): a user's day of customer views, reveals or exported rows far above their
own recent level raises an alert for the security administrator.

The counts come from the audit log, which already records every customer page view
(``customer.view``), every reveal (``pii.reveal``) and every export (``customer.export``, with its row
count) in the same transaction as the act. Nothing is added to those requests: a daily counter would
cost every customer page one more write on a hot row (the user's day) to save the sweep one indexed
aggregate. The sweep reads one range of the (action, occurred_at) index for the last two days, and
only for users already above the floor the 30 days before through (actor, occurred_at) — see
docs/performance.md "Exfiltration alerts". Exports, rare and large, also ask for a check of their
user at once (``tasks.check_access``).
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Count, IntegerField, Q, QuerySet, Sum
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, TruncDate
from django.utils.translation import gettext as _

from kehu.compliance import actions, audit
from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.core.errors import Conflict, DomainError, NotFound
from kehu.customers import hooks
from kehu.customers.models import AccessAlert, AccessKind
from kehu.org import permissions
from kehu.org.access import require_permission
from kehu.policy import selectors as policy
from kehu.policy.evaluators.base import SHANGHAI
from kehu.policy.evaluators.monitoring import unusual_access

KIND_ACTIONS = {AccessKind.VIEW: actions.CUSTOMER_VIEW, AccessKind.REVEAL: actions.PII_REVEAL,
                AccessKind.EXPORT: actions.CUSTOMER_EXPORT}
ACTION_KINDS = {action: kind for kind, action in KIND_ACTIONS.items()}
ONE_DAY = dt.timedelta(days=1)
NOTE_MIN_LENGTH = 2

Counts = dict[tuple[int, dt.date, str], int]


def day_start(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in China: the alerts' days are the users' working days."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)


def daily_counts(first: dt.date, last: dt.date, users=None) -> Counts:
    """(user id, day, kind) → views, reveals or exported rows on the days ``first``..``last`` (China time).

    Everyone's: the three actions over the (action, occurred_at) index. A few ``users``: their rows over
    (actor, occurred_at), every action read and only the three counted (SQLite, without statistics, took
    the action index for both filters and read everyone's days)."""
    rows = AuditEntry.objects.filter(result="ok", occurred_at__gte=day_start(first),
                                     occurred_at__lt=day_start(last + ONE_DAY))
    if users is None:
        rows = rows.filter(action__in=list(ACTION_KINDS), actor__isnull=False)
    else:
        rows = rows.filter(actor_id__in=list(users))
    grouped = (rows.order_by().annotate(day=TruncDate("occurred_at", tzinfo=SHANGHAI)).values("actor_id", "day")
               .annotate(**{AccessKind.VIEW: Count("id", filter=Q(action=actions.CUSTOMER_VIEW)),
                            AccessKind.REVEAL: Count("id", filter=Q(action=actions.PII_REVEAL)),
                            AccessKind.EXPORT: Sum(Cast(KT("data__rows"), IntegerField()),
                                                   filter=Q(action=actions.CUSTOMER_EXPORT))}))
    return {(row["actor_id"], row["day"], kind): row[kind] for row in grouped for kind in KIND_ACTIONS if row[kind]}


def sweep(*, now: dt.datetime, users=None) -> list[AccessAlert]:
    """Raise the alerts due for yesterday and today (China time), of ``users`` or everyone; returns the new
    ones. Idempotent: an alert exists once per user, day and kind, so a second run raises nothing."""
    version = policy.version_in_force(now)
    rules = version.section("monitoring")
    today = now.astimezone(SHANGHAI).date()
    candidates = {key: n for key, n in daily_counts(today - ONE_DAY, today, users).items()
                  if n > rules.exfiltration_min_count}
    if not candidates:
        return []
    suspects = {user for user, _day, _kind in candidates}
    raised = set(AccessAlert.objects.filter(user_id__in=suspects, day__gte=today - ONE_DAY)
                 .values_list("user_id", "day", "kind"))
    days = rules.exfiltration_baseline_days
    history = daily_counts(today - ONE_DAY * (days + 1), today - ONE_DAY, suspects)
    alerts = []
    for (user, day, kind), count in sorted(candidates.items()):
        if (user, day, kind) in raised:
            continue
        before = [history.get((user, day - ONE_DAY * back, kind), 0) for back in range(days, 0, -1)]
        decision = unusual_access(rules, count, before, version=version.number)
        if decision.unusual:
            alert = _raise(user=user, day=day, kind=kind, decision=decision)
            if alert is not None:
                alerts.append(alert)
    return alerts


def _raise(*, user: int, day: dt.date, kind: str, decision) -> AccessAlert | None:
    try:
        with transaction.atomic():
            alert = AccessAlert.objects.create(
                user_id=user, day=day, kind=kind, count=decision.count, median=decision.median,
                threshold=decision.threshold, policy_version=decision.policy_version, reason=decision.reason[:300])
            audit.record(None, actions.ACCESS_ALERT_RAISE, alert,
                         {"user": user, "day": day, "kind": kind, "count": decision.count,
                          "median": decision.median, "threshold": decision.threshold,
                          "policy_version": decision.policy_version}, reason=decision.reason)
            hooks.emit(hooks.ACCESS_ALERT_RAISED, alert=alert)
    except IntegrityError:
        return None  # another sweep raised it a moment ago
    return alert


# --- reads, for the security administrator --------------------------------------------------------------
def alerts_for(user, status: str = "") -> QuerySet[AccessAlert]:
    """Alerts newest day first; ``status`` one of AccessAlert's, or every alert."""
    require_permission(user, permissions.SECURITY_ALERTS)
    alerts = AccessAlert.objects.select_related("user", "handled_by")
    if status:
        if status not in dict(AccessAlert.STATUS_CHOICES):
            raise DomainError("invalid_filter", _("状态只能是 open、acknowledged 或 closed"), field="status")
        alerts = alerts.filter(status=status)
    return alerts.order_by("-day", "-id")


def alert_for(user, alert_id: int) -> AccessAlert:
    alert = alerts_for(user).filter(pk=alert_id).first()
    if alert is None:
        raise NotFound("alert_not_found", _("预警不存在"))
    return alert


def open_count(user) -> int:
    return alerts_for(user, AccessAlert.OPEN).count()


def evidence(alert: AccessAlert) -> QuerySet[AuditEntry]:
    """The audit rows the alert counted: the user's entries of its kind on its day, oldest first."""
    start = day_start(alert.day)
    return AuditEntry.objects.filter(actor_id=alert.user_id, action=KIND_ACTIONS[alert.kind], result="ok",
                                     occurred_at__gte=start, occurred_at__lt=start + ONE_DAY).order_by("occurred_at", "seq")


def audit_search(alert: AccessAlert) -> dict[str, str]:
    """The audit search's filters (page query string or API parameters) that find the same rows."""
    start = day_start(alert.day)
    return {"user": alert.user.username, "action": KIND_ACTIONS[alert.kind], "result": "ok",
            "since": start.strftime("%Y-%m-%dT%H:%M"), "until": (start + ONE_DAY).strftime("%Y-%m-%dT%H:%M")}


# --- handling --------------------------------------------------------------------------------------------
NEXT_STATUS = {AccessAlert.ACKNOWLEDGED: (AccessAlert.OPEN,), AccessAlert.CLOSED: (AccessAlert.OPEN, AccessAlert.ACKNOWLEDGED)}
HANDLE_ACTIONS = {AccessAlert.ACKNOWLEDGED: actions.ACCESS_ALERT_ACKNOWLEDGE, AccessAlert.CLOSED: actions.ACCESS_ALERT_CLOSE}


@transaction.atomic
def alert_handle(*, actor, alert_id: int, status: str, note: str) -> AccessAlert:
    """Acknowledge (investigating) or close an alert, with a note; one audit entry."""
    if status not in NEXT_STATUS:
        raise DomainError("invalid_status", _("只能确认或关闭预警"), field="status")
    alert = alert_for(actor, alert_id)
    alert = AccessAlert.objects.select_for_update().get(pk=alert.pk)
    note = (note or "").strip()
    if len(note) < NOTE_MIN_LENGTH:
        raise DomainError("note_required", _("请填写处理说明（至少 %(n)d 个字）。") % {"n": NOTE_MIN_LENGTH}, field="note")
    if alert.status not in NEXT_STATUS[status]:
        raise Conflict("alert_already_handled", _("该预警已是“%(status)s”状态。") % {"status": alert.get_status_display()})
    before = alert.status
    alert.status, alert.note, alert.handled_by, alert.handled_at = status, note, actor, clock.now()
    alert.save(update_fields=["status", "note", "handled_by", "handled_at"])
    audit.record(actor, HANDLE_ACTIONS[status], alert,
                 {"user": alert.user_id, "day": alert.day, "kind": alert.kind, "status": [before, status]}, reason=note)
    return alert

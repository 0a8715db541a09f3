"""Notifications (REL-6): the one call other apps make, and delivery by the background worker.

    from kehu.engagement.notify import notify
    notify([user], "care", _("关怀提醒"), _("张三明天生日"), url=reverse(...))

``notify`` writes one ``Notification`` per active user (the in-app inbox: the top bar shows the unread
count) and, on commit, enqueues ``deliver_notification`` for each. Delivery sends the e-mail (Django's
mail backend, to the user's address) and posts to every enabled webhook whose department holds the
user (or that has none), each as one ``Delivery`` row (the log, unique per notification and target):

- a person who turned a channel off (``ChannelOptOut``) gets nothing on it; the row says "skipped";
- a failure is retried with backoff (1, 4, 16, 64 minutes) by the ``retry_deliveries`` sweep, and after
  ``MAX_ATTEMPTS`` the row is "failed";
- a row is claimed (pending → sending) by one conditional UPDATE, so two workers delivering the same
  notification send it once; a row stuck in "sending" (a worker died) is released after ``CLAIM_TIMEOUT``;
- delivering a notification again sends nothing already sent.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kehu.compliance import audit
from kehu.compliance.audit import register_action
from kehu.core import clock
from kehu.core.errors import DomainError
from kehu.engagement import webhooks
from kehu.engagement.models import (
    ChannelOptOut,
    Delivery,
    DeliveryStatus,
    Notification,
    NotifyChannel,
    WebhookEndpoint,
)
from kehu.org import permissions as org_perms
from kehu.org.access import require_permission

MAX_ATTEMPTS = 5
CLAIM_TIMEOUT = dt.timedelta(minutes=10)
EMAIL = "email"
WEBHOOK_PREFIX = "webhook:"

WEBHOOK_SAVE = register_action("notify.webhook_save", _("设置通知机器人"))
WEBHOOK_DELETE = register_action("notify.webhook_delete", _("删除通知机器人"))


def backoff(attempts: int) -> dt.timedelta:
    """Wait after the ``attempts``-th failure: 1, 4, 16, 64 minutes."""
    return dt.timedelta(minutes=4 ** (attempts - 1))


# --- the public call ------------------------------------------------------------------------------
def notify(users, kind: str, title: str, body: str, url: str | None = None, *,
           key: str | None = None) -> list[Notification]:
    """Notify each active user in ``users``; delivery beyond the app runs after the commit.
    ``key``: what is sent once per recipient (a sweep's "<rule>:<object or day>"): a user who has a
    notification with that key gets nothing new, so a sweep run twice sends nothing twice."""
    from kehu.engagement import tasks_care

    now = clock.now()
    users = [user for user in users if user.is_active]
    if key:
        sent = set(Notification.objects.filter(key=key, recipient__in=users).values_list("recipient_id", flat=True))
        users = [user for user in users if user.pk not in sent]
    try:
        with transaction.atomic():
            rows = Notification.objects.bulk_create([
                Notification(recipient=user, kind=kind, title=title[:200], body=body, url=url or "",
                             created_at=now, key=key) for user in users])
    except IntegrityError:
        return []  # a concurrent run of the same sweep sent it a moment ago
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: [tasks_care.deliver_notification.enqueue(pk) for pk in ids])
    return rows


# --- the inbox ------------------------------------------------------------------------------------
def inbox(user) -> QuerySet:
    return Notification.objects.filter(recipient=user)


def unread_count(user) -> int:
    return inbox(user).filter(read_at__isnull=True).count()


def mark_read(*, user, ids: list[int] | None = None) -> int:
    """Mark the user's own notifications read (``ids``, or all); returns how many changed."""
    rows = inbox(user).filter(read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=clock.now())


def notification_for(user, pk: int) -> Notification:
    row = inbox(user).filter(pk=pk).first()
    if row is None:
        raise Http404(_("通知不存在。"))
    return row


# --- preferences ----------------------------------------------------------------------------------
def opted_out(user) -> set[str]:
    return set(ChannelOptOut.objects.filter(user=user).values_list("channel", flat=True))


@transaction.atomic
def preferences_set(*, user, enabled: set[str]) -> None:
    """The user's own choice of channels beyond the app (``enabled``: codes of NotifyChannel)."""
    ChannelOptOut.objects.filter(user=user, channel__in=enabled).delete()
    ChannelOptOut.objects.bulk_create([ChannelOptOut(user=user, channel=c) for c in NotifyChannel.values
                                       if c not in enabled], ignore_conflicts=True)


# --- webhooks (system configuration) --------------------------------------------------------------
def endpoints(actor) -> QuerySet:
    require_permission(actor, org_perms.SYSTEM_CONFIGURE)
    return WebhookEndpoint.objects.select_related("department").all()


def endpoint_for(actor, pk: int) -> WebhookEndpoint:
    endpoint = endpoints(actor).filter(pk=pk).first()
    if endpoint is None:
        raise Http404(_("通知机器人不存在。"))
    return endpoint


def delivery_log(actor, limit: int = 100) -> QuerySet:
    """The newest deliveries, for the system admin: target, status, attempts, the robot's answer — not the
    notification's text, which is business data."""
    require_permission(actor, org_perms.SYSTEM_CONFIGURE)
    return Delivery.objects.order_by("-id")[:limit]


@transaction.atomic
def endpoint_save(*, actor, endpoint: WebhookEndpoint | None = None, name: str, format: str, url: str = "",
                  secret: str | None = None, department=None, enabled: bool = True) -> WebhookEndpoint:
    """Create or change a webhook. ``url`` empty keeps the saved URL; ``secret`` None keeps the saved one.
    The audit entry names the change, never the URL or the secret."""
    require_permission(actor, org_perms.SYSTEM_CONFIGURE)
    if format not in webhooks.FORMATS:
        raise DomainError("invalid_format", _("未知的机器人格式。"), field="format")
    created = endpoint is None
    endpoint = endpoint or WebhookEndpoint()
    if created and not url:
        raise DomainError("url_required", _("请填写机器人的 Webhook 地址。"), field="url")
    if url and not url.startswith(("https://", "http://")):
        raise DomainError("invalid_url", _("Webhook 地址须以 https:// 或 http:// 开头。"), field="url")
    old_url, old_secret = endpoint.unsealed() if not created else ("", "")
    endpoint.name, endpoint.format, endpoint.department, endpoint.enabled = name, format, department, enabled
    endpoint.seal(url or old_url, old_secret if secret is None else secret)
    endpoint.save()
    audit.record(actor, WEBHOOK_SAVE, endpoint, {
        "created": created, "name": name, "format": format, "department": department.pk if department else None,
        "enabled": enabled, "url_changed": bool(url) and url != old_url,
        "secret_changed": secret is not None and secret != old_secret})
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor, endpoint: WebhookEndpoint) -> None:
    require_permission(actor, org_perms.SYSTEM_CONFIGURE)
    audit.record(actor, WEBHOOK_DELETE, endpoint, {"name": endpoint.name})
    endpoint.delete()


# --- delivery -------------------------------------------------------------------------------------
def _endpoints_for(user) -> list[WebhookEndpoint]:
    where = Q(department__isnull=True)
    if user.department_id:
        path = user.department.path
        where |= Q(department__path__in=[path[:i] for i in range(1, len(path) + 1)])
    return list(WebhookEndpoint.objects.filter(where, enabled=True))


def targets(notification: Notification) -> dict[str, WebhookEndpoint | None]:
    """Where the notification goes now: e-mail, and the webhooks, less the channels turned off."""
    user = notification.recipient
    off = opted_out(user)
    found: dict[str, WebhookEndpoint | None] = {}
    if user.email and NotifyChannel.EMAIL not in off:
        found[EMAIL] = None
    if NotifyChannel.WEBHOOK not in off:
        found.update({f"{WEBHOOK_PREFIX}{e.pk}": e for e in _endpoints_for(user)})
    return found


def absolute(url: str) -> str:
    return f"{settings.PUBLIC_URL.rstrip('/')}{url}" if url.startswith("/") and settings.PUBLIC_URL else url


def _send(notification: Notification, endpoint: WebhookEndpoint | None) -> webhooks.Result:
    link = absolute(notification.url)
    if endpoint is None:
        try:
            send_mail(notification.title, f"{notification.body}\n\n{link}".strip(), None,
                      [notification.recipient.email])
        except Exception as exc:  # noqa: BLE001 (any mail backend error is a failed attempt, logged)
            return webhooks.Result(False, f"{type(exc).__name__}: {exc}")
        return webhooks.Result(True, "")
    url, secret = endpoint.unsealed()
    user = notification.recipient
    message = webhooks.Message(id=notification.pk, kind=notification.kind, title=notification.title,
                               body=notification.body, url=link, recipient=user.full_name or user.username,
                               created_at=notification.created_at.isoformat())
    return webhooks.send(endpoint.format, webhooks.build(endpoint.format, url, secret, message,
                                                         now=clock.now().timestamp()))


def endpoint_test(*, actor, endpoint: WebhookEndpoint) -> webhooks.Result:
    """The admin's "test" button: post a test message to one webhook at once."""
    require_permission(actor, org_perms.SYSTEM_CONFIGURE)
    return post_test(endpoint, actor.full_name or actor.username)


def test_message(sender: str) -> webhooks.Message:
    return webhooks.Message(id=0, kind="test", title=_("Kehu 测试消息"), body=_("通知渠道设置正确。"),
                            recipient=sender, created_at=clock.now().isoformat())


def post_test(endpoint: WebhookEndpoint, sender: str) -> webhooks.Result:
    """Post a test message to one webhook at once (also ``kehu notify test --channel webhook``)."""
    url, secret = endpoint.unsealed()
    return webhooks.send(endpoint.format, webhooks.build(endpoint.format, url, secret, test_message(sender),
                                                         now=clock.now().timestamp()))


def _claim(delivery: Delivery, now: dt.datetime) -> bool:
    return bool(Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING)
                .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
                .update(status=DeliveryStatus.SENDING, claimed_at=now))


def deliver(notification_id: int) -> dict[str, str]:
    """Send what is still to send of one notification; returns {target: status}. Idempotent."""
    notification = (Notification.objects.select_related("recipient__department")
                    .filter(pk=notification_id).first())
    if notification is None:
        return {}
    now = clock.now()
    wanted = targets(notification)
    Delivery.objects.bulk_create([Delivery(notification=notification, target=t) for t in wanted],
                                 ignore_conflicts=True)
    outcome: dict[str, str] = {}
    for delivery in notification.deliveries.all():
        if delivery.status == DeliveryStatus.PENDING and delivery.target not in wanted:
            # turned off (or the webhook removed) since: never sent to a person who opted out
            Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING).update(
                status=DeliveryStatus.SKIPPED, detail=_("收件人已关闭此渠道，或机器人已停用。"))
            outcome[delivery.target] = DeliveryStatus.SKIPPED
            continue
        if not _claim(delivery, now):
            continue
        result = _send(notification, wanted[delivery.target])
        delivery.attempts += 1
        delivery.detail = result.detail
        if result.ok:
            delivery.status, delivery.sent_at = DeliveryStatus.SENT, clock.now()
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, now + backoff(delivery.attempts)
        delivery.save(update_fields=["attempts", "detail", "status", "sent_at", "next_attempt_at"])
        outcome[delivery.target] = delivery.status
    return outcome


def due_for_retry(now: dt.datetime) -> list[int]:
    """Notifications with a delivery whose retry time has come; stale claims are released first."""
    Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT).update(
        status=DeliveryStatus.PENDING)
    return list(Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
                .values_list("notification_id", flat=True).distinct().order_by("notification_id"))

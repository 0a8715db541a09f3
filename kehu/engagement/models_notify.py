"""Notifications (REL-6): the in-app inbox, per-user channel opt-outs, the webhooks a system admin sets,
and the delivery log of every e-mail and webhook post (kehu.engagement.notify)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kehu.core import clock, crypto
from kehu.engagement import webhooks


class Notification(models.Model):
    """One message to one user; the in-app inbox is these rows, the other channels deliver them."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("类型"), max_length=30)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), default=clock.now, editable=False)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # What a sweep sends once: "<rule>:<object or day>" (kehu.engagement.notices); unique per recipient.
    key = models.CharField(max_length=100, null=True, blank=True, editable=False)  # noqa: DJ001 (NULL: no key, never a clash)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="engagement_notif_once")]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"], name="engagement_notif_inbox")]

    def __str__(self) -> str:
        return self.title


class NotifyChannel(models.TextChoices):
    """The channels that reach a person outside the app; each can be turned off per person."""

    EMAIL = "email", _("电子邮件")
    WEBHOOK = "webhook", _("群机器人")


class ChannelOptOut(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_opt_outs")
    channel = models.CharField(max_length=10, choices=NotifyChannel.choices)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "channel"], name="engagement_optout_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} off {self.channel}"


class WebhookEndpoint(models.Model):
    """A group robot (or any JSON receiver) set by a system admin. The URL and the signing secret are
    sealed (AES-GCM, kehu.core.crypto); pages show ``url_hint`` only."""

    name = models.CharField(_("名称"), max_length=60)
    format = models.CharField(_("格式"), max_length=10, choices=list(webhooks.FORMATS.items()))
    url_sealed = models.TextField(editable=False)
    url_hint = models.CharField(_("地址"), max_length=300, editable=False)
    secret_sealed = models.TextField(blank=True, editable=False)
    department = models.ForeignKey("org.Department", verbose_name=_("部门（含下级；空为全部）"), null=True,
                                   blank=True, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("通知机器人")
        verbose_name_plural = _("通知机器人")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def seal(self, url: str, secret: str) -> None:
        self.url_sealed = crypto.encrypt(url, associated=b"webhook.url")
        self.url_hint = webhooks.mask_url(url)
        self.secret_sealed = crypto.encrypt(secret, associated=b"webhook.secret") if secret else ""

    def unsealed(self) -> tuple[str, str]:
        secret = crypto.decrypt(self.secret_sealed, associated=b"webhook.secret") if self.secret_sealed else ""
        return crypto.decrypt(self.url_sealed, associated=b"webhook.url"), secret


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("失败（已停止重试）")
    SKIPPED = "skipped", _("未发送")


class Delivery(models.Model):
    """The delivery log: one row per notification and target ("email" or "webhook:<id>")."""

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    target = models.CharField(_("渠道"), max_length=30)
    status = models.CharField(_("状态"), max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    detail = models.TextField(_("结果"), blank=True)

    class Meta:
        verbose_name = _("通知发送记录")
        verbose_name_plural = _("通知发送记录")
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["notification", "target"], name="engagement_delivery_unique")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="engagement_delivery_due")]

    def __str__(self) -> str:
        return f"{self.notification_id} → {self.target}: {self.status}"

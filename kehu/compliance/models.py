"""The audit log (SEC-5, SECURITY.md AUD-1..4): append-only, HMAC hash-chained."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kehu.core import clock


class AuditEntry(models.Model):
    """One audited event. Rows are only ever inserted: database triggers refuse UPDATE, and
    DELETE of anything younger than the legal retention floor (migration 0002)."""

    RESULT_CHOICES = [("ok", _("成功")), ("denied", _("拒绝")), ("failed", _("失败"))]

    seq = models.BigIntegerField(_("序号"), unique=True)
    occurred_at = models.DateTimeField(_("时间"), default=clock.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    actor_roles = models.CharField(_("操作人角色"), max_length=300, blank=True)
    action = models.CharField(_("动作"), max_length=64, db_index=True)
    result = models.CharField(_("结果"), max_length=10, choices=RESULT_CHOICES, default="ok")
    target_type = models.CharField(_("对象类型"), max_length=64, blank=True)
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    target_repr = models.CharField(_("对象"), max_length=200, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    user_agent = models.CharField(_("客户端"), max_length=300, blank=True)
    channel = models.CharField(_("渠道"), max_length=10, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["actor", "occurred_at"]),
            models.Index(fields=["target_type", "target_id", "occurred_at"]),
            models.Index(fields=["action", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class AuditChainHead(models.Model):
    """The chain's last link. Inserting an entry locks this single row, which orders concurrent
    writers on PostgreSQL (SQLite's IMMEDIATE transactions already do)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"head #{self.seq}"

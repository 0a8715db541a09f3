"""Care (REL-3) and customer events (REL-5): message templates, the care item behind each care task,
events with their invitations and attendance."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kehu.core import clock
from kehu.policy.evaluators.care import KINDS

OCCASIONS = [(code, _(label)) for code, label in KINDS.items()]


class CareTemplate(models.Model):
    """A care message (关怀话术) for an occasion, editable by marketing; placeholders in PLACEHOLDERS."""

    occasion = models.CharField(_("场合"), max_length=20, choices=OCCASIONS)
    name = models.CharField(_("名称"), max_length=60)
    subject = models.CharField(_("邮件主题"), max_length=200)
    body = models.TextField(_("内容"))
    active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("关怀模板")
        verbose_name_plural = _("关怀模板")
        ordering = ["occasion", "name", "id"]

    def __str__(self) -> str:
        return self.name


class CareItem(models.Model):
    """What a ``care`` Task is about: the person, the occasion and its day, and how it was sent."""

    task = models.OneToOneField("engagement.Task", on_delete=models.CASCADE, related_name="care")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="care_items")
    contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="care_items")
    occasion = models.CharField(_("场合"), max_length=20, choices=OCCASIONS)
    occasion_label = models.CharField(max_length=60)
    on = models.DateField(_("日期"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    sent_channel = models.CharField(_("方式"), max_length=10, blank=True)
    message = models.TextField(_("内容"), blank=True)

    def __str__(self) -> str:
        return f"{self.occasion} {self.on} ({self.customer_id})"


class EventKind(models.TextChoices):
    THANKSGIVING = "thanksgiving", _("感恩活动")
    SEMINAR = "seminar", _("座谈会")
    VISIT = "plant_visit", _("参观考察")
    OTHER = "other", _("其他活动")


class Event(models.Model):
    """A customer event (REL-5), seen across the company of its department (kehu.engagement.events)."""

    title = models.CharField(_("活动名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=EventKind.choices)
    starts_at = models.DateTimeField(_("开始时间"))
    location = models.CharField(_("地点"), max_length=200, blank=True)
    description = models.TextField(_("说明"), blank=True)
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("组织人"), on_delete=models.PROTECT,
                                  related_name="+")
    department = models.ForeignKey("org.Department", verbose_name=_("部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("客户活动")
        verbose_name_plural = _("客户活动")
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.title


class InviteChannel(models.TextChoices):
    IN_PERSON = "in_person", _("当面邀请")
    PHONE = "phone", _("电话")
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")
    WECHAT = "wechat", _("微信")


class Rsvp(models.TextChoices):
    PENDING = "pending", _("未回复")
    ACCEPTED = "accepted", _("接受")
    DECLINED = "declined", _("谢绝")


class Invitation(models.Model):
    """One customer (or one of its contacts) invited to an event; seen by whoever sees the customer
    (selectors filter by ``Customer.objects.visible_to``)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="invitations")
    contact = models.ForeignKey("customers.Contact", verbose_name=_("联系人"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="invitations")
    channel = models.CharField(_("邀请方式"), max_length=10, choices=InviteChannel.choices)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(default=clock.now)
    rsvp = models.CharField(_("回复"), max_length=10, choices=Rsvp.choices, default=Rsvp.PENDING)
    attended = models.BooleanField(_("出席"), null=True)
    attendance_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("活动邀请")
        verbose_name_plural = _("活动邀请")
        ordering = ["customer__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "contact"], condition=Q(contact__isnull=False),
                                    name="engagement_invitation_contact"),
            models.UniqueConstraint(fields=["event", "customer"], condition=Q(contact__isnull=True),
                                    name="engagement_invitation_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.customer_id}/{self.contact_id or '-'}"

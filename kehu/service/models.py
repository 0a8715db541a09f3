"""Service tickets (SVC-1..5), service commitments (SVC-6), the problem–solution handbook and the policy
problem log (SVC-7, POL-4).

Every write goes through kehu/service/services.py; every read through kehu/service/selectors.py.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kehu.core import clock
from kehu.core.protected import BlindIndexField, ProtectedField
from kehu.org.scope import ScopedManager


class TicketKind(models.TextChoices):
    INQUIRY = "inquiry", _("咨询")
    COMPLAINT = "complaint", _("投诉")
    SUGGESTION = "suggestion", _("建议")
    AFTER_SALES = "after_sales", _("售后服务")
    QUALITY = "quality", _("质量问题")


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    EMAIL = "email", _("电子邮件")
    WEB_FORM = "web_form", _("在线表单")
    IN_APP = "in_app", _("系统内")
    WECHAT = "wechat", _("微信")
    COMPLAINT_BOX = "complaint_box", _("门店投诉箱")


class Severity(models.TextChoices):
    # "Major" (重大) and above are the quality issues a strategic customer does not get handled first
    # without settling responsibility (SVC-5: 非重大质量问题先处理后分清责任).
    CRITICAL = "critical", _("特别重大")
    MAJOR = "major", _("重大")
    NORMAL = "normal", _("一般")
    MINOR = "minor", _("轻微")


MAJOR_SEVERITIES = (Severity.CRITICAL, Severity.MAJOR)


class Priority(models.TextChoices):
    # The codes of kehu.policy.schemas.PRIORITIES, whose SLA targets the policy sets.
    URGENT = "urgent", _("紧急")
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


PRIORITY_RANK = {"urgent": 0, "high": 1, "medium": 2, "low": 3}


class Status(models.TextChoices):
    NEW = "new", _("新建")
    ASSIGNED = "assigned", _("已分派")
    IN_PROGRESS = "in_progress", _("处理中")
    WAITING = "waiting", _("等待客户")
    RESOLVED = "resolved", _("已解决")
    CLOSED = "closed", _("已关闭")
    REOPENED = "reopened", _("已重新打开")


OPEN_STATUSES = (Status.NEW, Status.ASSIGNED, Status.IN_PROGRESS, Status.WAITING, Status.REOPENED)


class SlaState(models.TextChoices):
    # The values of kehu.policy.evaluators.sla's ON_TRACK / DUE_SOON / BREACHED, plus MET once resolved in time.
    ON_TRACK = "on_track", _("正常")
    DUE_SOON = "due_soon", _("即将超时")
    BREACHED = "breached", _("已超时")
    MET = "met", _("按时完成")


class TicketCategory(models.Model):
    """A configurable category (SVC-2). Its team is the queue a new ticket of the category lands in; its
    default handler is the responsible person when the customer has no owner to take it."""

    code = models.SlugField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    kind = models.CharField(_("默认类型"), max_length=12, choices=TicketKind.choices, blank=True)
    team = models.ForeignKey("org.Department", verbose_name=_("处理团队"), null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    default_handler = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("默认处理人"), null=True,
                                        blank=True, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(_("启用"), default=True)
    position = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("工单分类")
        verbose_name_plural = _("工单分类")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        from kehu.core.i18n import pick

        return pick(self.name, self.name_en)


class Ticket(models.Model):
    """One service request, complaint or suggestion (服务工单), from any channel.

    The SLA due times are computed by kehu/policy/evaluators/sla.py under ``policy_version`` (the version in
    force when the ticket opened) and stored, so lists sort and filter by them; the sweep keeps ``sla_state``
    and ``escalated_to`` current. ``pauses`` holds the waiting-on-customer intervals as
    ``[[start_iso, end_iso | null], …]``: the clock does not run inside them.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The tracking number given to the customer (SVC-8); with the reporter's phone it opens the status page.
    number = models.CharField(_("工单号"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("类型"), max_length=12, choices=TicketKind.choices)
    channel = models.CharField(_("渠道"), max_length=14, choices=Channel.choices)
    category = models.ForeignKey(TicketCategory, verbose_name=_("分类"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="tickets")
    severity = models.CharField(_("严重程度"), max_length=10, choices=Severity.choices, default=Severity.NORMAL)
    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices)
    priority_rank = models.PositiveSmallIntegerField(editable=False)  # PRIORITY_RANK[priority]: the queue sorts on it
    # Strategic customers first (SVC-2): copied from the customer's tier when the ticket opens, so the queue
    # sorts without a join.
    strategic = models.BooleanField(_("战略客户"), default=False)
    customer_tier = models.CharField(_("客户等级"), max_length=20, blank=True)
    # 先处理后分清责任 (SVC-5): a strategic customer's non-major quality issue is handled before blame is settled.
    handle_first = models.BooleanField(_("先处理后分清责任"), default=False)
    title = models.CharField(_("标题"), max_length=200)
    description = models.TextField(_("问题描述"))
    product = models.CharField(_("产品"), max_length=100, blank=True)

    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="tickets")
    contact = models.ForeignKey("customers.Contact", verbose_name=_("联系人"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="tickets")
    # Who raised it, as given (the public form, a phone call): personal information, encrypted at rest.
    reporter_name = models.CharField(_("反映人"), max_length=50, blank=True)
    reporter_company = models.CharField(_("反映人单位"), max_length=200, blank=True)
    reporter_phone = ProtectedField(_("联系电话"), kind="mobile", bind_to="uid", blank=True)
    reporter_phone_bidx = BlindIndexField(source="reporter_phone")
    reporter_phone_l4 = BlindIndexField(source="reporter_phone", last4=True)
    reporter_email = ProtectedField(_("电子邮箱"), kind="email", bind_to="uid", blank=True)
    reporter_email_bidx = BlindIndexField(source="reporter_email")

    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.NEW)
    # 责任人 (SVC-4): never empty, from the moment the ticket exists.
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任人"), on_delete=models.PROTECT,
                                    related_name="service_tickets")
    # The queue (team) the ticket belongs to; a manager's department scope reads it.
    department = models.ForeignKey("org.Department", verbose_name=_("处理团队"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    commitment = models.ForeignKey("ServiceCommitment", verbose_name=_("服务承诺"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="tickets")
    policy_version = models.ForeignKey("policy.PolicyVersion", verbose_name=_("制度版本"), on_delete=models.PROTECT,
                                       related_name="+")

    opened_at = models.DateTimeField(_("受理时间"), default=clock.now)
    first_response_due = models.DateTimeField(_("首次响应时限"))
    first_response_at = models.DateTimeField(_("首次响应时间"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("解决时限"))
    pauses = models.JSONField(default=list, blank=True, editable=False)
    sla_state = models.CharField(_("时限状态"), max_length=10, choices=SlaState.choices, default=SlaState.ON_TRACK)
    response_state = models.CharField(_("响应状态"), max_length=10, choices=SlaState.choices,
                                      default=SlaState.ON_TRACK)
    # The furthest escalation step notified ("owner", "manager", a role code); the sweep only moves it up.
    escalated_to = models.CharField(_("已升级至"), max_length=40, blank=True)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)

    cause = models.TextField(_("原因分析"), blank=True)
    solution = models.TextField(_("解决方案"), blank=True)
    # What was fed back to the customer, and when (SVC-4: 处理结果反馈客户).
    customer_feedback = models.TextField(_("反馈客户内容"), blank=True)
    feedback_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    closed_by_customer = models.BooleanField(_("客户确认关闭"), default=False)
    reopen_count = models.PositiveSmallIntegerField(_("重开次数"), default=0)
    # SVC-9: another complaint of the same customer and category within the policy's window.
    repeat = models.BooleanField(_("重复投诉"), default=False)

    # FB-2: the rating the callback (回访) after closing collected.
    satisfaction = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True)
    rating_comment = models.TextField(_("回访意见"), blank=True)
    rated_at = models.DateTimeField(_("回访时间"), null=True, blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("回访人"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")  # none: the public page
    updated_at = models.DateTimeField(default=clock.now)

    objects = ScopedManager(owner="responsible", department="department")

    class Meta:
        verbose_name = _("服务工单")
        verbose_name_plural = _("服务工单")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-strategic", "priority_rank", "resolution_due"], name="service_ticket_queue"),
            models.Index(fields=["department", "status"], name="service_ticket_team"),
            models.Index(fields=["responsible", "status"], name="service_ticket_person"),
            models.Index(fields=["customer", "-opened_at"], name="service_ticket_customer"),
            models.Index(fields=["sla_state", "status"], name="service_ticket_sla"),
            models.Index(fields=["category", "opened_at"], name="service_ticket_category"),
            models.Index(fields=["opened_at"], name="service_ticket_opened"),
            # The satisfaction figures (FB-2) read the ratings of a period; the callbacks owed are the closed
            # tickets not rated, oldest first (docs/performance.md "Service queue and analysis").
            models.Index(fields=["rated_at"], name="service_ticket_rated", condition=Q(rated_at__isnull=False)),
            models.Index(fields=["closed_at"], name="service_ticket_owed",
                         condition=Q(status="closed", satisfaction__isnull=True)),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(satisfaction__isnull=True) | Q(satisfaction__gte=1, satisfaction__lte=5),
                                   name="service_ticket_rating_1_5"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @classmethod
    def scope_extra_q(cls, user):
        # Whoever owns the customer sees its tickets, whatever team handles them.
        return Q(customer__owner=user.pk)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class TicketEvent(models.Model):
    """One step in a ticket's life: opened, assigned, each transition, response, feedback, escalation,
    rating. The ticket page's history and the customer timeline read these."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=clock.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                           related_name="+")  # none: the public page or a sweep
    action = models.CharField(_("动作"), max_length=30)
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("工单记录")
        verbose_name_plural = _("工单记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["ticket", "at"], name="service_event_ticket")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action} @ {self.at:%Y-%m-%d %H:%M}"


class ServiceCommitment(models.Model):
    """A service commitment to one customer (服务承诺书, SVC-6): what is promised, to which standard, within
    what time. Tickets of the customer opened while it is in force are measured against ``response_hours``
    and ``resolution_hours``."""

    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE,
                                 related_name="service_commitments")
    content = models.TextField(_("承诺内容"))
    standard = models.TextField(_("服务标准"), blank=True)
    response_hours = models.PositiveIntegerField(_("响应时限（小时）"), null=True, blank=True)
    resolution_hours = models.PositiveIntegerField(_("解决时限（小时）"), null=True, blank=True)
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("截止日期"), null=True, blank=True)
    signed_by = models.CharField(_("签署人"), max_length=50, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now, editable=False)
    withdrawn_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    objects = ScopedManager(owner="customer__owner", department="customer__department",
                            shared="customer__team_members")

    class Meta:
        verbose_name = _("服务承诺书")
        verbose_name_plural = _("服务承诺书")
        ordering = ["-valid_from", "-id"]
        indexes = [models.Index(fields=["customer", "valid_from"], name="service_commitment_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.content[:30]}"


class HandbookArticle(models.Model):
    """One entry of the problem–solution handbook (问题解决手册, SVC-7): suggested on new tickets of its
    categories and by the words of its problem."""

    title = models.CharField(_("标题"), max_length=200)
    problem = models.TextField(_("问题"))
    solution = models.TextField(_("解决办法"))
    categories = models.ManyToManyField(TicketCategory, verbose_name=_("适用分类"), blank=True,
                                        related_name="articles")
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    published = models.BooleanField(_("已发布"), default=True)
    # The policy problem (POL-4) whose solution this article records, if any.
    source_problem = models.OneToOneField("PolicyProblem", verbose_name=_("来源问题"), null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="article")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("问题解决手册条目")
        verbose_name_plural = _("问题解决手册")
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("待解决")
    SOLVED = "solved", _("已解决")
    DECLINED = "declined", _("不予处理")


class PolicyProblem(models.Model):
    """A problem met in applying the policy (执行中遇到的问题, POL-4), reported by anyone; its solution
    becomes a handbook article."""

    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报告人"), on_delete=models.PROTECT,
                                    related_name="+")
    section = models.CharField(_("相关制度章节"), max_length=40, blank=True)  # a PolicyRules section code
    description = models.TextField(_("问题描述"))
    status = models.CharField(_("状态"), max_length=10, choices=ProblemStatus.choices, default=ProblemStatus.OPEN)
    solution = models.TextField(_("解决办法"), blank=True)
    solved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("解决人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    solved_at = models.DateTimeField(_("解决时间"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    class Meta:
        verbose_name = _("制度执行问题")
        verbose_name_plural = _("制度执行问题")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="service_problem_status")]

    def __str__(self) -> str:
        return self.description[:40]

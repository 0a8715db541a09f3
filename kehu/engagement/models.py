"""Relationship maintenance (REL-1..6): follow-up records, and tasks (reminders, callbacks) for a person."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kehu.core import clock
from kehu.org.scope import ScopedManager


class FollowUpKind(models.TextChoices):
    PHONE = "phone", _("电话")
    VISIT = "visit", _("拜访")
    EMAIL = "email", _("邮件")
    WECHAT = "wechat", _("微信")
    SMS = "sms", _("短信")
    MEETING = "meeting", _("会议")
    EVENT = "event", _("活动")


class FollowUp(models.Model):
    """One contact with a customer (跟进记录, REL-1); visible to whoever sees the customer."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="followups")
    contact = models.ForeignKey("customers.Contact", verbose_name=_("联系人"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="followups")
    kind = models.CharField(_("方式"), max_length=10, choices=FollowUpKind.choices)
    happened_at = models.DateTimeField(_("跟进时间"), default=clock.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("跟进人"), on_delete=models.PROTECT,
                           related_name="followups")
    content = models.TextField(_("跟进内容"))
    outcome = models.TextField(_("结果"), blank=True)
    next_step = models.CharField(_("下一步"), max_length=200, blank=True)
    next_date = models.DateField(_("下次跟进日期"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    objects = ScopedManager(owner="customer__owner", department="customer__department",
                            shared="customer__team_members")

    class Meta:
        verbose_name = _("跟进记录")
        verbose_name_plural = _("跟进记录")
        ordering = ["-happened_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-happened_at"], name="engagement_followup_customer"),
            models.Index(fields=["by", "-happened_at"], name="engagement_followup_by"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} @ {self.happened_at:%Y-%m-%d}"


# --- tasks -------------------------------------------------------------------------------------------
# A task's kind is a short code; apps add theirs (with a label) from AppConfig.ready() or at import.
# The kinds a follow-up answers close when one is recorded for the task's customer (REL-4). A kind done
# on a page of its own (a service callback's rating form) names it: ``url(task) -> str``, linked from my day.
TASK_KINDS: dict[str, object] = {}
CLOSED_BY_FOLLOWUP: set[str] = set()
TASK_URLS: dict[str, object] = {}


def register_task_kind(code: str, label, *, closed_by_followup: bool = False, url=None) -> str:
    TASK_KINDS[code] = label
    if closed_by_followup:
        CLOSED_BY_FOLLOWUP.add(code)
    if url is not None:
        TASK_URLS[code] = url
    return code


def task_kind_label(code: str) -> str:
    return str(TASK_KINDS.get(code, code))


RECONTACT = register_task_kind("recontact", _("再次联系"), closed_by_followup=True)
FIRST_CONTACT = register_task_kind("first_contact", _("首次跟进"), closed_by_followup=True)
FOLLOW_UP = register_task_kind("follow_up", _("计划跟进"), closed_by_followup=True)


class TaskStatus(models.TextChoices):
    OPEN = "open", _("待办")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class Task(models.Model):
    """Something one person has to do by a date (待办): recontacts, planned follow-ups, care, visits, …

    ``source_key`` names what made the task ("recontact:<customer>:<date>"): unique, so a sweep that
    runs twice creates nothing the second time.
    """

    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("负责人"), on_delete=models.PROTECT,
                                 related_name="engagement_tasks")
    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="engagement_tasks")
    kind = models.CharField(_("类型"), max_length=30)
    title = models.CharField(_("标题"), max_length=200)
    due_date = models.DateField(_("到期日"))
    status = models.CharField(_("状态"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    source_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)

    objects = ScopedManager(owner="assignee", department="assignee__department")

    class Meta:
        verbose_name = _("待办")
        verbose_name_plural = _("待办")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["assignee", "status", "due_date"], name="engagement_task_assignee"),
            models.Index(fields=["customer", "status"], name="engagement_task_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.title} ({self.due_date})"

    @property
    def kind_label(self) -> str:
        return task_kind_label(self.kind)


# --- visits (REL-2) and their plans (POL-3) ----------------------------------------------------------
class VisitPlanStatus(models.TextChoices):
    OPEN = "open", _("待拜访")
    DONE = "done", _("已拜访")
    MISSED = "missed", _("未按期拜访")
    SUPERSEDED = "superseded", _("已按新制度重排")


class VisitPlan(models.Model):
    """One visit a cadence rule owes for one period: who must visit which customer by when (REL-2).

    Made by the planning sweep (kehu/engagement/planning.py) for the current calendar period of each rule the
    customer's tier falls under; ``done`` when a qualifying visit falls in the period, ``missed`` when the
    period ends without one, ``superseded`` when a new policy version, tier or owner no longer asks for it.
    Past periods keep the version and outcome they had. ``due_on`` is the evaluator's due date when the plan
    was made: the period's end, or an earlier one when the period before was missed too.
    """

    customer = models.ForeignKey("customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE,
                                 related_name="visit_plans")
    rule = models.CharField(_("拜访规则"), max_length=90)  # "<tier>.<visitor>", e.g. strategic.key_account_manager
    visitor = models.CharField(_("拜访人"), max_length=50)  # "owner" or a role code
    period = models.CharField(_("周期"), max_length=10)
    responsible = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("负责拜访"), on_delete=models.PROTECT,
                                    related_name="visit_plans")
    # The customer's department, kept by the sweep: a manager's scope reads it without joining the customers.
    department = models.ForeignKey("org.Department", verbose_name=_("所属部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    period_start = models.DateField(_("周期开始"))
    period_end = models.DateField(_("周期结束"))
    due_on = models.DateField(_("应拜访日期"))
    policy_version = models.ForeignKey("policy.PolicyVersion", verbose_name=_("制度版本"), on_delete=models.PROTECT,
                                       related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=VisitPlanStatus.choices, default=VisitPlanStatus.OPEN)
    visit = models.ForeignKey(FollowUp, verbose_name=_("拜访记录"), null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="fulfilled_plans")
    visited_on = models.DateField(_("拜访日期"), null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now, editable=False)
    updated_at = models.DateTimeField(default=clock.now)

    # The responsible person sees their plans whatever their customer scope; managers see their customers'.
    objects = ScopedManager(owner="responsible", department="department")

    class Meta:
        verbose_name = _("拜访计划")
        verbose_name_plural = _("拜访计划")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "rule", "period", "period_start"],
                                    condition=~models.Q(status="superseded"), name="engagement_visitplan_once"),
        ]
        indexes = [
            models.Index(fields=["responsible", "status", "due_on"], name="engagement_visitplan_person"),
            models.Index(fields=["rule", "period_start", "status"], name="engagement_visitplan_rule"),
            models.Index(fields=["status", "period_end"], name="engagement_visitplan_open"),
            models.Index(fields=["customer", "rule", "-period_start"], name="engagement_visitplan_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.customer_id} {self.period_start}"


class VisitReport(models.Model):
    """What a visit (a follow-up of kind visit) found (REL-2): who went, what the customer said, and the
    intelligence gathered as typed rows (``VisitIntel``) that reports count."""

    followup = models.OneToOneField(FollowUp, on_delete=models.CASCADE, related_name="visit_report")
    visited_on = models.DateField(_("拜访日期"))
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("我方参加人"), blank=True,
                                       related_name="visits_attended")
    customer_attendees = models.CharField(_("客户方参加人"), max_length=300, blank=True)
    feedback = models.TextField(_("客户反馈"), blank=True)

    class Meta:
        verbose_name = _("拜访报告")
        verbose_name_plural = _("拜访报告")
        indexes = [models.Index(fields=["visited_on"], name="engagement_visitreport_on")]

    def __str__(self) -> str:
        return f"{self.followup_id} @ {self.visited_on}"


class IntelKind(models.TextChoices):
    PERSONNEL = "personnel", _("人事变动")
    PROBLEM = "problem", _("问题")
    DEMAND = "demand", _("产品需求")
    COMPETITOR = "competitor", _("竞争对手动态")


class VisitIntel(models.Model):
    """One piece of intelligence from a visit, typed so that reports can count it."""

    report = models.ForeignKey(VisitReport, on_delete=models.CASCADE, related_name="intel")
    kind = models.CharField(_("类别"), max_length=12, choices=IntelKind.choices)
    detail = models.TextField(_("内容"))

    class Meta:
        verbose_name = _("拜访情报")
        verbose_name_plural = _("拜访情报")
        ordering = ["id"]
        indexes = [models.Index(fields=["kind", "report"], name="engagement_visitintel_kind")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail[:30]}"


# Notifications, care and events (REL-3, REL-5, REL-6) live in their own modules.
from kehu.engagement.models_care import *  # noqa: E402,F403
from kehu.engagement.models_notify import *  # noqa: E402,F403

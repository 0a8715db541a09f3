"""The customer archive (INFO-1, INFO-2, INFO-10, INFO-11; OWN-1 team members; PRIV-1 consent).

Personal data (mobile, ID number, e-mail, address) lives in ProtectedField columns: encrypted at
rest, searchable only through keyed blind indexes, masked unless revealed (SEC-3, SEC-4).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kehu.core import clock
from kehu.core.models import TimeStampedModel
from kehu.core.protected import BlindIndexField, ProtectedField
from kehu.org.scope import ScopedManager


class Kind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    INDIVIDUAL = "individual", _("个人")


class Stage(models.TextChoices):
    POTENTIAL = "potential", _("潜在")
    INTENT = "intent", _("意向")
    CUSTOMER = "customer", _("成交")
    CHURNED = "churned", _("流失")


class Scale(models.TextChoices):
    MICRO = "micro", _("微型")
    SMALL = "small", _("小型")
    MEDIUM = "medium", _("中型")
    LARGE = "large", _("大型")


class Source(models.TextChoices):
    RESEARCH = "research", _("市场调研")
    EVENT = "event", _("会议展会")
    REFERRAL = "referral", _("客户转介绍")
    WEB = "web", _("网站表单")
    PHONE = "phone", _("来电咨询")
    VISIT = "visit", _("上门拜访")
    ADVERTISING = "advertising", _("广告")
    IMPORT = "import", _("批量导入")
    OTHER = "other", _("其他")


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Tag(TimeStampedModel):
    name = models.CharField(_("标签"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("标签")
        verbose_name_plural = _("标签")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(TimeStampedModel):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("客户类型"), max_length=12, choices=Kind.choices, default=Kind.ENTERPRISE)
    name = models.CharField(_("客户名称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    # Search and duplicate-check keys, kept by the services from ``name``.
    name_normalized = models.CharField(max_length=200, db_index=True, editable=False)
    name_pinyin = models.CharField(max_length=400, blank=True, editable=False)
    name_initials = models.CharField(max_length=200, blank=True, editable=False)
    # CJK characters and adjacent pairs of name and short name (keys.cjk_bigrams): 1-2 character searches.
    name_bigrams = models.TextField(blank=True, default="", editable=False)

    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, db_index=True)
    industry = models.CharField(_("行业"), max_length=1, blank=True)
    scale = models.CharField(_("规模"), max_length=10, choices=Scale.choices, blank=True)
    province = models.CharField(_("省"), max_length=12, blank=True)
    city = models.CharField(_("市"), max_length=12, blank=True)
    district = models.CharField(_("区县"), max_length=12, blank=True)
    address = ProtectedField(_("详细地址"), kind="address", bind_to="uid", blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, blank=True)
    website = models.URLField(_("网站"), blank=True)
    stage = models.CharField(_("阶段"), max_length=12, choices=Stage.choices, default=Stage.POTENTIAL, db_index=True)
    tier = models.CharField(_("客户等级"), max_length=20, default="potential", db_index=True)
    preferences = models.TextField(_("偏好"), blank=True)
    service_needs = models.TextField(_("服务需求"), blank=True)
    remarks = models.TextField(_("备注"), blank=True)

    # Individuals (个人客户). Sensitive: optional, with its purpose stated on the form (PRIV-4).
    id_number = ProtectedField(_("身份证号"), kind="id_number", bind_to="uid", blank=True)
    id_number_bidx = BlindIndexField(source="id_number")
    id_number_l4 = BlindIndexField(source="id_number", last4=True)
    gender = models.CharField(_("性别"), max_length=6, choices=Gender.choices, blank=True)
    birthday = models.DateField(_("生日"), null=True, blank=True)
    mobile = ProtectedField(_("手机"), kind="mobile", bind_to="uid", blank=True)
    mobile_bidx = BlindIndexField(source="mobile")
    mobile_l4 = BlindIndexField(source="mobile", last4=True)
    email = ProtectedField(_("电子邮箱"), kind="email", bind_to="uid", blank=True)
    email_bidx = BlindIndexField(source="email")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("负责人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="owned_customers")
    # The owner's department when ownership was given: department scopes follow the customer,
    # not whoever later moves between departments.
    department = models.ForeignKey("org.Department", verbose_name=_("所属部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="customers")
    team_members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="TeamMember",
                                          through_fields=("customer", "user"), related_name="shared_customers",
                                          blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("标签"), blank=True, related_name="customers")
    custom = models.JSONField(_("自定义字段"), default=dict, blank=True)

    received_at = models.DateTimeField(_("领取/分配时间"), null=True, blank=True)
    last_contact_at = models.DateTimeField(_("最近联系"), null=True, blank=True, db_index=True)
    last_reviewed_at = models.DateTimeField(_("最近核实"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    # Indexed for the deleted rows only (customers_deleted): an index on every row's NULL made SQLite,
    # without statistics, sort the whole table for each list page (docs/performance.md "Customer search").
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ScopedManager(owner="owner", department="department", shared="team_members")

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["owner", "-id"]),
            models.Index(fields=["department", "-id"]),
            models.Index(fields=["tier", "stage"]),
            models.Index(fields=["province", "city", "district"]),
            models.Index(fields=["industry"]),
            models.Index(fields=["deleted_at"], name="customers_deleted", condition=Q(deleted_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_individual(self) -> bool:
        return self.kind == Kind.INDIVIDUAL


class TeamMember(models.Model):
    """A colleague working on a customer beside its owner (协作人, OWN-1), optionally until a date."""

    READ, WRITE = "read", "write"
    ACCESS_CHOICES = [(READ, _("只读")), (WRITE, _("读写"))]

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer_memberships")
    access = models.CharField(_("权限"), max_length=5, choices=ACCESS_CHOICES, default=READ)
    expires_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    added_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["customer", "user"], name="customers_member_unique")]

    def __str__(self) -> str:
        return f"{self.customer} / {self.user}"


class DecisionRole(models.TextChoices):
    DECIDER = "decider", _("决策人")
    INFLUENCER = "influencer", _("影响者")
    USER = "user", _("使用者")


class Channel(models.TextChoices):
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")
    WECHAT = "wechat", _("微信")
    VISIT = "visit", _("拜访")


class Contact(TimeStampedModel):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("姓名"), max_length=50)
    name_pinyin = models.CharField(max_length=200, blank=True, editable=False)
    name_initials = models.CharField(max_length=60, blank=True, editable=False)
    title = models.CharField(_("职务"), max_length=50, blank=True)
    department_name = models.CharField(_("部门"), max_length=50, blank=True)
    decision_role = models.CharField(_("决策角色"), max_length=12, choices=DecisionRole.choices, blank=True)
    mobile = ProtectedField(_("手机"), kind="mobile", bind_to="uid", blank=True)
    mobile_bidx = BlindIndexField(source="mobile")
    mobile_l4 = BlindIndexField(source="mobile", last4=True)
    phone = models.CharField(_("座机"), max_length=30, blank=True)
    email = ProtectedField(_("电子邮箱"), kind="email", bind_to="uid", blank=True)
    email_bidx = BlindIndexField(source="email")
    wechat = models.CharField(_("微信"), max_length=50, blank=True)
    birthday = models.DateField(_("生日"), null=True, blank=True)
    birthday_is_lunar = models.BooleanField(_("农历生日"), default=False)
    preferred_channel = models.CharField(_("偏好联系方式"), max_length=10, choices=Channel.choices, blank=True)
    is_primary = models.BooleanField(_("首要联系人"), default=False)
    remarks = models.TextField(_("备注"), blank=True)

    objects = ScopedManager(owner="customer__owner", department="customer__department",
                            shared="customer__team_members")

    class Meta:
        verbose_name = _("联系人")
        verbose_name_plural = _("联系人")
        ordering = ["-is_primary", "id"]
        constraints = [
            models.UniqueConstraint(fields=["customer"], condition=Q(is_primary=True),
                                    name="customers_contact_one_primary"),
        ]

    def __str__(self) -> str:
        return self.name


class FieldChange(models.Model):
    """Field-level history (INFO-11): who changed what, when, old → new (protected values masked)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="field_changes")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    field = models.CharField(max_length=50)
    label = models.CharField(max_length=100)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    changed_at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["customer", "-changed_at"])]

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"


class ImportJob(models.Model):
    """One uploaded file and what became of it (INFO-9). The file lives under MEDIA_ROOT/imports."""

    PENDING, VALIDATING, RUNNING, DONE, FAILED = "pending", "validating", "running", "done", "failed"
    STATUS_CHOICES = [(PENDING, _("等待中")), (VALIDATING, _("校验中")), (RUNNING, _("导入中")),
                      (DONE, _("已完成")), (FAILED, _("失败"))]
    ATOMIC, SKIP_INVALID = "atomic", "skip-invalid"
    MODE_CHOICES = [(ATOMIC, _("全部成功才导入")), (SKIP_INVALID, _("跳过错误行"))]

    file_path = models.CharField(max_length=500)
    original_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(max_length=64)
    mode = models.CharField(_("导入方式"), max_length=12, choices=MODE_CHOICES, default=ATOMIC)
    dry_run = models.BooleanField(_("仅校验"), default=True)
    status = models.CharField(_("状态"), max_length=12, choices=STATUS_CHOICES, default=PENDING)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.pk})"

    @property
    def percent(self) -> int:
        return int(self.processed * 100 / self.total) if self.total else 0


class ExportRequest(models.Model):
    """An export above the policy's row limit waits for another user's approval (SEC-6)."""

    PENDING, APPROVED, REJECTED, DONE = "pending", "approved", "rejected", "done"
    STATUS_CHOICES = [(PENDING, _("待审批")), (APPROVED, _("已批准")), (REJECTED, _("已驳回")), (DONE, _("已导出"))]

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filters = models.JSONField(default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("行数"))
    status = models.CharField(_("状态"), max_length=10, choices=STATUS_CHOICES, default=PENDING)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = _("导出申请")
        verbose_name_plural = _("导出申请")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.row_count}"

"""The customer archive (INFO-1, INFO-2, INFO-10, INFO-11; OWN-1..4 ownership and pools; PRIV-1 consent).

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


class Pool(TimeStampedModel):
    """A public pool (公海, OWN-3): where customers without an owner wait to be claimed.

    Its members (users, or whole departments with their sub-departments) may browse and claim; its
    admins assign from it. Exactly one pool is the default: customers whose owner's department has
    no pool of its own return there."""

    code = models.SlugField(_("公海编码"), max_length=40, unique=True)
    name = models.CharField(_("公海名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    is_default = models.BooleanField(_("默认公海"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    member_users = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("成员（用户）"), blank=True,
                                          related_name="pools")
    member_departments = models.ManyToManyField("org.Department", verbose_name=_("成员（部门及下级部门）"),
                                                blank=True, related_name="pools")
    admins = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("管理员"), blank=True,
                                    related_name="administered_pools")

    class Meta:
        verbose_name = _("公海")
        verbose_name_plural = _("公海")
        ordering = ["-is_default", "code"]
        constraints = [models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True),
                                               name="customers_pool_one_default")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        from kehu.core.i18n import pick

        return pick(self.name, self.name_en)


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

    # Exactly one of owner and pool (OWN-1): a database constraint, not only code.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("负责人"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="owned_customers")
    pool = models.ForeignKey(Pool, verbose_name=_("所在公海"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="customers", db_index=False)  # indexed with -id below
    # A locked customer never returns to a pool on its own (OWN-3); only permitted roles lock.
    locked = models.BooleanField(_("已锁定"), default=False)
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
    # Set (with deleted_at) when this customer was merged into another as its duplicate (INFO-5):
    # old links lead to the survivor.
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    editable=False)

    objects = ScopedManager(owner="owner", department="department", shared="team_members")

    class Meta:
        verbose_name = _("客户")
        verbose_name_plural = _("客户")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["owner", "-id"]),
            models.Index(fields=["pool", "-id"], name="customers_pool_recent"),  # a pool's list, newest first
            models.Index(fields=["department", "-id"]),
            models.Index(fields=["tier", "stage"]),
            models.Index(fields=["province", "city", "district"]),
            models.Index(fields=["industry"]),
            models.Index(fields=["deleted_at"], name="customers_deleted", condition=Q(deleted_at__isnull=False)),
        ]
        constraints = [
            # On SQLite the check lives in two triggers (migration 0010): adding a CHECK there rebuilds the table.
            models.CheckConstraint(condition=Q(owner__isnull=False, pool__isnull=True)
                                   | Q(owner__isnull=True, pool__isnull=False), name="customers_owner_xor_pool"),
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


class OwnershipKind(models.TextChoices):
    CLAIM = "claim", _("领取")
    ASSIGN = "assign", _("分配")
    TRANSFER = "transfer", _("转移")
    RELEASE = "release", _("退回公海")
    RETURN = "return_to_pool", _("自动退回公海")
    LOCK = "lock", _("锁定")
    UNLOCK = "unlock", _("解锁")
    HANDOVER = "handover", _("离职交接")


class OwnershipChange(models.Model):
    """One change of who holds a customer (OWN-4): the ownership history shown on the timeline.

    ``from_owner``/``to_owner`` empty means a pool (``pool`` names it: the pool left on a claim or
    assignment, the pool entered on a release or return). A rule's return names the rule and the
    policy version; ``actor`` is empty for the system's sweep. One bulk change shares a ``batch``."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="ownership_changes")
    kind = models.CharField(_("变更类型"), max_length=16, choices=OwnershipKind.choices)
    from_owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    to_owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    pool = models.ForeignKey(Pool, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("原因"), blank=True)
    rule = models.CharField(_("规则"), max_length=30, blank=True)
    policy_version = models.PositiveIntegerField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField(default=clock.now)
    batch = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("客户归属变更")
        verbose_name_plural = _("客户归属变更")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["customer", "-at"]),
            # Claims today (the daily cap) and a former owner's cooldown read these.
            models.Index(fields=["to_owner", "kind", "-at"]),
            models.Index(fields=["from_owner", "customer", "-at"]),
            models.Index(fields=["batch"], name="customers_ownership_batch", condition=Q(batch__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} @ {self.at:%Y-%m-%d}"


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


class CustomerReview(models.Model):
    """One check that a customer's data is still right (信息更新提醒, INFO-7)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="reviews")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(default=clock.now)
    note = models.TextField(_("核实说明"), blank=True)
    confirmed_unchanged = models.BooleanField(_("资料无变化"), default=False)
    # What the policy said at the time: the version and how many days the review was overdue (≤ 0: not yet due).
    policy_version = models.PositiveIntegerField(null=True, blank=True)
    days_overdue = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("资料核实")
        verbose_name_plural = _("资料核实")
        ordering = ["-reviewed_at", "-id"]
        indexes = [models.Index(fields=["customer", "-reviewed_at"])]

    def __str__(self) -> str:
        return f"{self.customer_id} @ {self.reviewed_at:%Y-%m-%d}"


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


class AttachmentKind(models.TextChoices):
    LICENCE = "licence", _("营业执照")
    CONTRACT = "contract", _("合同")
    PHOTO = "photo", _("照片")
    OTHER = "other", _("其他")


class Attachment(models.Model):
    """A file on a customer (INFO-10). The bytes live under MEDIA_ROOT/attachments under a random
    ``stored_name`` (never the uploader's file name); downloads go through a scoped view only.
    Deleting is soft: the row and the file stay, out of every list, for the retention rules."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("附件类型"), max_length=10, choices=AttachmentKind.choices, default=AttachmentKind.OTHER)
    original_name = models.CharField(_("文件名"), max_length=255)
    stored_name = models.CharField(max_length=64, unique=True, editable=False)
    file_type = models.CharField(_("文件格式"), max_length=10)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64, db_index=True)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=clock.now)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    objects = ScopedManager(owner="customer__owner", department="customer__department",
                            shared="customer__team_members")

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["customer", "-uploaded_at"])]

    def __str__(self) -> str:
        return self.original_name


class ConsentPurpose(models.TextChoices):
    MARKETING = "marketing", _("营销推广")
    SERVICE = "service", _("客户服务与合同履行")
    SENSITIVE = "sensitive", _("处理敏感个人信息")
    SHARING = "sharing", _("向第三方提供")
    ANALYTICS = "analytics", _("数据分析与画像")


class LegalBasis(models.TextChoices):
    """PIPL art. 13 (1)–(7): the grounds on which personal information may be processed."""

    CONSENT = "consent", _("取得个人同意")
    CONTRACT = "contract", _("订立、履行合同所必需")
    HR = "hr", _("人力资源管理所必需")
    LEGAL_OBLIGATION = "legal_obligation", _("履行法定职责或法定义务所必需")
    EMERGENCY = "emergency", _("应对突发公共卫生事件或保护生命健康和财产安全所必需")
    PUBLIC_INTEREST = "public_interest", _("为公共利益实施新闻报道、舆论监督")
    PUBLISHED = "published", _("处理已合法公开的个人信息")
    OTHER_LAW = "other_law", _("法律、行政法规规定的其他情形")


class MarketingChannel(models.TextChoices):
    PHONE = "phone", _("电话")
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")
    WECHAT = "wechat", _("微信")


class CollectedVia(models.TextChoices):
    PAPER = "paper", _("纸质签字")
    ONLINE = "online", _("网页或小程序勾选")
    PHONE = "phone", _("电话（录音）")
    IN_PERSON = "in_person", _("当面")
    EMAIL = "email", _("电子邮件")
    WECHAT = "wechat", _("微信")
    SMS = "sms", _("短信回复")


class ConsentRecord(models.Model):
    """One statement about one person, purpose and (for marketing) channel (PRIV-1, SECURITY.md PI-2).

    Append-only: a withdrawal is a new row, so the history stays; the current state of a
    (person, purpose, channel) is its latest row. The person is the individual customer itself
    (``contact`` empty) or one of the customer's contacts. A database trigger refuses UPDATE."""

    GRANTED, WITHDRAWN = "granted", "withdrawn"
    STATUS_CHOICES = [(GRANTED, _("同意")), (WITHDRAWN, _("撤回或拒绝"))]

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("处理目的"), max_length=12, choices=ConsentPurpose.choices)
    channel = models.CharField(_("营销渠道"), max_length=10, choices=MarketingChannel.choices, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=STATUS_CHOICES)
    legal_basis = models.CharField(_("合法性基础"), max_length=20, choices=LegalBasis.choices)
    notice_version = models.CharField(_("告知书版本"), max_length=50)
    collected_via = models.CharField(_("收集方式"), max_length=10, choices=CollectedVia.choices)
    evidence = models.CharField(_("凭证"), max_length=200, blank=True)
    collected_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("收集人"), on_delete=models.PROTECT,
                                     related_name="+")
    collected_at = models.DateTimeField(_("表示时间"))
    recorded_at = models.DateTimeField(default=clock.now)

    objects = ScopedManager(owner="customer__owner", department="customer__department",
                            shared="customer__team_members")

    class Meta:
        verbose_name = _("个人信息同意记录")
        verbose_name_plural = _("个人信息同意记录")
        ordering = ["-id"]
        indexes = [models.Index(fields=["customer", "contact", "purpose", "channel", "-id"],
                                name="customers_consent_latest")]

    def __str__(self) -> str:
        return f"{self.purpose}/{self.channel or '-'}: {self.status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("consent records are append-only: record a new row instead")
        super().save(*args, **kwargs)

    @property
    def granted(self) -> bool:
        return self.status == self.GRANTED


class FieldPermission(models.Model):
    """One cell of the field matrix (SEC-3, SECURITY.md AC-4, PI-4): what holders of ``role`` may do
    with one customer or contact field, and where its protected value is masked.

    No row means the default: editable for a role holding ``customer.edit``, read-only for the
    others, masked everywhere. ``kehu.customers.field_access`` is the one reader.
    """

    HIDDEN, READ, ONCE, EDIT = "hidden", "read", "once", "edit"
    ACCESS_CHOICES = [(HIDDEN, _("隐藏")), (READ, _("只读")), (ONCE, _("填写后只读")), (EDIT, _("可编辑"))]
    EVERYWHERE, LISTS = "everywhere", "lists"
    MASK_CHOICES = [(EVERYWHERE, _("处处脱敏")), (LISTS, _("仅列表脱敏"))]
    CUSTOMER, CONTACT = "customer", "contact"
    ENTITY_CHOICES = [(CUSTOMER, _("客户")), (CONTACT, _("联系人"))]

    role = models.ForeignKey("org.Role", verbose_name=_("角色"), on_delete=models.CASCADE,
                             related_name="field_permissions")
    entity = models.CharField(_("对象"), max_length=10, choices=ENTITY_CHOICES)
    field = models.CharField(_("字段"), max_length=50)
    access = models.CharField(_("字段权限"), max_length=10, choices=ACCESS_CHOICES, default=EDIT)
    mask = models.CharField(_("脱敏方式"), max_length=12, choices=MASK_CHOICES, default=EVERYWHERE)
    updated_at = models.DateTimeField(default=clock.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        verbose_name = _("字段权限")
        verbose_name_plural = _("字段权限")
        ordering = ["role_id", "entity", "field"]
        constraints = [models.UniqueConstraint(fields=["role", "entity", "field"], name="customers_fieldperm_unique")]

    def __str__(self) -> str:
        return f"{self.role_id}:{self.entity}.{self.field}={self.access}/{self.mask}"


class FieldType(models.TextChoices):
    TEXT = "text", _("单行文本")
    TEXTAREA = "textarea", _("多行文本")
    INTEGER = "integer", _("整数")
    DECIMAL = "decimal", _("小数")
    DATE = "date", _("日期")
    CHOICE = "choice", _("单选")
    MULTICHOICE = "multichoice", _("多选")
    BOOLEAN = "boolean", _("是/否")
    MOBILE = "mobile", _("手机号")
    EMAIL = "email", _("电子邮箱")


class AppliesTo(models.TextChoices):
    BOTH = "both", _("企业和个人")
    ENTERPRISE = "enterprise", _("仅企业客户")
    INDIVIDUAL = "individual", _("仅个人客户")


class CustomField(TimeStampedModel):
    """One company-wide custom field of the archive (INFO-8). Values live in ``Customer.custom[key]``,
    checked by ``kehu.customers.custom_fields.clean_custom`` whichever door they come in by."""

    key = models.CharField(_("字段键"), max_length=40, unique=True)
    label = models.CharField(_("名称"), max_length=50)
    label_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    type = models.CharField(_("类型"), max_length=12, choices=FieldType.choices, default=FieldType.TEXT)
    required = models.BooleanField(_("必填"), default=False)
    choices = models.JSONField(_("选项"), default=list, blank=True)
    min_value = models.DecimalField(_("最小值"), max_digits=20, decimal_places=6, null=True, blank=True)
    max_value = models.DecimalField(_("最大值"), max_digits=20, decimal_places=6, null=True, blank=True)
    regex = models.CharField(_("格式（正则表达式）"), max_length=200, blank=True)
    help_text = models.CharField(_("说明"), max_length=200, blank=True)
    applies_to = models.CharField(_("适用客户"), max_length=12, choices=AppliesTo.choices, default=AppliesTo.BOTH)
    order = models.PositiveIntegerField(_("排序"), default=0)
    active = models.BooleanField(_("启用"), default=True)
    preset = models.CharField(_("来自预置方案"), max_length=20, blank=True, editable=False)

    class Meta:
        verbose_name = _("自定义字段")
        verbose_name_plural = _("自定义字段")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def display_label(self) -> str:
        from kehu.core.i18n import pick

        return pick(self.label, self.label_en)

    def applies(self, kind: str) -> bool:
        return self.applies_to in (AppliesTo.BOTH, kind)


class AccessKind(models.TextChoices):
    """What an exfiltration alert counts (OWN-6), each from its audit rows."""

    VIEW = "view", _("查看客户")
    REVEAL = "reveal", _("查看完整个人信息")
    EXPORT = "export", _("导出客户（行）")


class AccessAlert(models.Model):
    """A user's day of customer views, reveals or exported rows far above their own recent level
    (OWN-6), raised by the sweep for the security administrator. One per user, day and kind."""

    OPEN, ACKNOWLEDGED, CLOSED = "open", "acknowledged", "closed"
    STATUS_CHOICES = [(OPEN, _("待处理")), (ACKNOWLEDGED, _("已确认")), (CLOSED, _("已关闭"))]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.PROTECT,
                             related_name="+")
    day = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=10, choices=AccessKind.choices)
    count = models.PositiveIntegerField(_("当日次数"))
    median = models.DecimalField(_("日中位数"), max_digits=12, decimal_places=2)
    threshold = models.DecimalField(_("阈值"), max_digits=12, decimal_places=2)
    policy_version = models.PositiveIntegerField(_("制度版本"))
    reason = models.CharField(_("原因"), max_length=300)
    raised_at = models.DateTimeField(_("预警时间"), default=clock.now)
    status = models.CharField(_("状态"), max_length=12, choices=STATUS_CHOICES, default=OPEN)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    note = models.TextField(_("处理说明"), blank=True)

    class Meta:
        verbose_name = _("异常访问预警")
        verbose_name_plural = _("异常访问预警")
        ordering = ["-day", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "day", "kind"], name="customers_access_alert_once")]
        indexes = [models.Index(fields=["status", "day"], name="customers_access_alert_status")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.day} {self.kind}"

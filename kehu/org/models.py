"""Organisation (ORG-1..4): group → companies → department tree, users, roles and data scopes.

Also the records authentication keeps about users: login attempts, sessions, second factors,
recovery codes, API tokens and password history.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from kehu.core import clock
from kehu.core.i18n import pick, with_detail
from kehu.core.models import TimeStampedModel
from kehu.org import permissions, roles
from kehu.org.scope import ScopedQuerySet, ScopeFields


class Company(TimeStampedModel):
    """A legal entity. The group (集团) is the company without a parent; subsidiaries point to it."""

    name = models.CharField(_("公司名称"), max_length=200, unique=True)
    short_name = models.CharField(_("简称"), max_length=50, blank=True)
    parent = models.ForeignKey("self", verbose_name=_("上级公司"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="subsidiaries")

    class Meta:
        verbose_name = _("公司")
        verbose_name_plural = _("公司")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def is_group(self) -> bool:
        return self.parent_id is None


def _path_segment() -> str:
    return secrets.token_hex(4)


class Department(TimeStampedModel):
    """A node of a company's department tree. ``path`` (parent path + own segment) makes subtree
    queries one indexed prefix match, which is what the department-and-below data scope needs."""

    company = models.ForeignKey(Company, verbose_name=_("公司"), on_delete=models.PROTECT, related_name="departments")
    parent = models.ForeignKey("self", verbose_name=_("上级部门"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    name = models.CharField(_("部门名称"), max_length=100)
    code = models.SlugField(_("部门编码"), max_length=50, blank=True)
    head = models.ForeignKey("org.User", verbose_name=_("部门负责人"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="headed_departments")
    path = models.CharField(max_length=255, unique=True, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["company", "parent", "name"], name="org_department_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.path:
            prefix = self.parent.path if self.parent_id else f"c{self.company_id}."
            self.path = f"{prefix}{_path_segment()}."
        super().save(*args, **kwargs)

    @property
    def depth(self) -> int:
        return self.path.count(".") - 1


class Role(TimeStampedModel):
    DUTY_CHOICES = [
        (permissions.SYSTEM, _("系统管理")),
        (permissions.SECURITY, _("安全管理")),
        (permissions.AUDIT, _("审计管理")),
        (permissions.BUSINESS, _("业务")),
    ]
    SCOPE_CHOICES = [
        (roles.OWN, _("本人")),
        (roles.OWN_SHARED, _("本人及共享给我的")),
        (roles.DEPARTMENT, _("本部门")),
        (roles.DEPARTMENT_TREE, _("本部门及下级部门")),
        (roles.COMPANY, _("本公司")),
        (roles.ALL, _("全部")),
    ]

    code = models.SlugField(_("角色编码"), max_length=50, unique=True)
    name = models.CharField(_("角色名称"), max_length=50)
    name_en = models.CharField(_("英文名称"), max_length=80, blank=True)
    description = models.TextField(_("说明"), blank=True)
    duty = models.CharField(_("职责类别"), max_length=20, choices=DUTY_CHOICES, default=permissions.BUSINESS)
    data_scope = models.CharField(_("数据范围"), max_length=20, choices=SCOPE_CHOICES, default=roles.OWN)
    permissions = models.JSONField(_("权限"), default=list, blank=True)
    is_default = models.BooleanField(_("系统预置"), default=False, editable=False)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return pick(self.name, self.name_en)

    @property
    def is_admin_duty(self) -> bool:
        return self.duty in permissions.ADMIN_DUTIES


class UserManager(BaseUserManager.from_queryset(ScopedQuerySet)):
    use_in_migrations = False
    scope_fields = ScopeFields(owner="pk", department="department", company="department__company")

    def get_by_natural_key(self, username):
        return self.get(username__iexact=username)

    def create_user(self, username: str, password: str | None = None, **extra):
        user = self.model(username=username, **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user


# Holders of these permissions need a second factor like the admins do (AUTH-5).
MFA_PERMISSIONS = frozenset({"pii.unmask", "data.export"})


class User(AbstractBaseUser):
    """A member of staff. One account is one person: username unique regardless of case,
    employee number unique (SECURITY.md AUTH-1)."""

    username = models.CharField(_("用户名"), max_length=150, unique=True)
    full_name = models.CharField(_("姓名"), max_length=100)
    employee_no = models.CharField(_("工号"), max_length=32, unique=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    department = models.ForeignKey(Department, verbose_name=_("部门"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="members")
    manager = models.ForeignKey("self", verbose_name=_("直属上级"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="reports")
    roles = models.ManyToManyField(Role, verbose_name=_("角色"), through="UserRole", through_fields=("user", "role"),
                                   related_name="users", blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    date_joined = models.DateTimeField(_("创建时间"), default=clock.now)
    deactivated_at = models.DateTimeField(_("停用时间"), null=True, blank=True)
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    preferred_language = models.CharField(_("界面语言"), max_length=10, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["full_name", "employee_no"]

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        ordering = ["employee_no"]
        constraints = [
            models.UniqueConstraint(Lower("username"), name="org_user_username_ci_unique"),
        ]

    def __str__(self) -> str:
        return with_detail(self.full_name, self.username) if self.full_name else self.username

    # -- roles and permissions (cached per instance; a request loads its user once) --
    def _role_rows(self) -> list[Role]:
        cached = getattr(self, "_kehu_roles", None)
        if cached is None:
            cached = list(self.roles.all()) if self.pk else []
            self._kehu_roles = cached
        return cached

    def forget_roles(self) -> None:
        """Drop everything cached from the roles (here and by other apps, under a ``_kehu_`` name)."""
        for attr in [name for name in self.__dict__ if name.startswith("_kehu_")]:
            self.__dict__.pop(attr, None)

    @property
    def held_roles(self) -> list[Role]:
        """The user's roles, loaded once per instance (so once per request)."""
        return self._role_rows()

    @property
    def permission_codes(self) -> frozenset[str]:
        cached = getattr(self, "_kehu_perms", None)
        if cached is None:
            cached = frozenset(code for role in self._role_rows() for code in role.permissions)
            self._kehu_perms = cached
        return cached

    def has_permission(self, code: str) -> bool:
        if code not in permissions.REGISTRY:
            raise KeyError(f"unknown permission code {code!r}")
        return self.is_active and code in self.permission_codes

    # Django's API, answered from the same registry (there are no Django model permissions here).
    def has_perm(self, perm: str, obj=None) -> bool:
        return perm in permissions.REGISTRY and self.has_permission(perm)

    def has_module_perms(self, app_label: str) -> bool:
        return False

    @property
    def role_codes(self) -> frozenset[str]:
        return frozenset(role.code for role in self._role_rows())

    @property
    def data_scope(self) -> str:
        scopes = [role.data_scope for role in self._role_rows() if not role.is_admin_duty]
        if not scopes:
            return roles.OWN
        return max(scopes, key=roles.SCOPE_ORDER.index)

    @property
    def data_scope_label(self) -> str:
        return str(dict(Role.SCOPE_CHOICES)[self.data_scope])

    @property
    def admin_duty(self) -> str | None:
        for role in self._role_rows():
            if role.is_admin_duty:
                return role.duty
        return None

    @property
    def requires_mfa(self) -> bool:
        """TOTP is mandatory for the admin duties and for anyone who may unmask or export PI (AUTH-5)."""
        return self.admin_duty is not None or bool(MFA_PERMISSIONS & self.permission_codes)

    @property
    def company(self) -> Company | None:
        return self.department.company if self.department_id else None


class UserRole(models.Model):
    """A role held by a user. ``admin_duty`` copies the role's duty for admin roles so the database
    itself refuses a second admin role for the same person (三员分立, SECURITY.md AC-2)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_links")
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="user_links")
    admin_duty = models.CharField(max_length=20, blank=True, default="")
    granted_at = models.DateTimeField(default=clock.now)
    granted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="org_userrole_unique"),
            models.UniqueConstraint(fields=["user"], condition=~Q(admin_duty=""), name="org_userrole_one_admin_duty"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.role_id}"

    def save(self, *args, **kwargs):
        self.admin_duty = self.role.duty if self.role.is_admin_duty else ""
        super().save(*args, **kwargs)


class PolicyResponsibility(TimeStampedModel):
    """ORG-4: each policy area has a responsible department and person (客户管理责任)."""

    area = models.CharField(_("制度领域"), max_length=40, unique=True)
    department = models.ForeignKey(Department, verbose_name=_("责任部门"), on_delete=models.PROTECT)
    person = models.ForeignKey(User, verbose_name=_("责任人"), null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("制度责任")
        verbose_name_plural = _("制度责任")
        ordering = ["area"]


# --- authentication records ----------------------------------------------------------------


class LoginAttempt(models.Model):
    """Every password attempt, for lockout (per account) and throttling (per IP)."""

    username = models.CharField(max_length=150, db_index=True)  # lower-cased as typed
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    succeeded = models.BooleanField(default=False)
    at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["username", "at"]), models.Index(fields=["ip", "at"])]

    def __str__(self) -> str:
        return f"{self.username}@{self.ip} {'ok' if self.succeeded else 'failed'}"


class UserSession(models.Model):
    """Links a Django session to its user so sessions can be counted (≤ 3) and ended on disable."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=clock.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"session of {self.user_id} since {self.created_at:%Y-%m-%d %H:%M}"


class TOTPDevice(models.Model):
    """RFC 6238 second factor. The secret is stored encrypted; ``last_step`` makes each code single-use."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp")
    secret_encrypted = models.TextField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"TOTP of {self.user_id}"


class RecoveryCode(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code of {self.user_id}"


class ApiToken(models.Model):
    """A bearer token for the API. Only a SHA-256 of the secret is kept; the secret is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})" if self.name else f"{self.prefix}…"


class PasswordHistory(models.Model):
    """Hashes of earlier passwords: the last five may not be reused (AUTH-2)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"password of {self.user_id} until {self.created_at:%Y-%m-%d}"


class LoginBlock(models.Model):
    """A time-limited refusal to check passwords: an account lock (AUTH-3: 5 failures in 15 min)
    or an IP block (more than 20 failures in 10 min). Kept as rows so a lock starts once (one
    audit entry), can be lifted early by a security administrator, and failures from before
    a block's end do not count again towards the next one."""

    ACCOUNT, IP = "account", "ip"
    KIND_CHOICES = [(ACCOUNT, _("账号锁定")), (IP, _("IP 限制"))]

    kind = models.CharField(max_length=10, choices=KIND_CHOICES)
    key = models.CharField(max_length=150)  # the lower-cased username or the IP address
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.CASCADE, related_name="login_blocks")
    started_at = models.DateTimeField(default=clock.now)
    until = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["kind", "key", "until"])]
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} until {self.until:%Y-%m-%d %H:%M}"


class HandoverRecord(models.Model):
    """One departure handover (OWN-5, AC-8): who left, who received what, and why. The moved records are
    its ``items``; ``counts`` ({kind: n}) and ``per_receiver`` ({receiver id: {kind: n}}) summarise them."""

    leaver = models.ForeignKey(User, verbose_name=_("离职人员"), on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(User, verbose_name=_("办理人"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    receivers = models.ManyToManyField(User, verbose_name=_("接收人"), related_name="+")
    split = models.CharField(_("分配方式"), max_length=40)
    reason = models.TextField(_("原因"))
    counts = models.JSONField(_("交接数量"), default=dict)
    per_receiver = models.JSONField(_("各接收人数量"), default=dict)
    channel = models.CharField(_("渠道"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("交接时间"), default=clock.now)

    class Meta:
        verbose_name = _("离职交接")
        verbose_name_plural = _("离职交接")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.leaver_id}"

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class HandoverItem(models.Model):
    """One record a handover moved: its kind (the handover registry's code), id and receiver."""

    handover = models.ForeignKey(HandoverRecord, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=60)
    object_id = models.BigIntegerField()
    receiver = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["handover", "kind", "object_id"])]

    def __str__(self) -> str:
        return f"{self.kind}#{self.object_id}"

"""Policies and their versions (POL-1, ORG-4).

A version is drafted, submitted, approved (published) and later retired when a newer version
supersedes it. Once published its content never changes: ``PolicyVersion.save`` refuses, and a
database trigger (migration 0002) refuses raw UPDATEs too, so history stays what it was.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kehu.core.errors import Conflict
from kehu.core.models import TimeStampedModel
from kehu.policy import schemas


class Policy(TimeStampedModel):
    code = models.SlugField(_("制度编码"), max_length=50, unique=True)
    title = models.CharField(_("制度名称"), max_length=100)
    responsible_department = models.ForeignKey(
        "org.Department", verbose_name=_("解释和修订部门"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+")
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("责任人"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("制度")
        verbose_name_plural = _("制度")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class ImmutableVersion(Conflict):
    """Raised by ``PolicyVersion.save`` for a change to a published or retired version."""

    def __init__(self, detail: str):
        super().__init__("policy_version_immutable", _("已发布或已被取代的制度版本不能修改"), details={"detail": detail})


class PolicyVersion(TimeStampedModel):
    DRAFT, PENDING, PUBLISHED, RETIRED = "draft", "pending_approval", "published", "retired"
    STATUS_CHOICES = [
        (DRAFT, _("草稿")),
        (PENDING, _("待审批")),
        (PUBLISHED, _("已发布")),
        (RETIRED, _("已被取代")),
    ]
    # Published and retired versions are history: the engines read them, nobody edits them.
    FROZEN = (PUBLISHED, RETIRED)
    OPEN = (DRAFT, PENDING)

    policy = models.ForeignKey(Policy, verbose_name=_("制度"), on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    status = models.CharField(_("状态"), max_length=20, choices=STATUS_CHOICES, default=DRAFT)
    effective_from = models.DateTimeField(_("生效时间"))
    rules = models.JSONField(_("制度规则"), default=dict)
    summary = models.TextField(_("修订说明"), blank=True)
    predecessor = models.ForeignKey("self", verbose_name=_("上一版本"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="successors")
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("起草人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("提交审批时间"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("批准人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("批准时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    reject_reason = models.TextField(_("退回理由"), blank=True)

    class Meta:
        verbose_name = _("制度版本")
        verbose_name_plural = _("制度版本")
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="policy_version_unique_number"),
            # One version in the making per policy: two concurrent drafts would both claim to follow
            # the version in force and the second publication would silently drop the first's changes.
            models.UniqueConstraint(fields=["policy"], condition=Q(status__in=["draft", "pending_approval"]),
                                    name="policy_version_one_open"),
        ]
        indexes = [models.Index(fields=["policy", "status", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.policy.title} v{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.status in self.FROZEN

    def parsed_rules(self) -> schemas.PolicyRules:
        cached = self.__dict__.get("_parsed_rules")
        if cached is None:
            cached = schemas.PolicyRules.model_validate(self.rules)
            self.__dict__["_parsed_rules"] = cached
        return cached

    def section(self, name: str) -> schemas.Section:
        """One validated section of this version's rules, e.g. ``version.section("pools")``."""
        return self.parsed_rules().section(name)

    def save(self, *args, **kwargs):
        if self.pk is not None:
            self._refuse_changes_to_frozen()
        self.__dict__.pop("_parsed_rules", None)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        stored = PolicyVersion.objects.filter(pk=self.pk).values_list("status", flat=True).first()
        if stored in self.FROZEN:
            raise ImmutableVersion(f"policy version {self.pk} is {stored} and cannot be deleted")
        return super().delete(*args, **kwargs)

    def _refuse_changes_to_frozen(self) -> None:
        """Compare with the stored row, not with what this instance believes: the row is the truth."""
        stored = PolicyVersion.objects.filter(pk=self.pk).first()
        if stored is None or stored.status not in self.FROZEN:
            return
        changed = [
            field.attname for field in self._meta.concrete_fields
            if field.attname not in ("status", "updated_at")
            and getattr(stored, field.attname) != getattr(self, field.attname)
        ]
        # The only change history allows: published → retired when a newer version supersedes it.
        status_ok = self.status == stored.status or (stored.status == self.PUBLISHED and self.status == self.RETIRED)
        if changed or not status_ok:
            raise ImmutableVersion(
                f"policy version {self.pk} is {stored.status}; refused change of {changed or ['status']}")

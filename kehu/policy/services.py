"""Writes to policies: draft → submit → publish (or reject back to draft), and ORG-4 responsibilities.

The system administrator drafts (``policy.draft``), the general manager approves
(``policy.approve``), and nobody approves their own draft. Versions form one chain per policy:
each new version takes effect after every version already published, and never in the past, so
what the engines decided yesterday stays explained by the version they used.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.compliance import actions, audit
from kehu.core import clock
from kehu.core.errors import Conflict, DomainError, PermissionDenied
from kehu.core.i18n import labelled
from kehu.org import permissions
from kehu.org.access import require_permission
from kehu.org.models import Department, PolicyResponsibility, User
from kehu.policy import diff, schemas
from kehu.policy.models import Policy, PolicyVersion

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _latest_published(policy: Policy) -> PolicyVersion | None:
    return (policy.versions.filter(status__in=PolicyVersion.FROZEN)
            .order_by("-effective_from", "-number").first())


def _lock(version: PolicyVersion) -> PolicyVersion:
    return PolicyVersion.objects.select_for_update().select_related("policy").get(pk=version.pk)


def _require_status(version: PolicyVersion, status: str, message) -> None:
    if version.status != status:
        raise Conflict("policy_version_status", message)


def _validated(rules) -> schemas.PolicyRules:
    try:
        return schemas.validate_rules(rules)
    except schemas.RulesInvalid as exc:
        first = exc.errors[0]
        raise DomainError(
            "policy_rules_invalid",
            _("制度规则有误：%(error)s") % {"error": first},
            field=first.field,
            details={"errors": [{"field": e.field, "message": e.message} for e in exc.errors]},
        ) from None


def _check_effective_from(policy: Policy, effective_from) -> None:
    if not isinstance(effective_from, dt.datetime) or timezone.is_naive(effective_from):
        raise DomainError("policy_effective_from_invalid", _("生效时间必须是带时区的日期时间"), field="effective_from")
    if effective_from <= clock.now():
        raise DomainError("policy_effective_from_past",
                          _("生效时间必须晚于当前时间：制度不能追溯修改已经发生的事"), field="effective_from")
    latest = _latest_published(policy)
    if latest is not None and effective_from <= latest.effective_from:
        raise DomainError(
            "policy_effective_from_order",
            _("生效时间必须晚于已发布的 v%(number)s 的生效时间（%(at)s）")
            % {"number": latest.number, "at": timezone.localtime(latest.effective_from).strftime("%Y-%m-%d %H:%M")},
            field="effective_from",
        )


def _default_effective_from(latest: PolicyVersion | None) -> dt.datetime:
    """Midnight (Asia/Shanghai) after both today and the latest published version's start."""
    start = max(clock.now(), latest.effective_from) if latest else clock.now()
    day = start.astimezone(SHANGHAI).date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(), tzinfo=SHANGHAI)


@transaction.atomic
def policy_version_draft(*, actor: User, policy: Policy, based_on: PolicyVersion | None = None) -> PolicyVersion:
    """Start version N+1 from ``based_on`` or, by default, the latest published version (the one in
    force, or the one already scheduled to follow it)."""
    require_permission(actor, permissions.POLICY_DRAFT)
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    open_version = policy.versions.filter(status__in=PolicyVersion.OPEN).first()
    if open_version is not None:
        raise Conflict("policy_draft_exists",
                       _("已有未完成的版本 v%(number)s，请先完成它") % {"number": open_version.number})
    latest = _latest_published(policy)
    base = based_on or latest
    if base is None or base.policy_id != policy.pk or base.status not in PolicyVersion.FROZEN:
        raise DomainError("policy_base_invalid", _("只能以本制度已发布的版本为基础起草"), field="based_on")
    # Re-validating the base fills in sections added to the schema since it was published.
    rules = schemas.dump(schemas.PolicyRules.model_validate(base.rules))
    number = (policy.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    version = PolicyVersion.objects.create(
        policy=policy, number=number, status=PolicyVersion.DRAFT, rules=rules,
        effective_from=_default_effective_from(latest), predecessor=base, drafted_by=actor)
    audit.record(actor, actions.POLICY_DRAFT, version, {"number": number, "based_on": base.number})
    return version


@transaction.atomic
def policy_version_update(*, actor: User, version: PolicyVersion, rules: dict, effective_from: dt.datetime,
                          summary: str) -> PolicyVersion:
    require_permission(actor, permissions.POLICY_DRAFT)
    version = _lock(version)
    _require_status(version, PolicyVersion.DRAFT, _("只有草稿可以修改；已提交的版本须由审批人退回后再改"))
    normalised = schemas.dump(_validated(rules))
    _check_effective_from(version.policy, effective_from)
    changed = [change.path for change in diff.changes(version.rules, normalised)]
    version.rules = normalised
    version.effective_from = effective_from
    version.summary = (summary or "").strip()
    version.save()
    audit.record(actor, actions.POLICY_EDIT, version,
                 {"number": version.number, "effective_from": effective_from, "changed": changed[:100]})
    return version


@transaction.atomic
def policy_version_submit(*, actor: User, version: PolicyVersion) -> PolicyVersion:
    require_permission(actor, permissions.POLICY_DRAFT)
    version = _lock(version)
    _require_status(version, PolicyVersion.DRAFT, _("只有草稿可以提交审批"))
    if not version.summary.strip():
        raise DomainError("policy_summary_required", _("提交审批前请填写修订说明"), field="summary")
    _validated(version.rules)
    _check_effective_from(version.policy, version.effective_from)
    version.status = PolicyVersion.PENDING
    version.submitted_at = clock.now()
    version.reject_reason = ""
    version.save()
    audit.record(actor, actions.POLICY_SUBMIT, version, {"number": version.number})
    return version


@transaction.atomic
def policy_version_publish(*, actor: User, version: PolicyVersion) -> PolicyVersion:
    """Approve and publish. Earlier published versions become *retired* (superseded from the new
    version's effective time on); they stay readable and stay in force for the times before it."""
    require_permission(actor, permissions.POLICY_APPROVE)
    Policy.objects.select_for_update().get(pk=version.policy_id)  # one publication at a time per policy
    version = _lock(version)
    _require_status(version, PolicyVersion.PENDING, _("只有待审批的版本可以批准发布"))
    if version.drafted_by_id == actor.pk:
        raise PermissionDenied("policy_self_approval", _("起草人不能批准自己起草的制度版本"))
    _validated(version.rules)
    _check_effective_from(version.policy, version.effective_from)
    superseded = list(version.policy.versions.filter(status=PolicyVersion.PUBLISHED,
                                                     effective_from__lt=version.effective_from))
    for old in superseded:
        old.status = PolicyVersion.RETIRED
        old.save(update_fields=["status"])
    now = clock.now()
    version.status = PolicyVersion.PUBLISHED
    version.approved_by, version.approved_at, version.published_at = actor, now, now
    version.save()
    audit.record(actor, actions.POLICY_PUBLISH, version, {
        "number": version.number, "effective_from": version.effective_from,
        "retired": [old.number for old in superseded],
    })
    return version


@transaction.atomic
def policy_version_reject(*, actor: User, version: PolicyVersion, reason: str) -> PolicyVersion:
    """Send a version back to draft with the approver's reason, for the drafter to fix."""
    require_permission(actor, permissions.POLICY_APPROVE)
    version = _lock(version)
    _require_status(version, PolicyVersion.PENDING, _("只有待审批的版本可以退回"))
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("policy_reject_reason_required", _("请填写退回理由"), field="reason")
    version.status = PolicyVersion.DRAFT
    version.submitted_at = None
    version.reject_reason = reason
    version.save()
    audit.record(actor, actions.POLICY_REJECT, version, {"number": version.number}, reason=reason)
    return version


@transaction.atomic
def responsibility_set(*, actor: User, area: str, department: Department,
                       person: User | None = None) -> PolicyResponsibility:
    """ORG-4: name the department and person responsible for one policy area (a rules section)."""
    require_permission(actor, permissions.POLICY_DRAFT)
    if area not in schemas.SECTIONS:
        raise DomainError("responsibility_area_unknown", _("未知的制度领域：%(area)s") % {"area": area}, field="area")
    if department is None or not department.is_active:
        raise DomainError("responsibility_department_invalid", _("请选择启用中的责任部门"), field="department")
    if person is not None and not person.is_active:
        raise DomainError("responsibility_person_inactive", _("责任人账号已停用"), field="person")
    row = PolicyResponsibility.objects.select_for_update().filter(area=area).first()
    previous = {"department": row.department_id, "person": row.person_id} if row else None
    if row is None:
        row = PolicyResponsibility(area=area)
    row.department, row.person = department, person
    row.save()
    target = ("org.policyresponsibility", row.pk, labelled(schemas.section_label(area), department))
    audit.record(actor, actions.RESPONSIBILITY_SET, target, {
        "area": area, "department": department.pk, "person": person.pk if person else None, "previous": previous,
    })
    return row

"""Reads of policies and versions.

``version_in_force`` is THE function every engine uses to find the rules that applied at a moment
(the event's time, not today's): the published or retired version with the latest
``effective_from`` not after that moment. No cache outlives a request, so a publication is seen
at once; a version's parsed rules are cached on the instance only.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.core.errors import NotFound, PermissionDenied
from kehu.org import permissions
from kehu.org.models import PolicyResponsibility, Role
from kehu.policy import schemas
from kehu.policy.defaults import DEFAULT_POLICY_CODE
from kehu.policy.models import Policy, PolicyVersion

READ_PERMISSIONS = (permissions.POLICY_VIEW, permissions.POLICY_DRAFT, permissions.POLICY_APPROVE)
# Those who write or approve versions also see versions still in the making.
WORK_PERMISSIONS = (permissions.POLICY_DRAFT, permissions.POLICY_APPROVE)


def version_in_force(at: dt.datetime | None = None, policy_code: str = DEFAULT_POLICY_CODE) -> PolicyVersion:
    at = at or clock.now()
    version = (
        PolicyVersion.objects.select_related("policy")
        .filter(policy__code=policy_code, status__in=PolicyVersion.FROZEN, effective_from__lte=at)
        .order_by("-effective_from", "-number")
        .first()
    )
    if version is None:
        raise NotFound("policy_not_in_force", _("%(at)s 时没有生效的制度版本") % {"at": at.isoformat()})
    return version


def rules_in_force(section: str, at: dt.datetime | None = None,
                   policy_code: str = DEFAULT_POLICY_CODE) -> schemas.Section:
    """The validated rules of one section (``"pools"``, ``"visits"``, …) of the version in force at ``at``."""
    return version_in_force(at, policy_code).section(section)


def tier_names(at: dt.datetime | None = None, *, version: PolicyVersion | None = None) -> dict[str, str]:
    """Tier code → its name in the active language, from the active scheme of the version in force
    (``version``, when the caller read it already: no query)."""
    try:
        tiers = version.section("tiers") if version is not None else rules_in_force("tiers", at)
    except NotFound:
        return {}
    return {tier.code: tier.display_name for tier in tiers.active.tiers}


# --- pages and API -----------------------------------------------------------------------------
def can_read(user) -> bool:
    return bool(user and user.is_authenticated and any(user.has_permission(p) for p in READ_PERMISSIONS))


def sees_open_versions(user) -> bool:
    return any(user.has_permission(p) for p in WORK_PERMISSIONS)


def require_read(user) -> None:
    if not can_read(user):
        raise PermissionDenied("permission_denied", _("您没有查看制度的权限"))


def policies_for(user) -> QuerySet[Policy]:
    require_read(user)
    return Policy.objects.select_related("responsible_department", "responsible_person").order_by("id")


def versions_for(user, policy: Policy | None = None) -> QuerySet[PolicyVersion]:
    """Versions ``user`` may read: history for every reader, drafts only for drafters and approvers."""
    require_read(user)
    qs = PolicyVersion.objects.select_related("policy", "drafted_by", "approved_by", "predecessor")
    if policy is not None:
        qs = qs.filter(policy=policy)
    if not sees_open_versions(user):
        qs = qs.filter(status__in=PolicyVersion.FROZEN)
    return qs.order_by("policy_id", "-number")


def version_detail(user, version_id: int) -> PolicyVersion:
    version = versions_for(user).filter(pk=version_id).first()
    if version is None:
        raise NotFound("not_found", _("制度版本不存在"))
    return version


def open_version(policy: Policy) -> PolicyVersion | None:
    return policy.versions.filter(status__in=PolicyVersion.OPEN).first()


def responsibilities_for(user) -> dict[str, PolicyResponsibility]:
    """ORG-4: the responsible department and person of each policy area (area = rules section)."""
    require_read(user)
    rows = PolicyResponsibility.objects.select_related("department", "person").filter(area__in=schemas.SECTIONS)
    return {row.area: row for row in rows}


def role_names() -> dict[str, str]:
    """Role code → display name, to label the visit cadences (roles are not personal data)."""
    return {role.code: role.display_name for role in Role.objects.all()}

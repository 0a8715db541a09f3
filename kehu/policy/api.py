"""/api/v1/policy-versions: read versions and the version in force at a moment (POL-1)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import AuthenticationError
from ninja.pagination import paginate

from kehu.core.pagination import LimitOffsetPagination
from kehu.policy import selectors
from kehu.policy.defaults import DEFAULT_POLICY_CODE
from kehu.policy.models import PolicyVersion

router = Router(tags=["policy"])


class VersionOut(Schema):
    id: int
    policy_code: str
    policy_title: str
    number: int
    status: str
    effective_from: dt.datetime
    summary: str
    predecessor_number: int | None
    drafted_by: str | None
    approved_by: str | None
    approved_at: dt.datetime | None
    published_at: dt.datetime | None

    @staticmethod
    def resolve_policy_code(obj: PolicyVersion) -> str:
        return obj.policy.code

    @staticmethod
    def resolve_policy_title(obj: PolicyVersion) -> str:
        return obj.policy.title

    @staticmethod
    def resolve_predecessor_number(obj: PolicyVersion) -> int | None:
        return obj.predecessor.number if obj.predecessor_id else None

    @staticmethod
    def resolve_drafted_by(obj: PolicyVersion) -> str | None:
        return obj.drafted_by.username if obj.drafted_by_id else None

    @staticmethod
    def resolve_approved_by(obj: PolicyVersion) -> str | None:
        return obj.approved_by.username if obj.approved_by_id else None


class VersionDetailOut(VersionOut):
    rules: dict


def _caller(request):
    """The API user: set by token authentication when configured, else the session's user."""
    user = getattr(request, "auth", None) or request.user
    if not (user and user.is_authenticated):
        raise AuthenticationError()
    return user


@router.get("", response=list[VersionOut])
@paginate(LimitOffsetPagination)
def list_versions(request):
    return selectors.versions_for(_caller(request))


@router.get("/in-force", response=VersionDetailOut)
def in_force(request, at: dt.datetime | None = None, policy: str = DEFAULT_POLICY_CODE):
    """The version in force at ``at`` (ISO 8601; without an offset it is Beijing time; default now)."""
    user = _caller(request)
    selectors.require_read(user)
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at)
    version = selectors.version_in_force(at, policy)
    return selectors.version_detail(user, version.pk)


@router.get("/{int:version_id}", response=VersionDetailOut)
def version_detail(request, version_id: int):
    return selectors.version_detail(_caller(request), version_id)

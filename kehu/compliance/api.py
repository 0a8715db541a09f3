"""GET /api/v1/audit-entries: the audit-log search for tools (same filters as the page)."""

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from kehu.compliance import audit, selectors, services
from kehu.compliance.filters import AuditFilters
from kehu.core.errors import DomainError
from kehu.core.pagination import LimitOffsetPagination

router = Router(tags=["audit"])


class AuditQuery(Schema):
    user: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    result: str = ""
    since: dt.datetime | None = None
    until: dt.datetime | None = None


class AuditEntryOut(Schema):
    seq: int
    occurred_at: dt.datetime
    actor_id: int | None
    actor_name: str
    actor_roles: str
    action: str
    action_label: str
    result: str
    target_type: str
    target_id: str
    target_repr: str
    data: dict
    reason: str
    request_id: str
    ip: str | None
    user_agent: str
    channel: str
    hash: str

    @staticmethod
    def resolve_action_label(entry) -> str:
        return audit.action_label(entry.action)


def _caller(request):
    # Bearer-token auth, when the API has it, puts the user in request.auth; a browser session
    # gives request.user. Either way the permission check below decides.
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        raise DomainError("not_authenticated", _("请先登录或提供 API 令牌"), status=401)
    return user


@router.get("", response=list[AuditEntryOut], summary="Search the audit log")
@paginate(LimitOffsetPagination)
def list_audit_entries(request, filters: Query[AuditQuery]):
    user = _caller(request)
    found = AuditFilters(**filters.dict())
    entries = selectors.audit_entries_for(user, found)
    services.audit_log_read(actor=user, filters=found.as_dict())
    return entries

"""Reads of the audit log. Only holders of ``audit.view`` read it; nothing here is data-scoped,
because the audit administrator reviews everyone's actions."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kehu.compliance import audit
from kehu.compliance.filters import AuditFilters
from kehu.compliance.models import AuditEntry
from kehu.core.errors import DomainError, NotFound
from kehu.org import permissions
from kehu.org.access import require_permission
from kehu.org.models import User

PAGE_SIZE = 50
COUNT_CAP = 1000


def _validate(filters: AuditFilters) -> None:
    if filters.action and filters.action not in audit.ACTIONS:
        raise DomainError("invalid_filter", _("动作“%(action)s”不存在") % {"action": filters.action}, field="action")
    if filters.result and filters.result not in audit.RESULTS:
        raise DomainError("invalid_filter", _("结果只能是 ok、denied 或 failed"), field="result")
    if filters.target_id and not filters.target_type:
        raise DomainError("invalid_filter", _("按对象编号查询时须同时填写对象类型"), field="target_type")
    if filters.since and filters.until and filters.since > filters.until:
        raise DomainError("invalid_filter", _("开始时间不能晚于结束时间"), field="until")


def audit_entries_for(user, filters: AuditFilters) -> QuerySet[AuditEntry]:
    """Entries matching ``filters``, newest first (time, then chain order for equal times)."""
    require_permission(user, permissions.AUDIT_VIEW)
    _validate(filters)
    entries = AuditEntry.objects.all()
    if filters.user:
        # The id first, then a plain equality: a subquery here makes PostgreSQL walk the whole
        # time index for a user with few entries instead of using (actor, occurred_at).
        actor_id = User.objects.filter(username__iexact=filters.user).values_list("pk", flat=True).first()
        entries = entries.filter(actor_id=actor_id) if actor_id is not None else entries.none()
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.target_type:
        entries = entries.filter(target_type=filters.target_type)
    if filters.target_id:
        entries = entries.filter(target_id=filters.target_id)
    if filters.result:
        entries = entries.filter(result=filters.result)
    if filters.since:
        entries = entries.filter(occurred_at__gte=filters.since)
    if filters.until:
        entries = entries.filter(occurred_at__lte=filters.until)
    return entries.order_by("-occurred_at", "-seq")


def audit_entry_for(user, seq: int) -> AuditEntry:
    require_permission(user, permissions.AUDIT_VIEW)
    entry = AuditEntry.objects.filter(seq=seq).first()
    if entry is None:
        raise NotFound("not_found", _("审计记录不存在"))
    return entry


@dataclass(frozen=True)
class Page:
    entries: list[AuditEntry]
    next_cursor: int | None  # the seq of the last row shown: the next page starts after it
    count: int  # capped at COUNT_CAP + 1: "more than a thousand" is all a reviewer needs to know
    count_capped: bool


def audit_page(entries: QuerySet[AuditEntry], *, after_seq: int | None = None, size: int = PAGE_SIZE) -> Page:
    """Keyset pagination over (occurred_at, seq) descending: the cost of a page does not grow with
    how deep it is, and the count stops at COUNT_CAP so a wide search stays cheap."""
    count = entries[: COUNT_CAP + 1].count()
    if after_seq is not None:
        last = AuditEntry.objects.filter(seq=after_seq).values_list("occurred_at", flat=True).first()
        if last is not None:
            entries = entries.filter(Q(occurred_at__lt=last) | Q(occurred_at=last, seq__lt=after_seq),
                                     occurred_at__lte=last)
    rows = list(entries[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, rows[-1].seq if more else None, min(count, COUNT_CAP), count > COUNT_CAP)

"""Ticket categories (SVC-2): the configurable list a ticket is filed under; its team is the queue a new
ticket lands in, its default handler the responsible person when the customer has no owner to take it."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.compliance import audit
from kehu.core.errors import DomainError
from kehu.org.access import require_permission
from kehu.service import permissions as perms
from kehu.service.actions import CATEGORY_SAVE
from kehu.service.models import TicketCategory, TicketKind

FIELDS = ("code", "name", "name_en", "kind", "team", "default_handler", "active", "position")


@transaction.atomic
def category_save(*, actor, category: TicketCategory | None = None, code: str, name: str, name_en: str = "",
                  kind: str = "", team=None, default_handler=None, active: bool = True,
                  position: int = 0) -> TicketCategory:
    """Create (``category`` None) or change a category; audited with what it now is and what changed."""
    require_permission(actor, perms.CATEGORY_MANAGE)
    code, name = code.strip(), name.strip()
    if not name:
        raise DomainError("name_required", _("请填写分类名称。"), field="name")
    if kind and kind not in TicketKind.values:
        raise DomainError("invalid_kind", _("未知的工单类型。"), field="kind")
    if default_handler is not None and not default_handler.is_active:
        raise DomainError("handler_inactive", _("默认处理人已停用，请另选。"), field="default_handler")
    if team is not None and not team.is_active:
        raise DomainError("team_inactive", _("处理团队已停用，请另选。"), field="team")
    taken = TicketCategory.objects.filter(code=code).exclude(pk=category.pk if category else None)
    if taken.exists():
        raise DomainError("code_taken", _("编码“%(code)s”已被其他分类使用。") % {"code": code}, field="code")
    created = category is None
    category = category or TicketCategory()
    before = {field: _value(category, field) for field in FIELDS}
    category.code, category.name, category.name_en, category.kind = code, name, name_en.strip(), kind
    category.team, category.default_handler, category.active, category.position = team, default_handler, active, position
    category.save()
    after = {field: _value(category, field) for field in FIELDS}
    changed = sorted(field for field in FIELDS if before[field] != after[field])
    audit.record(actor, CATEGORY_SAVE, category, {"created": created, **after, "changed": changed})
    return category


def _value(category: TicketCategory, field: str):
    # Foreign keys by id: the audit row stays a plain record however the team or handler changes later.
    return getattr(category, f"{field}_id") if field in ("team", "default_handler") else getattr(category, field)

"""The satisfaction rating a callback collects (FB-2): one per closed ticket, never changed afterwards."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.compliance import audit
from kehu.core import clock
from kehu.core.errors import Conflict, DomainError, NotFound
from kehu.org.access import require_permission
from kehu.service import actions, callbacks
from kehu.service import permissions as perms
from kehu.service.models import Status, Ticket, TicketEvent

RATINGS = range(1, 6)
COMMENT_MAX = 2000


@transaction.atomic
def ticket_rate(*, actor, ticket: Ticket, satisfaction, comment: str = "") -> Ticket:
    """Record the customer's satisfaction (1–5) and comment on a closed ticket the actor sees; completes the
    ticket's callback task. A rated ticket is not rated again: the first rating stands."""
    require_permission(actor, perms.TICKET_HANDLE)
    ticket = Ticket.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=ticket.pk).first()
    if ticket is None:
        raise NotFound("ticket_not_found", _("工单不存在，或您无权查看。"))
    if ticket.status != Status.CLOSED:
        raise Conflict("ticket_not_closed", _("工单关闭后才能回访评价。"))
    if ticket.rated_at is not None:
        raise Conflict("ticket_already_rated", _("该工单已于 %(at)s 回访评价（%(n)d 分），不能重复评价。") % {
            "at": f"{timezone.localtime(ticket.rated_at):%Y-%m-%d %H:%M}", "n": ticket.satisfaction})
    try:
        satisfaction = int(satisfaction)
    except (TypeError, ValueError):
        satisfaction = 0
    if satisfaction not in RATINGS:
        raise DomainError("rating_range", _("满意度须为 1 到 5 分。"), field="satisfaction")
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError("rating_comment_long", _("回访意见不能超过 %(n)d 字。") % {"n": COMMENT_MAX},
                          field="comment")
    now = clock.now()
    ticket.satisfaction, ticket.rating_comment, ticket.rated_at, ticket.rated_by = satisfaction, comment, now, actor
    ticket.updated_at = now
    ticket.save(update_fields=["satisfaction", "rating_comment", "rated_at", "rated_by", "updated_at"])
    callbacks.complete(ticket, actor=actor, at=now)
    TicketEvent.objects.create(ticket=ticket, at=now, by=actor, action="rate",
                               note=_("满意度 %(n)d 分") % {"n": satisfaction} + (f"：{comment}" if comment else ""))
    audit.record(actor, actions.TICKET_RATE, ticket, {"satisfaction": satisfaction})
    return ticket

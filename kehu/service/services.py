"""Writes of service tickets (SVC-1..6): each validates, writes, adds a TicketEvent (the ticket's history and
the customer timeline) and an audit entry in the same transaction, and notifies a new responsible person.

``actor`` None is the public intake page (ticket_open) or the system (a sweep's transition, a customer's
confirmation on the public page); a staff actor needs the permission of the step. Tickets come in through a
selector (in the actor's scope) and are locked here before they change.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.compliance import audit
from kehu.core import clock
from kehu.core.errors import Conflict, DomainError
from kehu.core.i18n import join_list
from kehu.core.validators.email import validate_email
from kehu.core.validators.phone import validate_mobile, validate_phone
from kehu.engagement.notify import notify
from kehu.org.access import require_permission
from kehu.policy.evaluators import service as rules_of_service
from kehu.policy.evaluators.base import SHANGHAI
from kehu.policy.selectors import tier_names, version_in_force
from kehu.service import actions, callbacks, commitments, numbers, routing, sla, workflow
from kehu.service import permissions as perms
from kehu.service.models import (
    PRIORITY_RANK,
    Channel,
    Severity,
    Status,
    Ticket,
    TicketEvent,
    TicketKind,
)
from kehu.service.selectors import ticket_url
from kehu.service.services_rating import ticket_rate  # noqa: F401 (FB-2: the interface's name; built there)

TITLE_MAX = 200
TEXT_MAX = 5000
UPDATABLE = ("title", "description", "category", "severity", "product")


# --- checks ---------------------------------------------------------------------------------------
def _require(actor, code: str) -> None:
    if actor is not None:  # None: the public page or the system, whose doors check their own way
        require_permission(actor, code)


def _choice(value: str, choices, field: str, label: str) -> str:
    if value not in choices.values:
        raise DomainError(f"ticket_{field}_invalid", _("%(label)s必须是以下之一：%(values)s") % {
            "label": label, "values": join_list(str(c.label) for c in choices)}, field=field)
    return value


def _text(value: str, field: str, label: str, *, required: bool = True, limit: int = TEXT_MAX) -> str:
    text = (value or "").strip()
    if required and not text:
        raise DomainError(f"ticket_{field}_required", _("请填写%(label)s。") % {"label": label}, field=field)
    if len(text) > limit:
        raise DomainError(f"ticket_{field}_too_long", _("%(label)s不超过 %(n)d 个字。") % {"label": label, "n": limit},
                          field=field)
    return text


def _phone(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return validate_mobile(value)
    except ValidationError:
        try:
            return validate_phone(value)
        except ValidationError:
            raise DomainError("ticket_reporter_phone_invalid", _("联系电话格式不正确：请填写手机号码或固定电话。"),
                              field="reporter_phone") from None


def _email(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return validate_email(value)
    except ValidationError as exc:
        raise DomainError("ticket_reporter_email_invalid", exc.messages[0], field="reporter_email") from None


def _category(category):
    if category is not None and not category.active:
        raise DomainError("ticket_category_inactive", _("工单分类“%(name)s”已停用。") % {"name": category.display_name},
                          field="category")
    return category


# How each registered field is checked and cleaned, for ticket_open and ticket_update alike.
CLEANERS = {
    "kind": lambda v: _choice(v, TicketKind, "kind", _("类型")),
    "channel": lambda v: _choice(v, Channel, "channel", _("渠道")),
    "severity": lambda v: _choice(v, Severity, "severity", _("严重程度")),
    "title": lambda v: _text(v, "title", _("标题"), limit=TITLE_MAX),
    "description": lambda v: _text(v, "description", _("问题描述")),
    "product": lambda v: _text(v, "product", _("产品"), required=False, limit=100),
    "category": _category,
    "reporter_name": lambda v: _text(v, "reporter_name", _("反映人"), required=False, limit=50),
    "reporter_company": lambda v: _text(v, "reporter_company", _("反映人单位"), required=False, limit=200),
    "reporter_phone": _phone,
    "reporter_email": _email,
}


def _cleaned(**fields) -> dict:
    return {name: CLEANERS[name](value) for name, value in fields.items()}


# --- what the policy decides ----------------------------------------------------------------------
def _classify(ticket: Ticket, version) -> None:
    """Priority, strategic and handle-first of ``ticket`` (not saved) from its tier and severity (SVC-2, SVC-5)."""
    rules = version.section("service")
    tier_name = tier_names(version=version).get(ticket.customer_tier, ticket.customer_tier)
    decided = rules_of_service.priority(rules, ticket.customer_tier, ticket.severity, version=version.number,
                                        tier_name=tier_name)
    ticket.priority, ticket.priority_rank, ticket.strategic = (
        decided.priority, PRIORITY_RANK[decided.priority], decided.strategic)
    ticket.handle_first = rules_of_service.handle_first(rules, ticket.customer_tier, ticket.kind, ticket.severity,
                                                        version=version.number, tier_name=tier_name) is not None


def _is_repeat(ticket: Ticket, window_days: int) -> bool:
    """SVC-9: another complaint of the same customer (and category, when given) within the window."""
    if ticket.kind != TicketKind.COMPLAINT or ticket.customer_id is None:
        return False
    earlier = Ticket.objects.filter(customer_id=ticket.customer_id, kind=TicketKind.COMPLAINT,
                                    opened_at__gte=ticket.opened_at - dt.timedelta(days=window_days))
    if ticket.category_id:
        earlier = earlier.filter(category_id=ticket.category_id)
    return earlier.exclude(pk=ticket.pk).exists()


# --- shared steps ---------------------------------------------------------------------------------
def _lock(ticket: Ticket) -> Ticket:
    # Only the ticket row is locked: the commitment is an outer join, which PostgreSQL cannot lock.
    return (Ticket.objects.select_for_update(of=("self",)).select_related("policy_version", "commitment")
            .get(pk=ticket.pk))


def _staff(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _event(ticket: Ticket, actor, action: str, *, before: str = "", note: str = "", at=None) -> TicketEvent:
    """One step of the ticket's history; ``to_status`` is the status it left the ticket in."""
    return TicketEvent.objects.create(ticket=ticket, at=at or clock.now(), by=_staff(actor), action=action,
                                      from_status=before, to_status=ticket.status, note=note)


def _notify_responsible(ticket: Ticket, title: str) -> None:
    notify([ticket.responsible], "ticket", title, ticket.title, url=ticket_url(ticket.pk))


def _save(ticket: Ticket, now: dt.datetime, *fields: str) -> None:
    ticket.updated_at = now
    ticket.save(update_fields=[*fields, "updated_at"])


# --- open -----------------------------------------------------------------------------------------
@transaction.atomic
def ticket_open(*, actor, kind: str, channel: str, title: str, description: str, customer=None, contact=None,
                category=None, severity: str = Severity.NORMAL, product: str = "", reporter_name: str = "",
                reporter_company: str = "", reporter_phone: str = "", reporter_email: str = "",
                responsible=None) -> Ticket:
    """Register a ticket from any channel (SVC-1). ``actor`` None is the public intake page."""
    _require(actor, perms.TICKET_HANDLE)
    if responsible is not None and responsible != actor:
        _require(actor, perms.TICKET_ASSIGN)
    now = clock.now()
    ticket = Ticket(customer=customer, opened_at=now, created_by=_staff(actor), updated_at=now, **_cleaned(
        kind=kind, channel=channel, severity=severity, title=title, description=description, product=product,
        category=category, reporter_name=reporter_name, reporter_company=reporter_company,
        reporter_phone=reporter_phone, reporter_email=reporter_email))
    if customer is not None and customer.deleted_at is not None:
        raise DomainError("ticket_customer_deleted", _("该客户已删除或已合并，请选择现有客户。"), field="customer")
    if contact is not None and (customer is None or contact.customer_id != customer.pk):
        raise DomainError("ticket_contact_mismatch", _("联系人不属于该客户。"), field="contact")
    ticket.contact = contact
    if customer is None and not (ticket.reporter_name or ticket.reporter_company):
        raise DomainError("ticket_reporter_required", _("请选择客户，或填写反映人姓名或单位。"), field="customer")
    version = version_in_force(now)
    ticket.policy_version = version
    ticket.customer_tier = customer.tier if customer is not None else ""
    _classify(ticket, version)
    ticket.responsible = routing.responsible_for(given=responsible, category=category, customer=customer)
    ticket.department = routing.queue_for(category=category, customer=customer, responsible=ticket.responsible)
    ticket.commitment = commitments.in_force(customer, now)
    sla.refresh(ticket, now)
    ticket.repeat = _is_repeat(ticket, version.section("service").repeat_window_days)
    ticket.number = numbers.new_number(lambda number: Ticket.objects.filter(number=number).exists())
    ticket.save(force_insert=True)
    _event(ticket, actor, "open", note=_("经%(channel)s登记") % {"channel": ticket.get_channel_display()})
    audit.record(actor, actions.TICKET_OPEN, ticket, {
        "number": ticket.number, "kind": ticket.kind, "channel": ticket.channel, "severity": ticket.severity,
        "priority": ticket.priority, "strategic": ticket.strategic, "handle_first": ticket.handle_first,
        "customer": ticket.customer_id, "category": ticket.category_id, "responsible": ticket.responsible_id,
        "department": ticket.department_id, "commitment": ticket.commitment_id, "repeat": ticket.repeat,
        "policy_version": version.number, "first_response_due": ticket.first_response_due.isoformat(),
        "resolution_due": ticket.resolution_due.isoformat(), "public": actor is None,
    })
    _notify_responsible(ticket, _("新工单 %(number)s 由您负责") % {"number": ticket.number})
    return ticket


# --- change ---------------------------------------------------------------------------------------
@transaction.atomic
def ticket_update(*, actor, ticket: Ticket, **fields) -> Ticket:
    """Correct what was registered: title, description, category, severity, product. A new severity gives a
    new priority (under the ticket's own policy version) and new due times; a category with a team moves
    the ticket to that team's queue."""
    _require(actor, perms.TICKET_HANDLE)
    unknown = sorted(set(fields) - set(UPDATABLE))
    if unknown:
        raise ValueError(f"ticket_update cannot change {unknown}")
    ticket = _lock(ticket)
    if not ticket.is_open:
        raise Conflict("ticket_not_open", _("工单已解决或关闭，不能修改；如需继续处理请重新打开。"))
    changed = {}
    for name, value in _cleaned(**fields).items():
        old = getattr(ticket, name)
        if old != value:
            changed[name] = [getattr(old, "pk", old), getattr(value, "pk", value)]
            setattr(ticket, name, value)
    if not changed:
        return ticket
    now = clock.now()
    if "severity" in changed:
        _classify(ticket, ticket.policy_version)
        sla.refresh(ticket, now)
    if "category" in changed and ticket.category is not None and ticket.category.team_id:
        ticket.department = ticket.category.team
    _save(ticket, now, *changed, "priority", "priority_rank", "strategic", "handle_first", *sla.REFRESHED,
          "department")
    if "description" in changed:
        changed["description"] = None  # the text itself stays on the ticket, not in the audit trail
    _event(ticket, actor, "update", note=join_list(str(Ticket._meta.get_field(name).verbose_name) for name in changed))
    audit.record(actor, actions.TICKET_UPDATE, ticket, {"changed": changed, "priority": ticket.priority})
    return ticket


@transaction.atomic
def ticket_assign(*, actor, ticket: Ticket, responsible, note: str = "") -> Ticket:
    """Give the ticket to ``responsible`` (SVC-4); a new ticket becomes assigned."""
    _require(actor, perms.TICKET_ASSIGN)
    ticket = _lock(ticket)
    if not ticket.is_open:
        raise Conflict("ticket_not_open", _("工单已解决或关闭，不能改派；如需继续处理请重新打开。"))
    responsible = routing.responsible_for(given=responsible)
    if responsible.pk == ticket.responsible_id:
        raise Conflict("ticket_same_responsible", _("%(name)s 已是该工单的责任人。") % {"name": responsible})
    previous, before = ticket.responsible_id, ticket.status
    ticket.responsible = responsible
    if ticket.status == Status.NEW:
        ticket.status = Status.ASSIGNED
    _save(ticket, clock.now(), "responsible", "status")
    note = _text(note, "note", _("说明"), required=False)
    _event(ticket, actor, "assign", before=before, note=note or str(responsible))
    audit.record(actor, actions.TICKET_ASSIGN, ticket, {"from": previous, "to": responsible.pk, "note": note})
    _notify_responsible(ticket, _("工单 %(number)s 已改由您负责") % {"number": ticket.number})
    return ticket


@transaction.atomic
def ticket_respond(*, actor, ticket: Ticket, note: str) -> Ticket:
    """The first response to the customer (SVC-3); a new or assigned ticket goes in progress."""
    _require(actor, perms.TICKET_HANDLE)
    ticket = _lock(ticket)
    note = _text(note, "note", _("响应内容"))
    if ticket.first_response_at is not None:
        raise Conflict("ticket_already_responded", _("该工单已于 %(at)s 首次响应。") % {
            "at": f"{ticket.first_response_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"})
    if not ticket.is_open:
        raise Conflict("ticket_not_open", _("工单已解决或关闭。"))
    now, before = clock.now(), ticket.status
    _record_response(ticket, now)
    if ticket.status in (Status.NEW, Status.ASSIGNED, Status.REOPENED):
        ticket.status = Status.IN_PROGRESS
    _save(ticket, now, "first_response_at", "response_state", "status")
    _event(ticket, actor, "respond", before=before, note=note, at=now)
    audit.record(actor, actions.TICKET_RESPOND, ticket, {"response_state": ticket.response_state, "from": before,
                                                         "to": ticket.status})
    return ticket


def _record_response(ticket: Ticket, now: dt.datetime) -> None:
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        ticket.response_state = sla.met_or_breached(now, ticket.first_response_due)


# --- transitions ----------------------------------------------------------------------------------
def _refuse(ticket: Ticket, to: str) -> DomainError:
    names = dict(Status.choices)
    allowed = workflow.available(ticket)
    return Conflict("ticket_transition_refused", _("工单状态为“%(status)s”，不能改为“%(to)s”（可改为：%(allowed)s）。") % {
        "status": names[ticket.status], "to": names.get(to, to),
        "allowed": join_list(str(names[s]) for s in allowed) or _("无")}, field="to")


def _enter_waiting(ticket: Ticket, now: dt.datetime) -> list[str]:
    ticket.pauses = [*ticket.pauses, [now.isoformat(), None]]
    return ["pauses"]


def _leave_waiting(ticket: Ticket, now: dt.datetime) -> list[str]:
    """Close the open pause and move the due times on by the counted time it covered."""
    ticket.pauses = [[start, end or now.isoformat()] for start, end in ticket.pauses]
    return ["pauses", *sla.refresh(ticket, now)]


def _resolve(ticket: Ticket, now: dt.datetime, cause, solution) -> list[str]:
    ticket.cause = _text(cause, "cause", _("原因分析"))
    ticket.solution = _text(solution, "solution", _("解决方案"))
    ticket.resolved_at = now
    ticket.sla_state = sla.met_or_breached(now, ticket.resolution_due)
    return ["cause", "solution", "resolved_at", "sla_state"]


def _close(ticket: Ticket, now: dt.datetime, actor, by_customer: bool) -> list[str]:
    if actor is not None and not by_customer:
        days = ticket.policy_version.section("sla").auto_close_days
        raise DomainError("ticket_close_needs_customer", _(
            "关闭工单须经客户确认；客户未确认的，解决 %(days)d 天后自动关闭。") % {"days": days}, field="by_customer")
    ticket.closed_at, ticket.closed_by_customer = now, by_customer
    return ["closed_at", "closed_by_customer"]


def _reopen(ticket: Ticket, now: dt.datetime) -> list[str]:
    """Back to work: the time it spent resolved did not count (the company thought it done), so it becomes
    a pause and the resolution clock goes on from where it stopped."""
    ticket.pauses = [*ticket.pauses, [ticket.resolved_at.isoformat(), now.isoformat()]]
    ticket.resolved_at = ticket.closed_at = None
    ticket.closed_by_customer = False
    ticket.reopen_count += 1
    return ["pauses", "resolved_at", "closed_at", "closed_by_customer", "reopen_count", *sla.refresh(ticket, now)]


@transaction.atomic
def ticket_transition(*, actor, ticket: Ticket, to: str, note: str = "", cause=None, solution=None,
                      by_customer: bool = False) -> Ticket:
    """Move the ticket along the workflow (SVC-4, kehu.service.workflow). Waiting on the customer pauses
    the clocks and leaving it resumes them; resolving needs the cause and the solution; closing needs the
    customer's confirmation (``by_customer``) unless the system closes it (``actor`` None: auto-close);
    the first move to in progress is the first response."""
    _require(actor, perms.TICKET_HANDLE)
    ticket = _lock(ticket)
    if not workflow.allowed(ticket.status, to):
        raise _refuse(ticket, to)
    note = _text(note, "note", _("说明"), required=False)
    now, before = clock.now(), ticket.status
    fields = ["status"]
    if before == Status.WAITING:
        fields += _leave_waiting(ticket, now)
    if to == Status.WAITING:
        fields += _enter_waiting(ticket, now)
    elif to == Status.IN_PROGRESS:
        _record_response(ticket, now)
        fields += ["first_response_at", "response_state"]
    elif to == Status.RESOLVED:
        fields += _resolve(ticket, now, cause, solution)
    elif to == Status.CLOSED:
        fields += _close(ticket, now, actor, by_customer)
    elif to == Status.REOPENED:
        fields += _reopen(ticket, now)
    ticket.status = to
    _save(ticket, now, *dict.fromkeys(fields))
    _event(ticket, actor, "transition", before=before, note=note, at=now)
    if to == Status.CLOSED:
        callbacks.on_closed(ticket)  # SVC-5: the proactive callback task
    audit.record(actor, actions.TICKET_TRANSITION, ticket, {
        "from": before, "to": to, "note": note, "by_customer": by_customer, "sla_state": ticket.sla_state,
        "resolution_due": ticket.resolution_due.isoformat()})
    return ticket


@transaction.atomic
def ticket_feedback(*, actor, ticket: Ticket, feedback: str) -> Ticket:
    """Record the result as fed back to the customer (SVC-4: 处理结果反馈客户), once the ticket is resolved."""
    _require(actor, perms.TICKET_HANDLE)
    ticket = _lock(ticket)
    if ticket.status not in (Status.RESOLVED, Status.CLOSED):
        raise Conflict("ticket_not_resolved", _("工单解决后才能记录反馈客户的处理结果。"), field="feedback")
    now = clock.now()
    ticket.customer_feedback, ticket.feedback_at = _text(feedback, "feedback", _("反馈客户内容")), now
    _save(ticket, now, "customer_feedback", "feedback_at")
    _event(ticket, actor, "feedback", note=ticket.customer_feedback, at=now)
    audit.record(actor, actions.TICKET_FEEDBACK, ticket, {"length": len(ticket.customer_feedback)})
    return ticket

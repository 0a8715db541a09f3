"""The ticket page (SVC-3, SVC-4): the facts, the two clocks, cause/solution/feedback, the history, and a form
for each step the workflow allows now and the user may take. Forms post; the services validate; a
DomainError lands on the form, which the page shows again (400) with what was typed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kehu.core import clock
from kehu.core.errors import DomainError
from kehu.customers.views import _adapt
from kehu.org.forms import add_domain_error
from kehu.org.models import Role
from kehu.policy.selectors import tier_names
from kehu.service import permissions as perms
from kehu.service import selectors, services, workflow
from kehu.service.forms import AssignForm, FeedbackForm, NoteForm, ResolveForm, TicketEditForm
from kehu.service.models import Status, Ticket
from kehu.web.decorators import permission_required


@dataclass(frozen=True)
class Action:
    """One button of the ticket page: when it shows, its form, and the service call it makes."""

    label: object
    permission: str
    form: Callable[..., forms.Form]
    shown: Callable[[Ticket, list], bool]  # (ticket, the statuses workflow.available allows)
    run: Callable[..., Ticket]  # (actor, ticket, cleaned_data) -> Ticket
    primary: bool = False


def _move(to: str, **extra) -> Callable[..., Ticket]:
    def run(actor, ticket, data):
        return services.ticket_transition(actor=actor, ticket=ticket, to=to, note=data.get("note", ""),
                                          cause=data.get("cause"), solution=data.get("solution"), **extra)
    return run


ACTIONS: dict[str, Action] = {
    "respond": Action(gettext_lazy("首次响应"), perms.TICKET_HANDLE, lambda *a, **k: NoteForm(*a, note_required=True, **k),
                      lambda t, to: t.is_open and t.first_response_at is None,
                      lambda actor, t, d: services.ticket_respond(actor=actor, ticket=t, note=d["note"]), primary=True),
    "start": Action(gettext_lazy("开始处理"), perms.TICKET_HANDLE, NoteForm,
                    lambda t, to: Status.IN_PROGRESS in to and t.status != Status.WAITING, _move(Status.IN_PROGRESS),
                    primary=True),
    "wait": Action(gettext_lazy("转为等待客户"), perms.TICKET_HANDLE, NoteForm, lambda t, to: Status.WAITING in to,
                   _move(Status.WAITING)),
    "resume": Action(gettext_lazy("恢复处理"), perms.TICKET_HANDLE, NoteForm,
                     lambda t, to: Status.IN_PROGRESS in to and t.status == Status.WAITING, _move(Status.IN_PROGRESS),
                     primary=True),
    "resolve": Action(gettext_lazy("解决"), perms.TICKET_HANDLE, ResolveForm, lambda t, to: Status.RESOLVED in to,
                      _move(Status.RESOLVED), primary=True),
    "feedback": Action(gettext_lazy("反馈客户"), perms.TICKET_HANDLE, FeedbackForm,
                       lambda t, to: t.status in (Status.RESOLVED, Status.CLOSED),
                       lambda actor, t, d: services.ticket_feedback(actor=actor, ticket=t, feedback=d["feedback"])),
    "close": Action(gettext_lazy("客户确认后关闭"), perms.TICKET_HANDLE, NoteForm, lambda t, to: Status.CLOSED in to,
                    _move(Status.CLOSED, by_customer=True), primary=True),
    "reopen": Action(gettext_lazy("重新打开"), perms.TICKET_HANDLE, NoteForm, lambda t, to: Status.REOPENED in to,
                     _move(Status.REOPENED)),
    "edit": Action(gettext_lazy("修改工单"), perms.TICKET_HANDLE, TicketEditForm, lambda t, to: t.is_open,
                   lambda actor, t, d: services.ticket_update(actor=actor, ticket=t, **d)),
    "assign": Action(gettext_lazy("分派/改派"), perms.TICKET_ASSIGN, AssignForm, lambda t, to: t.is_open,
                     lambda actor, t, d: services.ticket_assign(actor=actor, ticket=t, responsible=d["responsible"],
                                                                note=d["note"])),
}


def _actions(user, ticket: Ticket, bound: tuple[str, forms.Form] | None = None) -> list[tuple[str, Action, forms.Form]]:
    """The steps to show, each with its form (the bound one that failed, else a fresh one). A step that failed
    is shown even when the ticket no longer allows it (another user moved it first): its error says why."""
    allowed = workflow.available(ticket)
    shown = []
    for code, action in ACTIONS.items():
        failed = bound is not None and bound[0] == code
        if failed or (user.has_permission(action.permission) and action.shown(ticket, allowed)):
            form = bound[1] if bound and bound[0] == code else action.form(prefix=code, **_initial(code, ticket))
            shown.append((code, action, form))
    return shown


# The history's words for TicketEvent.action (kehu.service.services and the sweeps write them).
EVENT_LABELS = {
    "open": gettext_lazy("受理"), "update": gettext_lazy("修改"), "assign": gettext_lazy("分派"),
    "respond": gettext_lazy("首次响应"), "transition": gettext_lazy("状态变更"),
    "feedback": gettext_lazy("反馈客户"), "escalate": gettext_lazy("超时升级"),
    "auto_close": gettext_lazy("超期自动关闭"), "rate": gettext_lazy("回访"),
}
STATUS_LABELS = dict(Status.choices)


def _history(ticket: Ticket) -> list:
    events = list(ticket.events.select_related("by"))
    for event in events:
        event.action_label = EVENT_LABELS.get(event.action, event.action)
        moved = event.to_status and event.to_status != event.from_status
        event.to_status_label = STATUS_LABELS.get(event.to_status, event.to_status) if moved else ""
    return events


ESCALATION_TARGETS = {"owner": gettext_lazy("责任人"), "manager": gettext_lazy("直属上级")}


def escalation_label(code: str) -> str:
    """Who an escalation step reached (the policy's ``to``: owner, manager or a role code), in words."""
    if not code or code in ESCALATION_TARGETS:
        return str(ESCALATION_TARGETS.get(code, ""))
    role = Role.objects.filter(code=code).first()
    return role.display_name if role else code


def _initial(code: str, ticket: Ticket) -> dict:
    if code == "assign":
        return {"initial": {"responsible": ticket.responsible_id}}
    if code == "edit":
        return {"initial": TicketEditForm.initial_of(ticket)}
    if code == "feedback" and ticket.customer_feedback:
        return {"initial": {"feedback": ticket.customer_feedback}}
    return {}


def _page(request, ticket: Ticket, bound=None, status: int = 200):
    version = ticket.policy_version
    return render(request, "service/ticket.html", {
        "ticket": ticket, "sla": selectors.sla_view(ticket, clock.now()),
        "tier": tier_names(version=version).get(ticket.customer_tier, ticket.customer_tier),
        "events": _history(ticket), "actions": _actions(request.user, ticket, bound),
        "escalated_to": escalation_label(ticket.escalated_to), "failed": bound[0] if bound else ""}, status=status)


@require_GET
@permission_required(perms.TICKET_VIEW)
def ticket_detail(request, pk: int):
    return _page(request, _adapt(selectors.ticket_for, request.user, pk))


@require_POST
@permission_required(perms.TICKET_VIEW)
def ticket_act(request, pk: int, action: str):
    """Take one step (``ACTIONS``); back to the ticket page, or the page again with the form's errors (400)."""
    step = ACTIONS.get(action)
    if step is None:
        raise Http404
    ticket = _adapt(selectors.ticket_for, request.user, pk)
    if not request.user.has_permission(step.permission):
        raise DjangoPermissionDenied
    form = step.form(request.POST, prefix=action)
    if form.is_valid():
        try:
            step.run(request.user, ticket, form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("%(step)s：已完成。") % {"step": step.label})
            return redirect("service:ticket", pk=pk)
    ticket = _adapt(selectors.ticket_for, request.user, pk)  # as stored: the failed step changed nothing
    return _page(request, ticket, bound=(action, form), status=400)

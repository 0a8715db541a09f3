"""Pages of notifications (inbox, channel preferences, the system admin's webhooks), care (REL-3: tasks,
templates, sending) and customer events (REL-5). Thin: selectors read, services write."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kehu.core import clock
from kehu.core.errors import DomainError
from kehu.customers import selectors as customer_selectors
from kehu.customers.views import _adapt
from kehu.engagement import care, events, notify, webhooks
from kehu.engagement import permissions_care as perms
from kehu.engagement.models import (
    OCCASIONS,
    CareTemplate,
    EventKind,
    InviteChannel,
    NotifyChannel,
    Rsvp,
)
from kehu.org import permissions as org_perms
from kehu.org.models import Department
from kehu.policy.evaluators.base import SHANGHAI
from kehu.web.decorators import permission_required

PAGE_SIZE = 50
PICK_ROWS = 10  # customers offered by the invitation form's search


# --- notifications --------------------------------------------------------------------------------
@require_GET
def notifications(request):
    page = Paginator(notify.inbox(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "engagement/notifications.html", {"page": page})


@require_GET
def notification_badge(request):
    """The top bar's unread count, loaded by htmx after the page: no page pays its query."""
    return render(request, "engagement/_notification_badge.html", {"unread": notify.unread_count(request.user)})


@require_POST
def notifications_read(request):
    ids = [int(pk) for pk in request.POST.getlist("id") if pk.isdigit()] or None
    notify.mark_read(user=request.user, ids=ids)
    return redirect("engagement:notifications")


@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    if request.method == "POST":
        notify.preferences_set(user=request.user, enabled=set(request.POST.getlist("channel")))
        messages.success(request, _("通知方式已保存。"))
        return redirect("engagement:notification_preferences")
    off = notify.opted_out(request.user)
    return render(request, "engagement/notification_preferences.html", {
        "channels": [(value, label, value not in off) for value, label in NotifyChannel.choices]})


# --- webhooks (system configuration) ---------------------------------------------------------------
def _endpoint_fields(request) -> dict:
    department = request.POST.get("department", "")
    return {"name": request.POST.get("name", "").strip()[:60], "format": request.POST.get("format", ""),
            "url": request.POST.get("url", "").strip(),
            "secret": request.POST.get("secret", "") or (None if not request.POST.get("clear_secret") else ""),
            "department": Department.objects.filter(pk=department).first() if department.isdigit() else None,
            "enabled": bool(request.POST.get("enabled"))}


@require_http_methods(["GET", "POST"])
@permission_required(org_perms.SYSTEM_CONFIGURE)
def webhook_list(request):
    if request.method == "POST":
        try:
            notify.endpoint_save(actor=request.user, **_endpoint_fields(request))
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("通知机器人已保存。"))
        return redirect("engagement:webhooks")
    return render(request, "engagement/webhooks.html", {
        "endpoints": notify.endpoints(request.user), "formats": list(webhooks.FORMATS.items()),
        "departments": Department.objects.order_by("path"), "deliveries": notify.delivery_log(request.user)})


@require_http_methods(["GET", "POST"])
@permission_required(org_perms.SYSTEM_CONFIGURE)
def webhook_edit(request, pk: int):
    endpoint = notify.endpoint_for(request.user, pk)
    if request.method == "POST":
        try:
            if request.POST.get("delete"):
                notify.endpoint_delete(actor=request.user, endpoint=endpoint)
                messages.success(request, _("通知机器人已删除。"))
                return redirect("engagement:webhooks")
            notify.endpoint_save(actor=request.user, endpoint=endpoint, **_endpoint_fields(request))
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("通知机器人已保存。"))
        return redirect("engagement:webhook_edit", pk=pk)
    return render(request, "engagement/webhook_edit.html", {
        "endpoint": endpoint, "formats": list(webhooks.FORMATS.items()),
        "departments": Department.objects.order_by("path")})


@require_POST
@permission_required(org_perms.SYSTEM_CONFIGURE)
def webhook_test(request, pk: int):
    result = notify.endpoint_test(actor=request.user, endpoint=notify.endpoint_for(request.user, pk))
    (messages.success if result.ok else messages.error)(request, _("测试消息：%(detail)s") % {
        "detail": result.detail or _("已发送")})
    return redirect("engagement:webhook_edit", pk=pk)


# --- care -----------------------------------------------------------------------------------------
@require_GET
@permission_required(perms.CARE_SEND)
def care_list(request):
    items = care.care_items(request.user, open_only=request.GET.get("all") != "1")
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(item, care.shown_date(request.user, item)) for item in page]
    return render(request, "engagement/care_list.html", {"page": page, "rows": rows,
                                                         "all": request.GET.get("all") == "1"})


@require_http_methods(["GET", "POST"])
@permission_required(perms.CARE_SEND)
def care_detail(request, pk: int):
    item = care.care_item_for(request.user, pk)
    templates = list(care.templates_for(item.occasion))
    chosen = next((t for t in templates if str(t.pk) == request.GET.get("template")), templates[0] if templates else None)
    if request.method == "POST":
        try:
            care.care_send(actor=request.user, item=item, channel=request.POST.get("channel", ""),
                           message=request.POST.get("message", ""), subject=request.POST.get("subject", ""))
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect("engagement:care_detail", pk=pk)
        messages.success(request, _("关怀已记录。"))
        return redirect("engagement:care_list")
    return render(request, "engagement/care_detail.html", {
        "item": item, "shown_date": care.shown_date(request.user, item), "templates": templates, "chosen": chosen,
        "subject": care.render(chosen.subject, item, request.user) if chosen else item.occasion_label,
        "message": care.render(chosen.body, item, request.user) if chosen else ""})


@require_GET
@permission_required(perms.CARE_TEMPLATES)
def care_templates(request):
    return render(request, "engagement/care_templates.html", {
        "templates": CareTemplate.objects.all(), "placeholders": care.PLACEHOLDERS})


@require_http_methods(["GET", "POST"])
@permission_required(perms.CARE_TEMPLATES)
def care_template_edit(request, pk: int | None = None):
    template = get_object_or_404(CareTemplate, pk=pk) if pk else None
    fields = {name: request.POST.get(name, "") for name in ("occasion", "name", "subject", "body")}
    preview = None
    if request.method == "POST":
        try:
            care.check_template(fields["subject"])
            care.check_template(fields["body"])
            if request.POST.get("preview"):
                preview = care.preview(fields["subject"], fields["body"], request.user)
            else:
                template = care.template_save(actor=request.user, template=template,
                                              active=bool(request.POST.get("active")), **fields)
                messages.success(request, _("关怀模板已保存。"))
                return redirect("engagement:care_templates")
        except DomainError as exc:
            messages.error(request, str(exc.message))
    elif template:
        fields = {name: getattr(template, name) for name in fields}
    return render(request, "engagement/care_template_edit.html", {
        "template": template, "fields": fields, "occasions": OCCASIONS, "placeholders": care.PLACEHOLDERS,
        "preview": preview, "active": template.active if template else True})


# --- events ---------------------------------------------------------------------------------------
def _starts_at(value: str) -> dt.datetime:
    moment = parse_datetime(value) if value else None
    if moment is None:
        raise DomainError("invalid_starts_at", _("请填写活动开始时间。"), field="starts_at")
    return moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)


@require_http_methods(["GET", "POST"])
@permission_required(perms.EVENTS_VIEW)
def event_list(request):
    if request.method == "POST":
        try:
            event = _adapt(events.event_save, actor=request.user, title=request.POST.get("title", "")[:200],
                           kind=request.POST.get("kind", ""), starts_at=_starts_at(request.POST.get("starts_at", "")),
                           location=request.POST.get("location", "")[:200],
                           description=request.POST.get("description", ""))
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return redirect("engagement:event_list")
        return redirect("engagement:event_detail", pk=event.pk)
    page = Paginator(events.events_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "engagement/event_list.html", {
        "page": page, "kinds": EventKind.choices, "can_manage": request.user.has_permission(perms.EVENTS_MANAGE)})


@require_GET
@permission_required(perms.EVENTS_VIEW)
def event_detail(request, pk: int):
    return _event_page(request, events.event_for(request.user, pk), {})


def _event_page(request, event, pick: dict):
    page = Paginator(events.invitations_of(request.user, event), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "engagement/event_detail.html", {
        "event": event, "page": page, "channels": InviteChannel.choices, "rsvps": Rsvp.choices,
        "started": event.starts_at <= clock.now(), **pick})


def _invite_pick(request) -> dict:
    """The invitation form's choices: the customers in the user's scope that match the posted search text
    (the customer list's search), and the contacts of the picked customer (404 when out of scope)."""
    q = request.POST.get("q", "").strip()[:100]
    posted = request.POST.get("customer", "")
    picked = _adapt(customer_selectors.customer_for, request.user, int(posted)) if posted.isdigit() else None
    found = list(_adapt(customer_selectors.customers_for, request.user,
                        customer_selectors.CustomerFilters(q=q))[:PICK_ROWS]) if q else []
    if picked is not None and picked.pk not in {customer.pk for customer in found}:
        found.insert(0, picked)
    return {"q": q, "found": found, "picked": picked, "searched": bool(q),
            "contacts": customer_selectors.contacts_of(picked) if picked else [],
            "picked_contact": request.POST.get("contact", "")}


@require_POST
@permission_required(perms.EVENTS_VIEW)
def event_invite_pick(request, pk: int):
    """Search and pick the customer to invite, then its contact: the form's part for htmx, else the page."""
    event = events.event_for(request.user, pk)
    pick = _invite_pick(request)
    if request.htmx:
        return render(request, "engagement/_invite_pick.html", {"event": event, **pick})
    return _event_page(request, event, pick)


def _invite(request, event, customer_pk: int | None = None) -> None:
    """Invite the customer (posted, or given) and the posted contact, both loaded within the user's scope
    (404 otherwise)."""
    posted, contact_pk = request.POST.get("customer", ""), request.POST.get("contact", "")
    if customer_pk is None:
        customer_pk = int(posted) if posted.isdigit() else 0
    customer = _adapt(customer_selectors.customer_for, request.user, customer_pk)
    contact = (_adapt(customer_selectors.contact_for, request.user, customer.pk, int(contact_pk))
               if contact_pk.isdigit() else None)
    try:
        _adapt(events.invite, actor=request.user, event=event, customer=customer, contact=contact,
               channel=request.POST.get("channel", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已邀请。"))


@require_POST
@permission_required(perms.EVENTS_VIEW)
def event_invite(request, pk: int):
    _invite(request, events.event_for(request.user, pk))
    return redirect("engagement:event_detail", pk=pk)


@require_POST
@permission_required(perms.EVENTS_VIEW)
def customer_invite(request, customer_pk: int):
    """The customer page's 活动 tab: invite this customer to the chosen event, back to the tab."""
    event_pk = request.POST.get("event", "")
    _invite(request, events.event_for(request.user, int(event_pk) if event_pk.isdigit() else 0),
            customer_pk=customer_pk)
    return redirect(f"{reverse('customers:detail', args=[customer_pk])}?tab=events#tabs")


def events_tab(request, customer) -> dict:
    """The customer page's 活动 tab (kehu.customers.views.register_tab): its invitations, and inviting it to
    an upcoming event for those who may."""
    may_invite = request.user.has_permission(perms.EVENTS_VIEW)
    return {"invitations": events.invitations_of_customer(customer)[:PAGE_SIZE],
            "upcoming": list(events.upcoming_events(request.user)[:PAGE_SIZE]) if may_invite else [],
            "invite_contacts": customer_selectors.contacts_of(customer) if may_invite else [],
            "invite_channels": InviteChannel.choices}


@require_POST
@permission_required(perms.EVENTS_VIEW)
def event_respond(request, pk: int, invitation_pk: int):
    event = events.event_for(request.user, pk)
    invitation = events.invitation_for(request.user, event, invitation_pk)
    attended = {"yes": True, "no": False}.get(request.POST.get("attended", ""))
    try:
        events.respond(actor=request.user, invitation=invitation, rsvp=request.POST.get("rsvp") or None,
                       attended=attended)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("engagement:event_detail", pk=pk)

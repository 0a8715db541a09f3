"""Customer events (REL-5): 感恩活动, 座谈会 … with invitations, replies and attendance.

An event is seen across its organiser's company (salespeople invite their customers to the marketing
department's events); an invitation is seen by whoever sees its customer, and only such a user may invite or record a reply or attendance. Inviting by e-mail
or SMS is marketing to a person (PRIV-1): refused unless ``marketing_allowed`` for that channel; an
enterprise customer is invited through its contacts. Attendance appears on the customer's timeline.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.compliance import audit
from kehu.compliance.audit import register_action
from kehu.core import clock
from kehu.core.errors import DomainError
from kehu.customers import consent, timeline
from kehu.customers.models import Contact, Customer
from kehu.engagement import permissions_care as perms
from kehu.engagement.models import Event, EventKind, Invitation, InviteChannel, Rsvp
from kehu.org import roles
from kehu.org.access import require_permission

EVENT_SAVE = register_action("event.save", gettext_lazy("保存客户活动"))
EVENT_INVITE = register_action("event.invite", gettext_lazy("邀请客户参加活动"))
EVENT_RESPONSE = register_action("event.response", gettext_lazy("登记活动回复与出席"))
CONSENT_CHANNELS = {InviteChannel.EMAIL: "email", InviteChannel.SMS: "sms"}


# --- reads ----------------------------------------------------------------------------------------
def events_for(user) -> QuerySet:
    require_permission(user, perms.EVENTS_VIEW)
    rows = Event.objects.all()
    if user.data_scope != roles.ALL:
        company = user.company
        rows = rows.filter(Q(organiser=user) | Q(department__company=company) if company else Q(organiser=user))
    return (rows.select_related("organiser")
            .annotate(invited=Count("invitations"), attended=Count("invitations", filter=Q(invitations__attended=True)))
            .order_by("-starts_at", "-id"))


def event_for(user, pk: int) -> Event:
    event = events_for(user).filter(pk=pk).first()
    if event is None:
        raise Http404(_("活动不存在，或不在您的数据范围内。"))
    return event


def invitations_of(user, event: Event) -> QuerySet:
    """The event's invitations of the customers the user sees."""
    return (Invitation.objects.filter(event=event, customer__in=Customer.objects.visible_to(user))
            .select_related("customer", "contact"))


def invitations_of_customer(customer) -> QuerySet:
    """A customer's invitations, newest event first (the customer page's 活动 tab; the caller sees the customer)."""
    return (Invitation.objects.filter(customer=customer).select_related("event", "contact")
            .order_by("-event__starts_at", "id"))


def upcoming_events(user) -> QuerySet:
    return events_for(user).filter(starts_at__gte=clock.now()).order_by("starts_at", "id")


def invitation_for(user, event: Event, pk: int) -> Invitation:
    invitation = invitations_of(user, event).filter(pk=pk).first()
    if invitation is None:
        raise Http404(_("邀请不存在，或不在您的数据范围内。"))
    return invitation


# --- writes ---------------------------------------------------------------------------------------
@transaction.atomic
def event_save(*, actor, event: Event | None = None, title: str, kind: str, starts_at: dt.datetime,
               location: str = "", description: str = "") -> Event:
    require_permission(actor, perms.EVENTS_MANAGE)
    if kind not in EventKind.values:
        raise DomainError("invalid_kind", _("未知的活动类型。"), field="kind")
    if not title.strip():
        raise DomainError("title_required", _("请填写活动名称。"), field="title")
    created = event is None
    event = event or Event(organiser=actor, department=actor.department)
    event.title, event.kind, event.starts_at, event.location, event.description = (
        title.strip(), kind, starts_at, location, description)
    event.save()
    audit.record(actor, EVENT_SAVE, event, {"created": created, "title": event.title, "kind": kind,
                                            "starts_at": starts_at.isoformat()})
    return event


@transaction.atomic
def invite(*, actor, event: Event, customer: Customer, contact: Contact | None, channel: str) -> Invitation:
    """Invite a customer (or one of its contacts); the caller loaded both through the actor's selectors."""
    require_permission(actor, perms.EVENTS_VIEW)
    if channel not in InviteChannel.values:
        raise DomainError("invalid_channel", _("未知的邀请方式。"), field="channel")
    if contact is not None and contact.customer_id != customer.pk:
        raise DomainError("contact_mismatch", _("联系人不属于该客户。"), field="contact")
    data = {"event": event.pk, "contact": contact.pk if contact else None, "channel": channel}
    if channel in CONSENT_CHANNELS:
        decision = consent.marketing_allowed(contact or customer, CONSENT_CHANNELS[channel])
        if not decision:
            raise DomainError(f"consent_{decision.reason}", decision.message, field="channel", status=409)
        data["consent_record"] = decision.record_id
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(event=event, customer=customer, contact=contact, channel=channel,
                                                   invited_by=actor)
    except IntegrityError:
        raise DomainError("already_invited", _("已邀请过。"), status=409) from None
    audit.record(actor, EVENT_INVITE, customer, data)
    return invitation


@transaction.atomic
def respond(*, actor, invitation: Invitation, rsvp: str | None = None, attended: bool | None = None) -> Invitation:
    """Record the reply and/or the attendance (after the event has started)."""
    require_permission(actor, perms.EVENTS_VIEW)
    if rsvp is not None and rsvp not in Rsvp.values:
        raise DomainError("invalid_rsvp", _("未知的回复。"), field="rsvp")
    if attended is not None and invitation.event.starts_at > clock.now():
        raise DomainError("not_started", _("活动尚未开始，不能登记出席。"), field="attended")
    if rsvp is not None:
        invitation.rsvp = rsvp
    if attended is not None:
        invitation.attended, invitation.attendance_at = attended, clock.now()
    invitation.save(update_fields=["rsvp", "attended", "attendance_at"])
    audit.record(actor, EVENT_RESPONSE, invitation.customer,
                 {"event": invitation.event_id, "invitation": invitation.pk, "rsvp": invitation.rsvp,
                  "attended": invitation.attended})
    return invitation


# --- merging duplicates (INFO-5) -------------------------------------------------------------------
def move_invitations(*, source, target, actor) -> int:
    """A merged duplicate's invitations go to the survivor; where both were invited to the same event as a
    customer (no contact), the survivor's invitation stays and the duplicate's goes."""
    moving = Invitation.objects.filter(customer=source)
    both = Invitation.objects.filter(customer=target, contact__isnull=True).values("event_id")
    moving.filter(contact__isnull=True, event_id__in=both).delete()
    return moving.update(customer=target)


# --- the customer timeline ------------------------------------------------------------------------
def _timeline_rows(customer, user):
    return (Invitation.objects.filter(customer=customer, attended=True)
            .values(**timeline.columns("event", at="attendance_at", actor="invited_by", ref="event_id",
                                       t1="event__title", t2="contact__name")))


def _timeline_event(customer, row) -> timeline.TimelineEvent:
    title = _("出席活动：%(title)s") % {"title": row["t1"]}
    return timeline.TimelineEvent(at=row["at"], kind="event", title=title, detail=row["t2"],
                                  actor_name=row["actor"], url=reverse("engagement:event_detail", args=[row["ref"]]))


def register_timeline() -> None:
    timeline.register("event", rows=_timeline_rows, event=_timeline_event)

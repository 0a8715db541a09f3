"""/api/v1/notifications (mine; mark read), /api/v1/care-tasks (mine; send or record) and /api/v1/events
(events, invitations, replies and attendance): the same selectors and services as the pages.
A send or an invitation refused for lack of marketing consent is a 409 whose ``code`` is
``consent_<reason>`` (``consent_never_asked``, ``consent_opted_out``, …)."""


import datetime as dt

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from kehu.core.idempotency import idempotent
from kehu.core.pagination import LimitOffsetPagination
from kehu.customers import selectors as customer_selectors
from kehu.engagement import care, events, notify

notifications_router = Router(tags=["notifications"])
care_router = Router(tags=["care"])
events_router = Router(tags=["events"])


# --- notifications --------------------------------------------------------------------------------
class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class ReadIn(Schema):
    ids: list[int] | None = Field(None, description="不填则全部标为已读")


class CountOut(Schema):
    count: int


@notifications_router.get("", response=list[NotificationOut], summary="我的通知")
@paginate(LimitOffsetPagination)
def notification_list(request, unread: bool = False):
    rows = notify.inbox(request.auth)
    return rows.filter(read_at__isnull=True) if unread else rows


@notifications_router.get("/unread-count", response=CountOut, summary="未读通知数")
def notification_unread(request):
    return {"count": notify.unread_count(request.auth)}


@notifications_router.post("/read", response=CountOut, summary="标为已读")
def notification_read(request, payload: ReadIn):
    return {"count": notify.mark_read(user=request.auth, ids=payload.ids)}


# --- care -----------------------------------------------------------------------------------------
class CareTaskOut(Schema):
    id: int
    task_id: int
    customer_id: int
    contact_id: int | None
    occasion: str
    occasion_label: str
    date: dt.date | None = Field(description="生日对看不到联系人生日的角色不显示")
    title: str
    sent_at: dt.datetime | None
    sent_channel: str


def _care_out(user, item) -> dict:
    return {"id": item.pk, "task_id": item.task_id, "customer_id": item.customer_id, "contact_id": item.contact_id,
            "occasion": item.occasion, "occasion_label": item.occasion_label, "date": care.shown_date(user, item),
            "title": item.task.title, "sent_at": item.sent_at, "sent_channel": item.sent_channel}


class CareSendIn(Schema):
    channel: str = Field(description="email（须本人同意邮件营销）或 record（仅记录）")
    message: str
    subject: str = ""


@care_router.get("", response=list[CareTaskOut], summary="我的客户关怀任务")
@paginate(LimitOffsetPagination)
def care_list(request, open_only: bool = True):
    return [_care_out(request.auth, item) for item in care.care_items(request.auth, open_only=open_only)]


@care_router.get("/{int:item_id}", response=CareTaskOut, summary="一项客户关怀任务")
def care_detail(request, item_id: int):
    return _care_out(request.auth, care.care_item_for(request.auth, item_id))


@care_router.post("/{int:item_id}/send", response=CareTaskOut, summary="发送或记录关怀")
def care_send(request, item_id: int, payload: CareSendIn):
    item = care.care_send(actor=request.auth, item=care.care_item_for(request.auth, item_id), **payload.dict())
    return _care_out(request.auth, item)


# --- events ---------------------------------------------------------------------------------------
class EventOut(Schema):
    id: int
    title: str
    kind: str
    starts_at: dt.datetime
    location: str
    description: str
    organiser_id: int
    invited: int
    attended: int


class EventIn(Schema):
    title: str
    kind: str
    starts_at: dt.datetime
    location: str = ""
    description: str = ""


class InvitationOut(Schema):
    id: int
    customer_id: int
    contact_id: int | None
    channel: str
    rsvp: str
    attended: bool | None
    invited_at: dt.datetime


class InvitationIn(Schema):
    customer_id: int
    contact_id: int | None = None
    channel: str


class ResponseIn(Schema):
    rsvp: str | None = None
    attended: bool | None = None


@events_router.get("", response=list[EventOut], summary="客户活动")
@paginate(LimitOffsetPagination)
def event_list(request):
    return events.events_for(request.auth)


@events_router.post("", response={201: EventOut}, summary="新建客户活动")
@idempotent
def event_create(request, payload: EventIn):
    event = events.event_save(actor=request.auth, **payload.dict())
    return Status(201, events.event_for(request.auth, event.pk))


@events_router.get("/{int:event_id}", response=EventOut, summary="一项客户活动")
def event_detail(request, event_id: int):
    return events.event_for(request.auth, event_id)


@events_router.get("/{int:event_id}/invitations", response=list[InvitationOut], summary="活动邀请（您能看到的客户）")
@paginate(LimitOffsetPagination)
def invitation_list(request, event_id: int):
    return events.invitations_of(request.auth, events.event_for(request.auth, event_id))


@events_router.post("/{int:event_id}/invitations", response={201: InvitationOut}, summary="邀请客户")
@idempotent
def invitation_create(request, event_id: int, payload: InvitationIn):
    event = events.event_for(request.auth, event_id)
    customer = customer_selectors.customer_for(request.auth, payload.customer_id)
    contact = (customer_selectors.contact_for(request.auth, customer.pk, payload.contact_id)
               if payload.contact_id else None)
    return Status(201, events.invite(actor=request.auth, event=event, customer=customer, contact=contact,
                                     channel=payload.channel))


@events_router.post("/{int:event_id}/invitations/{int:invitation_id}/response", response=InvitationOut,
                    summary="登记回复或出席")
def invitation_respond(request, event_id: int, invitation_id: int, payload: ResponseIn):
    invitation = events.invitation_for(request.auth, events.event_for(request.auth, event_id), invitation_id)
    return events.respond(actor=request.auth, invitation=invitation, rsvp=payload.rsvp, attended=payload.attended)

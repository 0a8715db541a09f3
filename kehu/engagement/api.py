"""/api/v1/followups and /api/v1/tasks (REL-1, REL-4): thin adapters over the selectors and services."""

import datetime as dt
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kehu.core.idempotency import idempotent
from kehu.core.pagination import LimitOffsetPagination
from kehu.customers import selectors as customer_selectors
from kehu.customers.api import CountedPagination
from kehu.engagement import permissions as perms
from kehu.engagement import selectors, services
from kehu.engagement.models import FollowUp, FollowUpKind, Task
from kehu.org.access import require_permission

router = Router(tags=["followups"])
tasks_router = Router(tags=["tasks"])


class FollowUpOut(Schema):
    id: int
    customer_id: int
    customer: str
    contact_id: int | None
    contact: str | None
    kind: str = Field(description="phone 电话 / visit 拜访 / email 邮件 / wechat 微信 / sms 短信 / meeting 会议 / event 活动")
    happened_at: dt.datetime
    by: str
    content: str
    outcome: str
    next_step: str
    next_date: dt.date | None
    created_at: dt.datetime

    @staticmethod
    def resolve_customer(obj: FollowUp) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_contact(obj: FollowUp) -> str | None:
        return obj.contact.name if obj.contact_id else None

    @staticmethod
    def resolve_by(obj: FollowUp) -> str:
        return obj.by.full_name or obj.by.username


class FollowUpIn(Schema):
    customer_id: int
    kind: FollowUpKind
    content: str = Field(max_length=services.CONTENT_MAX)
    happened_at: dt.datetime | None = Field(None, description="默认为现在；不能晚于现在")
    contact_id: int | None = Field(None, description="该客户的联系人")
    outcome: str = ""
    next_step: str = Field("", max_length=200)
    next_date: dt.date | None = Field(None, description="下次跟进日期：为记录人生成一条到期待办")


class FollowUpFilters(Schema):
    customer_id: int | None = None
    by_id: int | None = Field(None, description="记录人的用户 id")
    kind: FollowUpKind | None = None
    since: dt.date | None = Field(None, description="跟进日期不早于")
    until: dt.date | None = Field(None, description="跟进日期不晚于")


@router.get("", response=list[FollowUpOut])
@paginate(CountedPagination)
def followup_list(request, filters: Query[FollowUpFilters]):
    """Follow-ups of the customers in the caller's scope, newest first."""
    return selectors.followups_for(request.auth, selectors.FollowUpFilters(
        customer=filters.customer_id, by=filters.by_id, kind=filters.kind or "", since=filters.since,
        until=filters.until))


@router.get("/{int:followup_id}", response=FollowUpOut)
def followup_detail(request, followup_id: int):
    return selectors.followup_for(request.auth, followup_id)


@router.post("", response={201: FollowUpOut})
@idempotent
def followup_create(request, payload: FollowUpIn):
    """Record a follow-up: moves the customer's last contact (the pool clock), closes the reminders it
    answers, and with ``next_date`` creates the caller's follow-up task."""
    require_permission(request.auth, perms.FOLLOWUP_RECORD)
    customer = customer_selectors.customer_for(request.auth, payload.customer_id)
    data = payload.dict(exclude={"customer_id", "contact_id"})
    data["contact"] = services.contact_of(customer, payload.contact_id)
    followup = services.followup_record(actor=request.auth, customer=customer, data=data, entry_point="api")
    return Status(201, selectors.followup_for(request.auth, followup.pk))


class TaskOut(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    customer_id: int | None
    due_date: dt.date
    status: str = Field(description="open 待办 / done 已完成 / cancelled 已取消")
    done_at: dt.datetime | None
    created_at: dt.datetime


class TaskFilters(Schema):
    status: Literal["open", "done", "cancelled", "all"] = Field("open", description="默认只列待办；all 列全部")
    due_by: dt.date | None = Field(None, description="到期日不晚于（含逾期）")


@tasks_router.get("", response=list[TaskOut])
@paginate(LimitOffsetPagination)
def task_list(request, filters: Query[TaskFilters]):
    """The caller's own tasks, soonest due first."""
    return selectors.tasks_for(request.auth, status="" if filters.status == "all" else filters.status, due_by=filters.due_by)


@tasks_router.post("/{int:task_id}/complete", response=TaskOut)
def task_complete(request, task_id: int) -> Task:
    return services.task_complete(actor=request.auth, task=selectors.task_for(request.auth, task_id))

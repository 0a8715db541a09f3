"""/api/v1/tickets (SVC-1..5, FB-2): the queue with its filters, one ticket with its history, and every step of
its workflow, as thin adapters over kehu.service.selectors and services; the same scope and permissions as
the pages (seeing needs service.ticket.view; a ticket out of scope is 404; each step checks its own right).

The reporter's phone and e-mail are personal information: they are not part of the API's ticket (the ticket
page shows them to those handling it)."""


import datetime as dt

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kehu.core.errors import DomainError
from kehu.core.idempotency import idempotent
from kehu.customers import selectors as customer_selectors
from kehu.customers.api import CountedPagination
from kehu.engagement.services import contact_of
from kehu.org.access import require_permission
from kehu.org.models import User
from kehu.service import permissions as perms
from kehu.service import selectors, services, workflow
from kehu.service.models import Channel, Priority, Severity, SlaState, TicketCategory, TicketKind
from kehu.service.models import Status as TicketStatus
from kehu.service.services_rating import COMMENT_MAX

router = Router(tags=["tickets"])


class TicketOut(Schema):
    id: int
    number: str = Field(description="工单号（客户查询进度用）")
    kind: str = Field(description="inquiry / complaint / suggestion / after_sales / quality")
    channel: str
    category_id: int | None
    category: str | None
    severity: str
    priority: str
    strategic: bool
    handle_first: bool = Field(description="先处理后分清责任")
    title: str
    product: str
    customer_id: int | None
    customer: str | None
    reporter_name: str
    reporter_company: str
    status: str
    responsible_id: int
    responsible: str
    department_id: int | None
    opened_at: dt.datetime
    first_response_due: dt.datetime
    first_response_at: dt.datetime | None
    resolution_due: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    response_state: str = Field(description="on_track / due_soon / breached / met")
    sla_state: str = Field(description="on_track / due_soon / breached / met")
    escalated_to: str
    repeat: bool = Field(description="重复投诉")
    satisfaction: int | None = Field(description="回访满意度 1–5")

    @staticmethod
    def resolve_category(obj) -> str | None:
        return obj.category.display_name if obj.category_id else None

    @staticmethod
    def resolve_customer(obj) -> str | None:
        return obj.customer.name if obj.customer_id else None

    @staticmethod
    def resolve_responsible(obj) -> str:
        return obj.responsible.full_name or obj.responsible.username


class EventOut(Schema):
    at: dt.datetime
    by: str | None
    action: str
    from_status: str
    to_status: str
    note: str

    @staticmethod
    def resolve_by(obj) -> str | None:
        return (obj.by.full_name or obj.by.username) if obj.by_id else None


class TicketDetailOut(TicketOut):
    description: str
    contact_id: int | None
    commitment_id: int | None
    policy_version: int
    cause: str
    solution: str
    customer_feedback: str
    feedback_at: dt.datetime | None
    closed_by_customer: bool
    reopen_count: int
    rating_comment: str
    rated_at: dt.datetime | None
    available: list[str] = Field(description="现在可转到的状态")
    events: list[EventOut]

    @staticmethod
    def resolve_policy_version(obj) -> int:
        return obj.policy_version.number

    @staticmethod
    def resolve_available(obj) -> list[str]:
        return workflow.available(obj)

    @staticmethod
    def resolve_events(obj) -> list:
        return obj.events.select_related("by").order_by("at", "id")


class TicketFilters(Schema):
    team: int | None = Field(None, description="处理团队（部门 id）")
    status: TicketStatus | None = Field(None, description="默认为全部未关闭的状态")
    kind: TicketKind | None = None
    priority: Priority | None = None
    sla_state: SlaState | None = None
    mine: bool = Field(False, description="只看我负责的")


@router.get("", response=list[TicketOut], summary="工单队列")
@paginate(CountedPagination)
def ticket_list(request, filters: Query[TicketFilters]):
    """The queue in the caller's scope: strategic customers first, then priority, then the resolution due."""
    return selectors.queue(request.auth, **filters.dict())


def _detail(user, ticket_id: int):
    """One ticket in scope (service.ticket.view: the selectors check it); its history is read with it."""
    return selectors.ticket_for(user, ticket_id)


@router.get("/{int:ticket_id}", response=TicketDetailOut, summary="一张工单及其处理记录")
def ticket_detail(request, ticket_id: int):
    return _detail(request.auth, ticket_id)


class TicketIn(Schema):
    kind: TicketKind
    channel: Channel
    title: str = Field(max_length=services.TITLE_MAX)
    description: str = Field(max_length=services.TEXT_MAX)
    customer_id: int | None = Field(None, description="您数据范围内的客户；不填时须填写反映人姓名或单位")
    contact_id: int | None = Field(None, description="该客户的联系人")
    category_id: int | None = None
    severity: Severity = Severity.NORMAL
    product: str = Field("", max_length=100)
    reporter_name: str = Field("", max_length=50)
    reporter_company: str = Field("", max_length=200)
    reporter_phone: str = Field("", max_length=20)
    reporter_email: str = Field("", max_length=254)
    responsible_id: int | None = Field(None, description="指定责任人（需分派权限）；默认按分类、客户负责人、客服专员")


def _colleague(actor, user_id: int, field: str) -> User:
    """A user of the actor's company (a responsible person named by id)."""
    company = actor.department.company_id if actor.department_id else None
    user = User.objects.filter(pk=user_id, department__company_id=company).first()
    if user is None:
        raise DomainError("user_not_found", _("用户不存在，或不属于本公司。"), field=field, status=422)
    return user


def _category(category_id: int | None) -> TicketCategory | None:
    if category_id is None:
        return None
    category = TicketCategory.objects.filter(pk=category_id).first()
    if category is None:
        raise DomainError("ticket_category_not_found", _("工单分类不存在。"), field="category_id", status=422)
    return category


@router.post("", response={201: TicketDetailOut}, summary="登记工单")
@idempotent
def ticket_open(request, payload: TicketIn):
    """Register a ticket from any channel (service.ticket.handle); priority, queue, responsible person, SLA due
    times and the repeat flag are set as on the page. Idempotency-Key accepted."""
    user = request.auth
    require_permission(user, perms.TICKET_HANDLE)
    customer = customer_selectors.customer_for(user, payload.customer_id) if payload.customer_id else None
    if payload.contact_id is not None and customer is None:
        raise DomainError("ticket_contact_mismatch", _("联系人不属于该客户。"), field="contact_id", status=422)
    ticket = services.ticket_open(
        actor=user, customer=customer, contact=contact_of(customer, payload.contact_id) if customer else None,
        category=_category(payload.category_id),
        responsible=_colleague(user, payload.responsible_id, "responsible_id") if payload.responsible_id else None,
        **payload.dict(include={"kind", "channel", "title", "description", "severity", "product", "reporter_name",
                                "reporter_company", "reporter_phone", "reporter_email"}))
    return Status(201, _detail(user, ticket.pk))


class AssignIn(Schema):
    responsible_id: int
    note: str = Field("", max_length=services.TEXT_MAX)


class RespondIn(Schema):
    note: str = Field(max_length=services.TEXT_MAX, description="首次响应的内容")


class TransitionIn(Schema):
    to: TicketStatus
    note: str = Field("", max_length=services.TEXT_MAX)
    cause: str | None = Field(None, description="转为已解决时必填：原因分析")
    solution: str | None = Field(None, description="转为已解决时必填：解决方案")
    by_customer: bool = Field(False, description="转为已关闭：客户已确认")


class FeedbackIn(Schema):
    feedback: str = Field(max_length=services.TEXT_MAX, description="反馈给客户的处理结果")


@router.post("/{int:ticket_id}/assign", response=TicketDetailOut, summary="分派或改派")
def ticket_assign(request, ticket_id: int, payload: AssignIn):
    """Give the ticket to another person (service.ticket.assign)."""
    ticket = selectors.ticket_for(request.auth, ticket_id)
    services.ticket_assign(actor=request.auth, ticket=ticket, note=payload.note,
                           responsible=_colleague(request.auth, payload.responsible_id, "responsible_id"))
    return _detail(request.auth, ticket_id)


@router.post("/{int:ticket_id}/respond", response=TicketDetailOut, summary="首次响应")
def ticket_respond(request, ticket_id: int, payload: RespondIn):
    services.ticket_respond(actor=request.auth, ticket=selectors.ticket_for(request.auth, ticket_id), note=payload.note)
    return _detail(request.auth, ticket_id)


@router.post("/{int:ticket_id}/transition", response=TicketDetailOut, summary="变更状态")
def ticket_transition(request, ticket_id: int, payload: TransitionIn):
    """Move the ticket along the workflow; ``available`` in the detail lists where it may go now."""
    services.ticket_transition(actor=request.auth, ticket=selectors.ticket_for(request.auth, ticket_id), to=payload.to.value,
                               note=payload.note, cause=payload.cause, solution=payload.solution,
                               by_customer=payload.by_customer)
    return _detail(request.auth, ticket_id)


@router.post("/{int:ticket_id}/feedback", response=TicketDetailOut, summary="记录反馈客户的处理结果")
def ticket_feedback(request, ticket_id: int, payload: FeedbackIn):
    services.ticket_feedback(actor=request.auth, ticket=selectors.ticket_for(request.auth, ticket_id), feedback=payload.feedback)
    return _detail(request.auth, ticket_id)


class RateIn(Schema):
    satisfaction: int = Field(ge=1, le=5, description="回访满意度 1–5 分")
    comment: str = Field("", max_length=COMMENT_MAX)


@router.post("/{int:ticket_id}/rate", response=TicketDetailOut, summary="记录回访满意度")
def ticket_rate(request, ticket_id: int, payload: RateIn):
    """The callback's rating of a closed ticket (FB-2); once: the first rating stands."""
    services.ticket_rate(actor=request.auth, ticket=selectors.ticket_for(request.auth, ticket_id),
                         satisfaction=payload.satisfaction, comment=payload.comment)
    return _detail(request.auth, ticket_id)

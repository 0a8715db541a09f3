"""Service tickets (SVC-1, SVC-2, SVC-4, SVC-5, SVC-6, SVC-9): opening from every channel, priority from the
tier and the severity, the responsible person and the queue, the workflow with its audit trail, history and
customer timeline, and who sees which ticket."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.http import Http404

from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.core.errors import Conflict, DomainError, PermissionDenied
from kehu.customers import timeline
from kehu.customers.models import Customer
from kehu.engagement.models import Notification
from kehu.org import roles
from kehu.org.factories import DepartmentFactory
from kehu.service import actions, selectors, services, workflow
from kehu.service.models import (
    Channel,
    ServiceCommitment,
    Severity,
    SlaState,
    Status,
    Ticket,
    TicketCategory,
    TicketEvent,
    TicketKind,
)
from tests.customer_data import make_customer

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 16, 10, 0, tzinfo=SH)  # a Monday


def at(day: int, hour: int = 10, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=SH)


@pytest.fixture
def service(make_user, sales):
    """A customer-service colleague of the salesperson's company: handles, assigns, sees the company."""
    return make_user(roles.CUSTOMER_SERVICE, full_name="赵客服",
                     department=DepartmentFactory(company=sales.department.company))


@pytest.fixture
def customer(sales):
    with clock.frozen(T0):
        return make_customer(sales, "杭州华信电子科技有限公司", mobile="13812345678")


def tiered(customer, tier: str):
    Customer.objects.filter(pk=customer.pk).update(tier=tier)
    customer.refresh_from_db()
    return customer


def open_ticket(actor, *, when=T0, **fields):
    data = {"kind": TicketKind.COMPLAINT, "channel": Channel.PHONE, "title": "交货延迟",
            "description": "订单 A-1 延迟两周交货", **fields}
    with clock.frozen(when):
        return services.ticket_open(actor=actor, **data)


def move(actor, ticket, to, *, when=T0, **extra):
    with clock.frozen(when):
        return services.ticket_transition(actor=actor, ticket=ticket, to=to, **extra)


# --- opening (SVC-1) ----------------------------------------------------------------------------------------
@pytest.mark.req("SVC-1")
@pytest.mark.parametrize("channel", Channel.values)
def test_a_ticket_opens_from_every_channel(service, customer, channel):
    ticket = open_ticket(service, customer=customer, channel=channel)
    assert ticket.channel == channel and ticket.status == Status.NEW
    event = TicketEvent.objects.get(ticket=ticket)
    assert (event.action, event.to_status, event.by) == ("open", Status.NEW, service)


@pytest.mark.req("SVC-1")
@pytest.mark.parametrize("kind", TicketKind.values)
def test_a_ticket_opens_of_every_kind(service, customer, kind):
    assert open_ticket(service, customer=customer, kind=kind).kind == kind


@pytest.mark.req("SVC-1")
def test_opening_stores_the_policy_version_the_tracking_number_and_audits(service, customer):
    ticket = open_ticket(service, customer=customer)
    assert ticket.policy_version.number == 1
    assert ticket.number.startswith("T261116") and len(ticket.number) == 13
    assert not set(ticket.number[7:]) & set("01OIL")
    entry = AuditEntry.objects.get(action=actions.TICKET_OPEN, target_id=str(ticket.pk))
    assert entry.actor == service
    assert entry.data["number"] == ticket.number and entry.data["responsible"] == customer.owner_id


@pytest.mark.req("SVC-1")
def test_the_public_page_opens_a_ticket_without_an_actor(service, customer):
    ticket = open_ticket(None, channel=Channel.WEB_FORM, reporter_name="李四", reporter_company="某公司",
                         reporter_phone="138 1234 5678")
    assert ticket.created_by is None and ticket.reporter_phone.reveal() == "13812345678"
    assert ticket.responsible == service  # nobody else could take it: the customer-service colleague
    assert AuditEntry.objects.get(action=actions.TICKET_OPEN).data["public"] is True


@pytest.mark.req("SVC-1")
@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"title": "  "}, "title", "请填写标题。"),
    ({"description": ""}, "description", "请填写问题描述。"),
    ({"kind": "praise"}, "kind", "类型必须是以下之一：咨询、投诉、建议、售后服务、质量问题"),
    ({"channel": "fax"}, "channel", "渠道必须是以下之一"),
    ({"severity": "huge"}, "severity", "严重程度必须是以下之一"),
    ({"customer": None}, "customer", "请选择客户，或填写反映人姓名或单位。"),
    ({"reporter_phone": "12345"}, "reporter_phone", "联系电话格式不正确"),
    ({"reporter_email": "a@"}, "reporter_email", "电子邮箱格式不正确"),
])
def test_opening_refuses_bad_input_naming_the_field(service, customer, fields, field, message):
    with pytest.raises(DomainError) as refused:
        open_ticket(service, **{"customer": customer, **fields})
    assert refused.value.field == field and message in str(refused.value.message)
    assert not Ticket.objects.exists()


@pytest.mark.req("SVC-1")
def test_opening_needs_the_permission_and_the_contact_of_the_customer(make_user, service, customer, other):
    with pytest.raises(PermissionDenied):
        open_ticket(make_user(roles.AUDIT_ADMIN), customer=customer)
    theirs = make_customer(other, "苏州星辰软件有限公司", mobile="13912345678")
    with pytest.raises(DomainError) as refused:
        open_ticket(service, customer=customer, contact=theirs.contacts.get())
    assert refused.value.field == "contact"
    Customer.objects.filter(pk=theirs.pk).update(deleted_at=T0)
    theirs.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        open_ticket(service, customer=theirs)
    assert refused.value.code == "ticket_customer_deleted"


# --- priority, queue, responsible (SVC-2, SVC-5) -------------------------------------------------------------
@pytest.mark.req("SVC-2")
@pytest.mark.parametrize(("tier", "severity", "priority", "strategic"), [
    ("strategic", Severity.NORMAL, "high", True),
    ("strategic", Severity.CRITICAL, "urgent", True),
    ("key", Severity.MINOR, "medium", False),
    ("general", Severity.NORMAL, "medium", False),
    ("general", Severity.MAJOR, "high", False),
    ("potential", Severity.MINOR, "low", False),
])
def test_priority_comes_from_the_tier_and_the_severity(service, customer, tier, severity, priority, strategic):
    ticket = open_ticket(service, customer=tiered(customer, tier), severity=severity)
    assert (ticket.priority, ticket.strategic, ticket.customer_tier) == (priority, strategic, tier)


@pytest.mark.req("SVC-5")
@pytest.mark.parametrize(("tier", "kind", "severity", "expected"), [
    ("strategic", TicketKind.QUALITY, Severity.NORMAL, True),
    ("strategic", TicketKind.QUALITY, Severity.MAJOR, False),
    ("strategic", TicketKind.COMPLAINT, Severity.NORMAL, False),
    ("key", TicketKind.QUALITY, Severity.MINOR, False),
])
def test_handle_first_for_a_strategic_customers_non_major_quality_issue(service, customer, tier, kind, severity,
                                                                        expected):
    ticket = open_ticket(service, customer=tiered(customer, tier), kind=kind, severity=severity)
    assert ticket.handle_first is expected


@pytest.mark.req("SVC-4")
def test_the_responsible_person_is_always_set(make_user, service, customer, sales):
    handler = make_user(roles.AFTER_SALES_ENGINEER, full_name="钱工")
    team = make_user(roles.SALES_MANAGER).department
    category = TicketCategory.objects.create(code="delivery", name="交付", team=team, default_handler=handler)
    plain = TicketCategory.objects.create(code="billing", name="账单")
    given = make_user(roles.CUSTOMER_SERVICE)
    assert open_ticket(service, customer=customer, responsible=given).responsible == given
    by_category = open_ticket(service, customer=customer, category=category)
    assert (by_category.responsible, by_category.department) == (handler, team)
    by_owner = open_ticket(service, customer=customer, category=plain)
    assert (by_owner.responsible, by_owner.department) == (sales, customer.department)
    anonymous = open_ticket(None, reporter_name="李四")
    assert (anonymous.responsible, anonymous.department) == (service, service.department)


@pytest.mark.req("SVC-4")
def test_without_anyone_to_take_it_the_ticket_is_refused(db):
    with pytest.raises(DomainError) as refused:
        open_ticket(None, reporter_name="李四")
    assert refused.value.code == "ticket_no_responsible"


@pytest.mark.req("SVC-4")
def test_the_customer_service_colleague_with_fewest_open_tickets_takes_an_unowned_ticket(make_user, service):
    second = make_user(roles.CUSTOMER_SERVICE)
    first = open_ticket(None, reporter_name="甲")
    assert first.responsible == service
    assert open_ticket(None, reporter_name="乙").responsible == second


@pytest.mark.req("SVC-2")
def test_the_queue_puts_strategic_customers_first_then_priority_then_due(service, sales):
    general = make_customer(sales, "一般客户有限公司")
    strategic = tiered(make_customer(sales, "战略客户有限公司"), "strategic")
    late_major = open_ticket(service, customer=general, severity=Severity.MAJOR, when=at(16, 11))
    early_major = open_ticket(service, customer=general, severity=Severity.MAJOR, when=at(16, 10))
    strategic_minor = open_ticket(service, customer=strategic, severity=Severity.MINOR, when=at(16, 12))
    critical = open_ticket(service, customer=general, severity=Severity.CRITICAL, when=at(16, 13))
    assert list(selectors.queue(service)) == [strategic_minor, critical, early_major, late_major]


# --- commitments and repeats (SVC-6, SVC-9) --------------------------------------------------------------------
@pytest.mark.req("SVC-6")
def test_the_commitment_in_force_is_stored_and_its_shorter_limit_sets_the_due_time(service, customer, sales):
    ServiceCommitment.objects.create(customer=customer, content="旧承诺", valid_from=dt.date(2025, 1, 1),
                                     valid_until=dt.date(2025, 12, 31), response_hours=1, created_by=sales)
    ServiceCommitment.objects.create(customer=customer, content="已撤销", valid_from=dt.date(2026, 6, 1),
                                     response_hours=1, withdrawn_at=T0, created_by=sales)
    current = ServiceCommitment.objects.create(customer=customer, content="4 小时响应", valid_from=dt.date(2026, 1, 1),
                                               response_hours=4, resolution_hours=200, created_by=sales)
    ticket = open_ticket(service, customer=customer)  # medium: 24 h response, 45 h resolution, working calendar
    assert ticket.commitment == current
    assert ticket.first_response_due == at(16, 14)  # 4 working hours, not 24
    # the policy's 45 h is shorter than the promised 200: Mon 8 h, Tue–Fri 36 h, next Monday 9–10
    assert ticket.resolution_due == at(23, 10)


@pytest.mark.req("SVC-9")
def test_a_second_complaint_within_the_window_is_flagged_as_repeat(service, customer):
    category = TicketCategory.objects.create(code="delivery", name="交付")
    first = open_ticket(service, customer=customer, category=category, when=at(1, month=9))
    assert not first.repeat
    assert not open_ticket(service, customer=customer, kind=TicketKind.INQUIRY, category=category).repeat
    assert not open_ticket(service, customer=customer, when=at(1, month=12) + dt.timedelta(days=1),
                           category=category).repeat  # 91 days later
    assert open_ticket(service, customer=customer, category=category, when=at(29, month=11)).repeat


# --- the workflow (SVC-4) -----------------------------------------------------------------------------------
@pytest.mark.req("SVC-4")
def test_workflow_table_and_available():
    assert workflow.TRANSITIONS[Status.NEW] == (Status.ASSIGNED, Status.IN_PROGRESS)
    assert workflow.available(Ticket(status=Status.RESOLVED)) == ["closed", "reopened"]
    assert workflow.available(Ticket(status=Status.CLOSED)) == ["reopened"]


@pytest.mark.req("SVC-4")
def test_a_ticket_goes_through_the_whole_workflow_audited_and_on_the_timeline(service, customer, sales, make_user):
    ticket = open_ticket(service, customer=customer, when=at(16, 10))
    engineer = make_user(roles.AFTER_SALES_ENGINEER)
    with clock.frozen(at(16, 11)):
        ticket = services.ticket_assign(actor=service, ticket=ticket, responsible=engineer, note="请跟进")
    assert (ticket.status, ticket.responsible) == (Status.ASSIGNED, engineer)
    assert Notification.objects.filter(recipient=engineer, kind="ticket").exists()
    with clock.frozen(at(16, 12)):
        ticket = services.ticket_respond(actor=engineer, ticket=ticket, note="已电话联系客户")
    assert (ticket.status, ticket.first_response_at, ticket.response_state) == (
        Status.IN_PROGRESS, at(16, 12), SlaState.MET)
    ticket = move(engineer, ticket, Status.WAITING, when=at(16, 13), note="等客户提供批次号")
    ticket = move(engineer, ticket, Status.IN_PROGRESS, when=at(17, 13))
    with pytest.raises(DomainError) as refused:
        move(engineer, ticket, Status.RESOLVED, when=at(17, 14), cause="", solution="补发")
    assert refused.value.field == "cause"
    ticket = move(engineer, ticket, Status.RESOLVED, when=at(17, 15), cause="物流延误", solution="加急补发")
    assert (ticket.resolved_at, ticket.sla_state) == (at(17, 15), SlaState.MET)
    with clock.frozen(at(17, 16)):
        ticket = services.ticket_feedback(actor=engineer, ticket=ticket, feedback="已告知客户补发单号")
    with pytest.raises(DomainError) as refused:
        move(engineer, ticket, Status.CLOSED, when=at(18, 9))
    assert refused.value.code == "ticket_close_needs_customer"
    ticket = move(engineer, ticket, Status.CLOSED, when=at(18, 9), by_customer=True)
    assert (ticket.closed_at, ticket.closed_by_customer) == (at(18, 9), True)
    ticket = move(service, ticket, Status.REOPENED, when=at(19, 9), note="客户反映仍未收到")
    assert (ticket.reopen_count, ticket.closed_at, ticket.resolved_at) == (1, None, None)

    events = list(TicketEvent.objects.filter(ticket=ticket).values_list("action", "from_status", "to_status"))
    assert events == [("open", "", "new"), ("assign", "new", "assigned"), ("respond", "assigned", "in_progress"),
                      ("transition", "in_progress", "waiting"), ("transition", "waiting", "in_progress"),
                      ("transition", "in_progress", "resolved"), ("feedback", "", "resolved"),
                      ("transition", "resolved", "closed"), ("transition", "closed", "reopened")]
    audited = list(AuditEntry.objects.filter(target_type="service.ticket").order_by("seq")
                   .values_list("action", flat=True))
    assert audited == [actions.TICKET_OPEN, actions.TICKET_ASSIGN, actions.TICKET_RESPOND,
                       *[actions.TICKET_TRANSITION] * 3, actions.TICKET_FEEDBACK, *[actions.TICKET_TRANSITION] * 2]
    titles = [event.title for event in timeline.events_for(customer, sales) if event.kind == "ticket"]
    assert titles[0] == f"工单 {ticket.number} 改为“已重新打开”"
    assert titles[-1] == f"登记工单 {ticket.number}：交货延迟"
    assert len(titles) == 9


@pytest.mark.req("SVC-4")
@pytest.mark.parametrize(("status", "to"), [
    (Status.NEW, Status.RESOLVED), (Status.NEW, Status.WAITING), (Status.ASSIGNED, Status.CLOSED),
    (Status.WAITING, Status.RESOLVED), (Status.CLOSED, Status.IN_PROGRESS), (Status.RESOLVED, Status.WAITING),
])
def test_transitions_outside_the_workflow_are_refused_with_what_is_allowed(service, customer, status, to):
    ticket = open_ticket(service, customer=customer)
    Ticket.objects.filter(pk=ticket.pk).update(status=status, resolved_at=T0)
    ticket.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        move(service, ticket, to)
    names = dict(Status.choices)
    assert f"工单状态为“{names[status]}”，不能改为“{names[to]}”" in str(refused.value.message)
    assert not AuditEntry.objects.filter(action=actions.TICKET_TRANSITION).exists()


@pytest.mark.req("SVC-4")
def test_the_first_move_to_in_progress_is_the_first_response(service, customer):
    ticket = open_ticket(service, customer=customer, when=at(16, 10))
    ticket = move(service, ticket, Status.IN_PROGRESS, when=at(16, 11))
    assert ticket.first_response_at == at(16, 11)
    with pytest.raises(Conflict):
        services.ticket_respond(actor=service, ticket=ticket, note="再次响应")


@pytest.mark.req("SVC-4")
def test_feedback_waits_for_the_resolution_and_update_recomputes_the_priority(service, customer):
    ticket = open_ticket(service, customer=customer)
    with pytest.raises(Conflict):
        services.ticket_feedback(actor=service, ticket=ticket, feedback="已处理")
    with clock.frozen(T0):
        ticket = services.ticket_update(actor=service, ticket=ticket, severity=Severity.CRITICAL, title="严重延迟")
    assert (ticket.priority, ticket.title) == ("urgent", "严重延迟")
    assert ticket.resolution_due == at(18, 16)  # urgent: 24 working hours from Monday 10:00
    assert AuditEntry.objects.get(action=actions.TICKET_UPDATE).data["changed"]["severity"] == ["normal", "critical"]


@pytest.mark.req("SVC-4")
def test_assigning_needs_the_permission_and_an_active_other_person(service, customer, sales, make_user):
    ticket = open_ticket(service, customer=customer)
    with pytest.raises(PermissionDenied):
        services.ticket_assign(actor=sales, ticket=ticket, responsible=service)
    with pytest.raises(Conflict):
        services.ticket_assign(actor=service, ticket=ticket, responsible=sales)
    gone = make_user(roles.CUSTOMER_SERVICE, is_active=False)
    with pytest.raises(DomainError) as refused:
        services.ticket_assign(actor=service, ticket=ticket, responsible=gone)
    assert refused.value.field == "responsible"


# --- scope ---------------------------------------------------------------------------------------------------
@pytest.mark.req("SVC-4")
def test_a_salesperson_sees_their_customers_tickets_and_those_they_handle_not_others(service, sales, make_user,
                                                                                      customer):
    colleague = make_user(roles.SALESPERSON, department=DepartmentFactory(company=sales.department.company))
    theirs = make_customer(colleague, "苏州星辰软件有限公司")
    of_my_customer = open_ticket(service, customer=customer, responsible=service)
    mine_to_handle = open_ticket(service, customer=theirs, responsible=sales)
    not_mine = open_ticket(service, customer=theirs)
    assert set(selectors.tickets_visible(sales)) == {of_my_customer, mine_to_handle}
    assert selectors.ticket_for(sales, mine_to_handle.pk) == mine_to_handle
    with pytest.raises(Http404):
        selectors.ticket_for(sales, not_mine.pk)
    assert not_mine in set(selectors.queue(service))
    assert list(selectors.queue(sales, mine=True)) == [mine_to_handle]


@pytest.mark.req("SVC-2")
def test_the_queue_reads_a_fixed_number_of_queries(service, sales, django_assert_max_num_queries):
    customers = [make_customer(sales, f"客户{i}有限公司") for i in range(5)]
    category = TicketCategory.objects.create(code="delivery", name="交付")
    for i in range(50):
        open_ticket(service, customer=customers[i % 5], category=category, when=T0 + dt.timedelta(minutes=i))
    fresh = type(service).objects.get(pk=service.pk)
    with django_assert_max_num_queries(3):  # the reader's roles and department (the scope), the page
        rows = [(t.customer.name, t.category.name, t.responsible.full_name, t.department) for t in
                selectors.queue(fresh)[:50]]
    assert len(rows) == 50


def _all_pairs():
    return [(start, to) for start in Status.values for to in Status.values if start != to]


def _ready(ticket, status):
    """The ticket put in ``status`` as the workflow would leave it there."""
    values = {"status": status}
    if status in (Status.RESOLVED, Status.CLOSED):
        values.update(resolved_at=T0, cause="原因", solution="方案")
    if status == Status.WAITING:
        values["pauses"] = [[T0.isoformat(), None]]
    Ticket.objects.filter(pk=ticket.pk).update(**values)
    ticket.refresh_from_db()
    return ticket


@pytest.mark.req("SVC-4")
@pytest.mark.parametrize(("start", "to"), _all_pairs())
def test_every_pair_of_statuses_is_allowed_exactly_when_the_workflow_says(service, customer, start, to):
    ticket = _ready(open_ticket(service, customer=customer), start)
    extra = {"cause": "原因", "solution": "方案", "by_customer": True}
    if workflow.allowed(start, to):
        moved = move(service, ticket, to, when=T0 + dt.timedelta(hours=1), **extra)
        assert moved.status == to
        assert TicketEvent.objects.filter(ticket=ticket, action="transition", from_status=start, to_status=to).exists()
        assert AuditEntry.objects.get(action=actions.TICKET_TRANSITION).data["to"] == to
    else:
        with pytest.raises(Conflict):
            move(service, ticket, to, when=T0 + dt.timedelta(hours=1), **extra)
        assert Ticket.objects.get(pk=ticket.pk).status == start


@pytest.mark.req("SVC-4")
def test_handling_needs_the_permission_and_the_system_may_close(service, customer, make_user):
    ticket = open_ticket(service, customer=customer)
    assert Notification.objects.get(recipient=customer.owner, kind="ticket").title.startswith("新工单")
    with pytest.raises(PermissionDenied):
        move(make_user(roles.GENERAL_MANAGER), ticket, Status.IN_PROGRESS)
    ticket = _ready(ticket, Status.RESOLVED)
    closed = move(None, ticket, Status.CLOSED, when=T0 + dt.timedelta(days=8))  # the auto-close sweep
    assert (closed.status, closed.closed_by_customer) == (Status.CLOSED, False)
    assert TicketEvent.objects.get(ticket=ticket, to_status=Status.CLOSED).by is None


@pytest.mark.req("SVC-4")
def test_reading_tickets_needs_the_permission(service, customer, make_user):
    open_ticket(service, customer=customer)
    with pytest.raises(PermissionDenied):
        selectors.tickets_visible(make_user(roles.AUDIT_ADMIN))


@pytest.mark.req("SVC-4")
def test_the_customer_timeline_reads_every_tickets_steps_in_its_one_query(service, customer, sales,
                                                                         django_assert_num_queries):
    for i in range(5):
        ticket = open_ticket(service, customer=customer, when=T0 + dt.timedelta(hours=i))
        move(service, ticket, Status.IN_PROGRESS, when=T0 + dt.timedelta(hours=i, minutes=30))
    with django_assert_num_queries(1):
        events = [event for event in timeline.events_for(customer, sales) if event.kind == "ticket"]
    assert len(events) == 10
    assert events[0].title.endswith("改为“处理中”") and events[0].actor_name == service.full_name


@pytest.mark.req("SVC-2")
def test_the_queue_filters_by_team_kind_priority_state_status_and_words(service, customer, make_user):
    team = make_user(roles.SALES_MANAGER, department=DepartmentFactory(company=customer.department.company)).department
    category = TicketCategory.objects.create(code="quality", name="质量", team=team)
    quality = open_ticket(service, customer=customer, category=category, kind=TicketKind.QUALITY,
                          severity=Severity.MAJOR, title="外壳开裂")
    inquiry = open_ticket(service, customer=customer, kind=TicketKind.INQUIRY)
    resolved = _ready(open_ticket(service, customer=customer), Status.RESOLVED)
    assert list(selectors.queue(service, team=team)) == [quality]
    assert list(selectors.queue(service, kind=TicketKind.INQUIRY)) == [inquiry]
    assert list(selectors.queue(service, priority="high")) == [quality]
    assert list(selectors.queue(service, sla_state=SlaState.BREACHED)) == []
    assert list(selectors.queue(service, status=Status.RESOLVED)) == [resolved]
    assert resolved not in selectors.queue(service)  # open tickets only unless a status is asked for
    assert list(selectors.queue(service, q="开裂")) == [quality]
    assert list(selectors.queue(service, q=inquiry.number.lower())) == [inquiry]

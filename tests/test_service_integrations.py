"""Tickets in the rest of Kehu: a leaver's open tickets go to the receivers (OWN-5), a customer's open tickets
follow it to its new owner (OWN-4), a merged duplicate's tickets and commitments move to the survivor (INFO-5),
and "my day" lists my open tickets breached first, with the team's counts (REL-6)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kehu.core import clock
from kehu.customers import merging, ownership
from kehu.customers import services as customer_services
from kehu.customers.models import Customer
from kehu.org import handover, roles
from kehu.org import services as org_services
from kehu.service import integrations, services, sla_sweep
from kehu.service.models import ServiceCommitment, Status, Ticket, TicketEvent
from tests.customer_data import make_customer

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 16, 10, 0, tzinfo=SH)  # a Monday


@pytest.fixture
def manager(make_user, sales):
    return make_user(roles.SALES_MANAGER, full_name="钱经理", department=sales.department)


@pytest.fixture
def desk(make_user, sales):
    return make_user(roles.CUSTOMER_SERVICE, full_name="许客服", department=sales.department)


@pytest.fixture
def engineer(make_user, sales, manager):
    return make_user(roles.AFTER_SALES_ENGINEER, full_name="梁工", department=sales.department, manager=manager)


def open_ticket(desk, responsible, customer=None, *, when=T0, title="设备异响") -> Ticket:
    with clock.frozen(when):
        return services.ticket_open(actor=desk, kind="complaint", channel="phone", title=title, description=title,
                                    customer=customer, responsible=responsible,
                                    **({} if customer else {"reporter_name": "陈先生"}))


def close(actor, ticket) -> Ticket:
    with clock.frozen(T0 + dt.timedelta(hours=2)):
        ticket = services.ticket_respond(actor=actor, ticket=ticket, note="已联系")
        ticket = services.ticket_transition(actor=actor, ticket=ticket, to=Status.RESOLVED, cause="松动",
                                            solution="紧固")
        return services.ticket_transition(actor=actor, ticket=ticket, to=Status.CLOSED, by_customer=True)


def responsible(*tickets) -> list:
    return [Ticket.objects.get(pk=t.pk).responsible for t in tickets]


# --- departure handover ---------------------------------------------------------------------------------
@pytest.mark.req("OWN-5")
def test_a_leavers_open_tickets_are_split_among_the_receivers(make_user, sales, manager, desk):
    leaver = make_user(roles.SALESPERSON, full_name="孙离职", department=sales.department)
    a = make_user(roles.SALESPERSON, full_name="赵接手", department=sales.department)
    b = make_user(roles.SALESPERSON, full_name="李接手", department=sales.department)
    with clock.frozen(T0):
        customer = make_customer(sales, "杭州华信电子科技有限公司")
    tickets = [open_ticket(desk, leaver, customer, title=f"问题{i}") for i in range(3)]
    done = close(leaver, open_ticket(desk, leaver, customer, title="已关闭的"))
    assert handover.pending(leaver)[integrations.HANDOVER_CODE] == 3
    with clock.frozen(T0 + dt.timedelta(days=1)):
        org_services.user_handover(actor=manager, leaver=leaver, receivers=[a, b], reason="离职")
    assert responsible(*tickets) == [a, b, a]  # dealt like cards, in id order
    assert responsible(done) == [leaver]  # history stays as it was
    assert handover.orphaned()[integrations.HANDOVER_CODE] == 0
    notes = TicketEvent.objects.filter(ticket__in=tickets, action="assign").values_list("note", flat=True)
    assert list(notes) == ["离职交接：离职"] * 3


# --- a customer changing hands --------------------------------------------------------------------------
@pytest.mark.req("OWN-4")
def test_a_transferred_customers_open_tickets_of_the_old_owner_go_to_the_new_owner(make_user, sales, manager, desk,
                                                                                  engineer):
    receiver = make_user(roles.SALESPERSON, full_name="赵接手", department=sales.department)
    with clock.frozen(T0):
        customer = make_customer(sales, "杭州华信电子科技有限公司")
        elsewhere = make_customer(sales, "上海宏大机械制造有限公司")
    owners = open_ticket(desk, sales, customer, title="销售跟进的投诉")
    engineers = open_ticket(desk, engineer, customer, title="工程师在修的")
    closed = close(sales, open_ticket(desk, sales, customer, title="已关闭的"))
    other_customer = open_ticket(desk, sales, elsewhere, title="别的客户")
    with clock.frozen(T0 + dt.timedelta(days=1)):
        result = ownership.customer_transfer(actor=manager, customers=[customer], to_owner=receiver, reason="区域调整")
    assert result.carried["tickets"] == 1
    assert responsible(owners, engineers, closed, other_customer) == [receiver, engineer, sales, sales]
    event = TicketEvent.objects.get(ticket=owners, action="assign")
    assert event.by == manager and "随客户转交" in event.note


# --- merging duplicates ---------------------------------------------------------------------------------
@pytest.mark.req("INFO-5")
def test_a_merged_duplicates_tickets_and_commitments_move_to_the_survivor(make_user, sales, manager, desk):
    with clock.frozen(T0):
        keep = make_customer(sales, "杭州华信电子科技有限公司")
        dup = make_customer(sales, "杭州华信电子有限公司")
    ticket = open_ticket(desk, sales, dup)
    commitment = ServiceCommitment.objects.create(customer=dup, content="24 小时内到场", valid_from=T0.date(),
                                                  created_by=manager)
    moved = customer_services.customer_merge(actor=manager, target=keep, duplicate=dup)
    assert moved["service.ticket"] == 1 and moved["service.servicecommitment"] == 1
    assert Ticket.objects.get(pk=ticket.pk).customer == keep
    assert ServiceCommitment.objects.get(pk=commitment.pk).customer == keep
    assert not [name for name in merging.uncovered() if name.startswith("service.")]
    assert Customer._base_manager.get(pk=dup.pk).merged_into == keep


# --- my day ---------------------------------------------------------------------------------------------
NOW = dt.datetime(2026, 11, 18, 11, 30, tzinfo=SH)


@pytest.fixture
def my_tickets(desk, engineer):
    """Swept at NOW: one breached (opened the Thursday before), one due soon (Monday), one on track (today)."""
    on_track = open_ticket(desk, engineer, when=dt.datetime(2026, 11, 18, 9, tzinfo=SH), title="今天的新问题")
    due_soon = open_ticket(desk, engineer, when=T0, title="周一的问题")
    breached = open_ticket(desk, engineer, when=dt.datetime(2026, 11, 12, 10, tzinfo=SH), title="上周四的问题")
    close(engineer, open_ticket(desk, engineer, title="已关闭的问题"))
    sla_sweep.sla_sweep(now=NOW)
    return breached, due_soon, on_track


@pytest.mark.req("REL-6", "SVC-3")
def test_my_day_lists_my_open_tickets_breached_first(login, engineer, my_tickets):
    with clock.frozen(NOW):
        html = login(engineer).get(reverse("engagement:my_day")).content.decode()
    assert "我的工单" in html and "已关闭的问题" not in html
    positions = [html.index(ticket.title) for ticket in my_tickets]
    assert positions == sorted(positions)
    assert reverse("service:ticket", args=[my_tickets[0].pk]) in html
    assert "已超时" in html and "即将超时" in html


@pytest.mark.req("REL-6")
def test_the_section_costs_two_queries_at_most_however_many_tickets(desk, engineer):
    for i in range(12):
        open_ticket(desk, engineer, title=f"问题{i}")
    engineer.has_permission("service.ticket.view")  # the roles, loaded once per request
    with CaptureQueriesContext(connection) as queries:
        section = integrations.tickets_section(engineer, NOW.date())
    assert section.count == 12 and len(section.rows) == integrations.ROWS and len(queries) == 2


@pytest.mark.req("REL-6")
def test_the_team_summary_counts_each_members_open_tickets(login, manager, engineer, my_tickets):
    with clock.frozen(NOW):
        html = login(manager).get(reverse("engagement:my_day"), {"team": "1"}).content.decode()
    assert "待处理工单" in html and "梁工" in html
    assert integrations.team_open_tickets([engineer.pk, manager.pk], NOW.date()) == {engineer.pk: 3}

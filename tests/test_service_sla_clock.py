"""SVC-3 through the services: the due times ticket_open stores and ticket_transition moves, with the clock
frozen across a weekend, the 2026 National Day holiday (1–7 October; Sunday 20 September and Saturday
10 October are adjusted working days, 调休) and a pause while waiting on the customer. Every priority runs on
the working calendar (09:00–18:00 Asia/Shanghai) by default; a published version may set 24×7."""

import copy
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kehu.core import clock
from kehu.org import roles
from kehu.org.factories import DepartmentFactory
from kehu.policy import services as policy_services
from kehu.policy.models import Policy
from kehu.service import selectors, services
from kehu.service.models import Channel, Severity, SlaState, Status, TicketKind
from tests.customer_data import make_customer

pytestmark = [pytest.mark.django_db, pytest.mark.req("SVC-3")]

SH = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SH)


@pytest.fixture
def service(make_user, sales):
    return make_user(roles.CUSTOMER_SERVICE, department=DepartmentFactory(company=sales.department.company))


def customer_of(owner, name: str, tier: str = "general"):
    with clock.frozen(at(1, 5, 10)):
        customer = make_customer(owner, name)
    customer.tier = tier
    customer.save(update_fields=["tier"])
    return customer


def open_at(when, actor, **fields):
    data = {"kind": TicketKind.COMPLAINT, "channel": Channel.PHONE, "title": "产品外观划伤",
            "description": "到货产品外观有划伤", **fields}
    with clock.frozen(when):
        return services.ticket_open(actor=actor, **data)


def move(actor, ticket, to, when, **extra):
    with clock.frozen(when):
        return services.ticket_transition(actor=actor, ticket=ticket, to=to, **extra)


def test_a_ticket_opened_on_friday_evening_skips_the_weekend(service, sales):
    strategic = customer_of(sales, "战略客户有限公司", "strategic")
    ticket = open_at(at(11, 13, 17), service, customer=strategic)  # normal severity, strategic: high
    assert ticket.priority == "high"
    # first response, 24 working hours: Fri 17–18 (1), Mon (9), Tue (9), Wed 9–14 (5)
    assert ticket.first_response_due == at(11, 18, 14)
    # resolution, 48 working hours: Fri 1, Mon–Fri 45, next Monday 9–11
    assert ticket.resolution_due == at(11, 23, 11)


@pytest.mark.req("SVC-2")
def test_a_strategic_complaint_from_the_public_page_tops_the_queue_and_its_clock_skips_national_day(service, sales):
    general = customer_of(sales, "一般客户有限公司")
    earlier_critical = open_at(at(9, 30, 9), service, customer=general, severity=Severity.CRITICAL)
    complaint = open_at(at(9, 30, 17), None, customer=customer_of(sales, "战略客户有限公司", "strategic"),
                        channel=Channel.WEB_FORM, reporter_name="李四", reporter_phone="13812345678")
    assert list(selectors.queue(service)) == [complaint, earlier_critical]
    # Wed 30 Sep 17–18 (1 h); 1–7 Oct holiday; Thu 8, Fri 9 (18 h); Saturday 10 Oct is a working day: 9–14
    assert complaint.first_response_due == at(10, 10, 14)
    assert complaint.resolution_due == at(10, 14, 11)  # 48 h: …, Sat 10 (9), Mon 12 (9), Tue 13 (9), Wed 9–11
    ticket = selectors.ticket_for(service, complaint.pk)
    assert selectors.sla_view(ticket, at(10, 7, 20))["first_response"]["state"] == SlaState.ON_TRACK  # still 23 h
    assert selectors.sla_view(ticket, at(10, 10, 12))["first_response"]["state"] == SlaState.DUE_SOON  # 2 h left
    late = selectors.sla_view(ticket, at(10, 10, 14, 1))
    assert late["first_response"]["state"] == SlaState.BREACHED
    assert late["first_response"]["reason"] == "应于 2026-10-10 14:00 前首次响应，已超时"


def test_an_adjusted_working_sunday_counts(service, sales):
    ticket = open_at(at(9, 18, 17), service, customer=customer_of(sales, "一般客户有限公司"))  # medium
    # Fri 18 Sep 17–18 (1), Sat off, Sun 20 Sep adjusted working day (9), Mon (9), Tue 9–14 (5)
    assert ticket.first_response_due == at(9, 22, 14)
    assert ticket.resolution_due == at(9, 24, 17)  # 45 h: 1 + 9 + 9 + 9 + 9, Thu 9–17


def test_waiting_on_the_customer_stops_the_clock_including_an_adjusted_saturday(service, sales):
    ticket = open_at(at(10, 8, 9), service, customer=customer_of(sales, "一般客户有限公司"))
    assert ticket.resolution_due == at(10, 13, 18)  # 45 h: Oct 8, 9, 10 (adjusted Saturday), 12, 13
    with clock.frozen(at(10, 8, 10)):
        ticket = services.ticket_respond(actor=service, ticket=ticket, note="已联系客户")
    ticket = move(service, ticket, Status.WAITING, at(10, 9, 12), note="等客户寄回样品")
    assert ticket.pauses == [[at(10, 9, 12).isoformat(), None]]
    waiting = selectors.ticket_for(service, ticket.pk)
    view = selectors.sla_view(waiting, at(10, 10, 12))
    assert view["paused"] and view["resolution"]["reason"].endswith("（等待客户，计时暂停）")
    ticket = move(service, ticket, Status.IN_PROGRESS, at(10, 12, 12))
    assert ticket.pauses == [[at(10, 9, 12).isoformat(), at(10, 12, 12).isoformat()]]
    # paused: Fri 12–18 (6), Sat 10 Oct, a working day (9), Mon 9–12 (3) = 18 working hours later
    assert ticket.resolution_due == at(10, 15, 18)
    assert ticket.first_response_at == at(10, 8, 10)  # going back to work is not a new response
    ticket = move(service, ticket, Status.RESOLVED, at(10, 15, 17), cause="包装不当", solution="更换包装并补发")
    assert ticket.sla_state == SlaState.MET  # past the first due time, within the one the pause moved


def test_a_late_response_and_a_late_resolution_are_breached(service, sales):
    ticket = open_at(at(11, 16, 10), service, customer=customer_of(sales, "一般客户有限公司"))
    assert (ticket.first_response_due, ticket.resolution_due) == (at(11, 18, 16), at(11, 23, 10))
    with clock.frozen(at(11, 18, 16, 1)):
        ticket = services.ticket_respond(actor=service, ticket=ticket, note="已联系客户")
    assert ticket.response_state == SlaState.BREACHED
    ticket = move(service, ticket, Status.RESOLVED, at(11, 23, 10, 1), cause="原因", solution="方案")
    assert ticket.sla_state == SlaState.BREACHED


def test_reopening_resumes_the_resolution_clock_where_it_stopped(service, sales):
    ticket = open_at(at(11, 16, 10), service, customer=customer_of(sales, "一般客户有限公司"))
    ticket = move(service, ticket, Status.IN_PROGRESS, at(11, 16, 11))
    ticket = move(service, ticket, Status.RESOLVED, at(11, 17, 10), cause="原因", solution="方案")
    ticket = move(service, ticket, Status.REOPENED, at(11, 19, 10), note="问题复现")
    # resolved Tue 10:00 → reopened Thu 10:00: 18 working hours did not count; due Mon 23 10:00 + 18 h
    assert ticket.resolution_due == at(11, 25, 10)
    assert (ticket.reopen_count, ticket.sla_state) == (1, SlaState.ON_TRACK)


def _publish(drafter, approver, change, effective):
    policy = Policy.objects.get(code="customer_management")
    draft = policy_services.policy_version_draft(actor=drafter, policy=policy)
    rules = copy.deepcopy(draft.rules)
    change(rules)
    policy_services.policy_version_update(actor=drafter, version=draft, rules=rules, effective_from=effective,
                                          summary="服务时限调整")
    policy_services.policy_version_submit(actor=drafter, version=draft)
    return policy_services.policy_version_publish(actor=approver, version=draft)


def test_a_ticket_keeps_the_policy_version_it_opened_under(service, sales, make_user):
    customer = customer_of(sales, "一般客户有限公司")
    old = open_at(at(11, 16, 10), service, customer=customer)

    def faster(rules):
        rules["sla"]["targets"]["medium"].update(first_response_hours=4, resolution_hours=20)

    with clock.frozen(at(11, 17, 9)):
        _publish(make_user(roles.SYSTEM_ADMIN), make_user(roles.GENERAL_MANAGER), faster, at(11, 20, 0))
    new = open_at(at(11, 20, 10), service, customer=customer)
    assert (new.policy_version.number, new.first_response_due) == (2, at(11, 20, 14))
    old = move(service, old, Status.IN_PROGRESS, at(11, 16, 11))
    old = move(service, old, Status.WAITING, at(11, 17, 10))
    old = move(service, old, Status.IN_PROGRESS, at(11, 20, 10))
    # still version 1's 45 hours: due Mon 23 10:00, plus the 27 working hours waited (Tue 8, Wed 9, Thu 9, Fri 1)
    assert (old.policy_version.number, old.resolution_due) == (1, at(11, 26, 10))


def test_a_company_may_run_a_priority_around_the_clock(service, sales, make_user):
    def around_the_clock(rules):
        rules["sla"]["targets"]["urgent"]["calendar"] = "24x7"

    with clock.frozen(at(9, 1, 9)):
        _publish(make_user(roles.SYSTEM_ADMIN), make_user(roles.GENERAL_MANAGER), around_the_clock, at(9, 2, 0))
    ticket = open_at(at(9, 30, 17), service, customer=customer_of(sales, "一般客户有限公司"),
                     severity=Severity.CRITICAL)
    assert (ticket.priority, ticket.resolution_due) == ("urgent", at(10, 1, 17))  # straight through the holiday

"""Issue 6's "done when", end to end through the public page, the queue, the SLA sweep, the ticket pages, the
callback and the satisfaction figures:

A complaint filed on the public page by a strategic customer lands at the top of the right queue with its
24-hour clock (skipping the National Day holiday on the business calendar), escalates to the manager when
ignored, and after closing produces a callback task whose rating shows in the satisfaction figures.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from kehu.core import clock
from kehu.customers.models import Customer
from kehu.engagement.models import Notification, Task, TaskStatus
from kehu.org import roles
from kehu.org.factories import DepartmentFactory
from kehu.service import analysis_periods, analysis_satisfaction, selectors, services, sla_sweep
from kehu.service.models import Status, Ticket
from tests.customer_data import make_customer
from tests.test_service_public import INTAKE, answered, complaint, filed_number

pytestmark = [pytest.mark.django_db, pytest.mark.req("SVC-2", "SVC-3", "SVC-5", "SVC-8", "FB-2")]

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture(autouse=True)
def no_fill_wait(settings):
    settings.KEHU_PUBLIC_MIN_FILL_SECONDS = 0  # the fill-time trap is tested in test_service_public.py


@pytest.fixture
def company(make_user):
    east = DepartmentFactory(name="华东大客户部")
    manager = make_user(roles.SALES_MANAGER, department=east, full_name="王经理")
    east.head = manager
    east.save()
    kam = make_user(roles.KEY_ACCOUNT_MANAGER, department=east, manager=manager, full_name="赵大客户经理")
    salesperson = make_user(roles.SALESPERSON, department=east, manager=manager, full_name="钱销售")
    return {"manager": manager, "kam": kam, "salesperson": salesperson,
            "agent": make_user(roles.CUSTOMER_SERVICE, full_name="孙客服",
                               department=DepartmentFactory(name="客户服务部", company=east.company)),
            "vp": make_user(roles.MARKETING_VP, full_name="刘副总")}


def test_a_strategic_customers_public_complaint_is_first_escalates_and_its_callback_rating_counts(company, login):
    kam, manager = company["kam"], company["manager"]
    with clock.frozen(at(2026, 9, 1, 9)):
        strategic = make_customer(kam, "上海宏大机械制造有限公司", mobile="13812345678")
        ordinary = make_customer(company["salesperson"], "苏州远景贸易有限公司", mobile="13700002222")
    Customer.objects.filter(pk=strategic.pk).update(tier="strategic")
    visitor = Client()

    # Earlier the same day an ordinary customer files a critical complaint: the highest priority there is.
    with clock.frozen(at(2026, 9, 30, 10)):
        first = Ticket.objects.get(number=filed_number(visitor.post(INTAKE, answered(
            visitor, INTAKE, complaint(phone="13700002222", description="设备冒烟，紧急")))))
        services.ticket_update(actor=company["agent"], ticket=first, severity="critical")
    # Wednesday 30 September, 15:00, the eve of National Day: the strategic customer's contact files.
    with clock.frozen(at(2026, 9, 30, 15)):
        response = visitor.post(INTAKE, answered(visitor, INTAKE, complaint(phone="13812345678")))
    assert response.status_code == 200
    ticket = Ticket.objects.get(number=filed_number(response))

    # The right queue: the customer's key-account team, its owner responsible; first in every queue that has it.
    assert (ticket.customer, ticket.strategic, ticket.responsible) == (strategic, True, kam)
    assert ticket.department == kam.department and first.customer == ordinary
    first.refresh_from_db()
    assert first.priority == "urgent" and ticket.priority != "urgent"  # strategic first, whatever the priority
    for reader in (manager, company["agent"], kam):
        assert selectors.queue(reader)[0] == ticket
    queue_page = login(manager).get("/service/tickets/").content.decode()
    assert queue_page.index(ticket.number) < queue_page.index(first.number)

    # Its 24-hour first-response clock on the business calendar: 3 hours on the 30th, nothing 1–7 October,
    # 9 on Thursday the 8th and Friday the 9th, and 3 on Saturday the 10th, an adjusted working day.
    assert ticket.first_response_due == at(2026, 10, 10, 12)

    # Ignored: the sweeps during the holiday change nothing; once breached, the owner, then the manager.
    assert sla_sweep.sla_sweep(now=at(2026, 10, 7, 23)).escalated == 0
    sla_sweep.sla_sweep(now=at(2026, 10, 10, 12, 30))
    ticket.refresh_from_db()
    assert (ticket.response_state, ticket.escalated_to) == ("breached", "owner")
    sla_sweep.sla_sweep(now=at(2026, 10, 12, 10))  # 5.5 working hours past due: the manager's 4 are up
    ticket.refresh_from_db()
    assert ticket.escalated_to == "manager"
    alerts = Notification.objects.filter(recipient=manager, kind="service_escalation")
    assert [alert for alert in alerts if ticket.number in alert.title + alert.body]  # (the other one is late too)
    assert not Notification.objects.filter(recipient=company["vp"], kind="service_escalation").exists()

    # Handled, fed back, confirmed by the customer: closing makes the callback task for the key-account manager.
    with clock.frozen(at(2026, 10, 12, 11)):
        ticket = services.ticket_respond(actor=kam, ticket=ticket, note="已致电客户致歉并安排处理")
        ticket = services.ticket_transition(actor=kam, ticket=ticket, to=Status.RESOLVED, cause="排产冲突",
                                            solution="加急发货并补偿运费")
        ticket = services.ticket_feedback(actor=kam, ticket=ticket, feedback="已加急发货，运费由我司承担")
        ticket = services.ticket_transition(actor=kam, ticket=ticket, to=Status.CLOSED, by_customer=True)
    callback = Task.objects.get(source_key=f"callback:{ticket.pk}")
    assert (callback.assignee, callback.kind, callback.status) == (kam, "callback", TaskStatus.OPEN)

    # The callback: the key-account manager records the rating on the ticket's rating page.
    with clock.frozen(at(2026, 10, 13, 10)):
        page = login(kam).post(f"/service/tickets/{ticket.pk}/rate/", {"satisfaction": 5, "comment": "处理及时"})
    assert page.status_code in (200, 302)
    callback.refresh_from_db()
    assert callback.status == TaskStatus.DONE

    # The rating is in October's satisfaction figures, for the manager and on the page.
    figures = analysis_satisfaction.satisfaction(manager, analysis_periods.month(dt.date(2026, 10, 1)))
    assert (figures.total.rated, figures.total.satisfied, figures.total.average) == (1, 1, 5)
    assert [person.label for person in figures.people if person.rated] == [kam.full_name]
    satisfaction_page = login(manager).get("/service/analysis/satisfaction/?month=2026-10").content.decode()
    assert kam.full_name in satisfaction_page

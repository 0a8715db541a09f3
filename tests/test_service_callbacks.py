"""The proactive callback after every closed ticket (SVC-5) and its satisfaction rating (FB-2): the task, who
gets it, the rating once and only on closed tickets, the rating form and its link from "my day"."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from kehu.customers.models import Customer
from kehu.engagement import services as engagement_services
from kehu.engagement.models import Task
from kehu.org import roles
from kehu.service import actions, services, services_rating, sla_sweep
from kehu.service.models import Status, Ticket, TicketEvent
from tests.customer_data import make_customer

pytestmark = [pytest.mark.django_db, pytest.mark.req("SVC-5", "FB-2")]

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 16, 10, 0, tzinfo=SH)  # a Monday


def later(hours: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=hours)


@pytest.fixture
def engineer(make_user, sales):
    return make_user(roles.AFTER_SALES_ENGINEER, full_name="梁工", department=sales.department)


@pytest.fixture
def kam(make_user, sales):
    return make_user(roles.KEY_ACCOUNT_MANAGER, full_name="赵大客户经理", department=sales.department)


@pytest.fixture
def customer(sales):
    with clock.frozen(T0):
        return make_customer(sales, "杭州华信电子科技有限公司")


@pytest.fixture
def strategic(kam):
    with clock.frozen(T0):
        customer = make_customer(kam, "上海宏大机械制造有限公司")
    Customer.objects.filter(pk=customer.pk).update(tier="strategic")
    customer.refresh_from_db()
    return customer


def resolved(engineer, customer) -> Ticket:
    with clock.frozen(T0):
        ticket = services.ticket_open(actor=engineer, kind="after_sales", channel="phone", title="控制柜检修",
                                      description="生产线控制柜报警", customer=customer, responsible=engineer)
    with clock.frozen(later(1)):
        ticket = services.ticket_respond(actor=engineer, ticket=ticket, note="已安排上门")
    with clock.frozen(later(4)):
        return services.ticket_transition(actor=engineer, ticket=ticket, to=Status.RESOLVED, cause="继电器老化",
                                          solution="更换继电器")


def closed(engineer, customer, *, hours: float = 24) -> Ticket:
    ticket = resolved(engineer, customer)
    with clock.frozen(later(hours)):
        return services.ticket_transition(actor=engineer, ticket=ticket, to=Status.CLOSED, by_customer=True)


def callback(ticket) -> Task:
    return Task.objects.get(source_key=f"callback:{ticket.pk}")


def rate(actor, ticket, satisfaction=5, comment="处理及时"):
    with clock.frozen(later(30)):
        return services_rating.ticket_rate(actor=actor, ticket=ticket, satisfaction=satisfaction, comment=comment)


# --- the task -------------------------------------------------------------------------------------------
def test_closing_a_ticket_makes_one_callback_task_for_the_responsible_person(engineer, customer):
    ticket = closed(engineer, customer)
    task = callback(ticket)
    # Closed Tuesday 10:00; the policy's callback_within_days is 3.
    assert (task.kind, task.assignee, task.customer, task.status) == ("callback", engineer, customer, "open")
    assert task.due_date == dt.date(2026, 11, 20) and ticket.number in task.title
    with clock.frozen(later(25)):
        ticket = services.ticket_transition(actor=engineer, ticket=ticket, to=Status.REOPENED, note="问题复发")
        ticket = services.ticket_transition(actor=engineer, ticket=ticket, to=Status.IN_PROGRESS)
        ticket = services.ticket_transition(actor=engineer, ticket=ticket, to=Status.RESOLVED, cause="继电器老化",
                                            solution="更换整套继电器")
        services.ticket_transition(actor=engineer, ticket=ticket, to=Status.CLOSED, by_customer=True)
    assert Task.objects.filter(kind="callback").count() == 1  # a ticket closed again calls back once


def test_a_strategic_customers_key_account_manager_calls_back(engineer, kam, strategic):
    ticket = closed(engineer, strategic)
    assert ticket.strategic and ticket.responsible == engineer
    assert callback(ticket).assignee == kam


def test_an_auto_closed_ticket_gets_its_callback_too(engineer, customer):
    ticket = resolved(engineer, customer)
    assert sla_sweep.sla_sweep(now=later(4) + dt.timedelta(days=7, minutes=1)).auto_closed == 1
    task = callback(ticket)
    assert task.assignee == engineer and task.due_date == dt.date(2026, 11, 26)


# --- the rating -----------------------------------------------------------------------------------------
def test_the_rating_is_recorded_and_completes_the_callback(engineer, kam, strategic):
    ticket = rate(kam, closed(engineer, strategic), 4, "响应很快，希望配件再备足一些")
    ticket.refresh_from_db()
    assert (ticket.satisfaction, ticket.rating_comment, ticket.rated_by, ticket.rated_at) == (
        4, "响应很快，希望配件再备足一些", kam, later(30))
    task = callback(ticket)
    assert (task.status, task.done_by, task.done_at) == ("done", kam, later(30))
    event = TicketEvent.objects.get(ticket=ticket, action="rate")
    assert event.by == kam and event.note.startswith("满意度 4 分")
    entry = AuditEntry.objects.get(action=actions.TICKET_RATE)
    assert entry.actor == kam and entry.target_id == str(ticket.pk) and entry.data == {"satisfaction": 4}


def test_a_ticket_is_rated_once(engineer, customer):
    ticket = rate(engineer, closed(engineer, customer), 2, "太慢")
    with pytest.raises(Conflict) as again:
        rate(engineer, ticket, 5, "改个好评")
    assert again.value.code == "ticket_already_rated" and "不能重复评价" in str(again.value.message)
    assert "2 分" in str(again.value.message)
    ticket.refresh_from_db()
    assert (ticket.satisfaction, ticket.rating_comment) == (2, "太慢")
    assert AuditEntry.objects.filter(action=actions.TICKET_RATE).count() == 1


def test_only_a_closed_ticket_is_rated_and_only_1_to_5(engineer, customer):
    ticket = resolved(engineer, customer)
    with pytest.raises(Conflict) as open_one:
        rate(engineer, ticket)
    assert open_one.value.code == "ticket_not_closed"
    with clock.frozen(later(24)):
        ticket = services.ticket_transition(actor=engineer, ticket=ticket, to=Status.CLOSED, by_customer=True)
    for wrong in (0, 6, "很好", None):
        with pytest.raises(DomainError) as refused:
            rate(engineer, ticket, wrong)
        assert refused.value.field == "satisfaction"
    assert Ticket.objects.get(pk=ticket.pk).satisfaction is None and callback(ticket).status == "open"


def test_rating_needs_the_handle_permission_and_the_ticket_in_scope(engineer, customer, make_user):
    ticket = closed(engineer, customer)
    with pytest.raises(PermissionDenied):
        rate(make_user(roles.GENERAL_MANAGER), ticket)  # sees tickets, handles none
    with pytest.raises(NotFound):
        rate(make_user(roles.AFTER_SALES_ENGINEER, full_name="外部门工程师"), ticket)


# --- the form -------------------------------------------------------------------------------------------
def test_the_rating_page_for_anonymous_without_permission_out_of_scope(engineer, customer, make_user, client, login):
    url = reverse("service:ticket_rate", args=[closed(engineer, customer).pk])
    assert client.get(url).status_code == 302 and "/login" in client.get(url)["Location"]
    login(make_user(roles.GENERAL_MANAGER))
    assert client.get(url).status_code == 403
    login(make_user(roles.AFTER_SALES_ENGINEER, full_name="外部门工程师"))
    assert client.get(url).status_code == 404
    assert client.post(url, {"satisfaction": "5"}).status_code == 404
    assert Ticket.objects.get().rated_at is None


def test_the_rating_form_records_once_on_the_page_and_in_htmx(engineer, customer, client, login):
    ticket = closed(engineer, customer)
    url = reverse("service:ticket_rate", args=[ticket.pk])
    login(engineer)
    page = client.get(url)
    assert page.status_code == 200 and 'name="satisfaction"' in page.content.decode() and ticket.number in (
        page.content.decode())
    wrong = client.post(url, {"satisfaction": "9"}, headers={"HX-Request": "true"})
    assert wrong.status_code == 200 and "invalid-feedback" in wrong.content.decode()
    done = client.post(url, {"satisfaction": "5", "comment": "非常满意"}, headers={"HX-Request": "true"})
    html = done.content.decode()
    assert done.status_code == 200 and "5 分" in html and "非常满意" in html and 'name="satisfaction"' not in html
    assert "<html" not in html  # the partial, swapped into the ticket page
    assert callback(ticket).status == "done"
    again = client.get(url)  # rated: the page shows the rating, no form
    assert 'name="satisfaction"' not in again.content.decode() and "非常满意" in again.content.decode()


def test_the_form_without_htmx_goes_back_to_the_ticket_and_a_second_rating_is_refused_there(engineer, customer,
                                                                                         client, login):
    ticket = closed(engineer, customer)
    url = reverse("service:ticket_rate", args=[ticket.pk])
    login(engineer)
    response = client.post(url, {"satisfaction": "3"})
    assert response.status_code == 302 and response["Location"] == reverse("service:ticket", args=[ticket.pk])
    assert Ticket.objects.get(pk=ticket.pk).satisfaction == 3
    again = client.post(url, {"satisfaction": "5"})
    assert again.status_code == 200 and "不能重复评价" in again.content.decode()
    assert Ticket.objects.get(pk=ticket.pk).satisfaction == 3


def test_my_day_links_the_callback_task_to_the_rating_form(engineer, customer, client, login):
    ticket = closed(engineer, customer)
    login(engineer)
    with clock.frozen(later(24 * 5)):  # the task is due: it shows under 今日待办
        html = client.get(reverse("engagement:my_day")).content.decode()
    assert reverse("service:ticket_rate", args=[ticket.pk]) in html
    assert f"回访：{ticket.number}" in html
    task = Task.objects.get(source_key=f"callback:{ticket.pk}")
    assert reverse("engagement:task_done", args=[task.pk]) not in html  # done by recording the rating


def test_a_callback_is_done_by_its_rating_not_by_the_done_button(engineer, customer, client, login):
    ticket = closed(engineer, customer)
    task = Task.objects.get(source_key=f"callback:{ticket.pk}")
    with pytest.raises(Conflict, match="回访"):
        engagement_services.task_complete(actor=task.assignee, task=task)
    login(task.assignee)
    client.post(reverse("engagement:task_done", args=[task.pk]))
    task.refresh_from_db()
    assert task.status == "open"  # still owed: the satisfaction figures count it among the callbacks owed

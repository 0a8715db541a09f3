"""A customer-service agent's day in a browser (SVC-1, SVC-2, SVC-4): a complaint by phone from a strategic
customer is entered with the customer picked by search, lands at the top of the queue, is started, resolved
with its cause and solution, and closed once the customer confirms."""

import re

import pytest

from kehu.customers.models import Customer
from kehu.org import roles
from kehu.service import services
from kehu.service.models import Status, Ticket
from tests.browser import sign_in
from tests.customer_data import make_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("defaults_seeded"),
              pytest.mark.req("SVC-1", "SVC-2", "SVC-4")]


def test_a_strategic_customers_complaint_from_entry_to_closing(live_server, page, make_user):
    agent = make_user(roles.CUSTOMER_SERVICE, username="zhaokf", full_name="赵客服")
    owner = make_user(roles.KEY_ACCOUNT_MANAGER, full_name="钱经理", department=agent.department)
    plain = make_customer(owner, "宁波普通贸易有限公司")
    services.ticket_open(actor=owner, customer=plain, kind="complaint", channel="email", severity="critical",
                         title="普通客户的重大问题", description="交货延误一周")
    customer = make_customer(owner, "上海浦江战略集团有限公司", mobile="13812345678")
    Customer.objects.filter(pk=customer.pk).update(tier="strategic")

    sign_in(page, live_server.url, "zhaokf")
    page.locator("#kehu-nav").get_by_text("登记工单").click()
    page.wait_for_url(re.compile(r"/service/tickets/new/$"))
    page.select_option("main select[name=channel]", "phone")
    page.select_option("main select[name=kind]", "complaint")
    page.fill("main input[name=customer_q]", "浦江战略")
    page.get_by_label("上海浦江战略集团有限公司").check()  # the picker htmx brought in
    page.select_option("#customer-pick select[name=contact]", label="李四")
    page.wait_for_load_state("networkidle")
    page.fill("main input[name=title]", "设备运行异响")
    page.fill("main textarea[name=description]", "新装的三号机运行时有明显异响")
    page.click("main button[type=submit]:has-text('登记')")
    page.wait_for_url(re.compile(r"/service/tickets/\d+/$"))
    ticket = Ticket.objects.get(title="设备运行异响")
    assert ticket.customer_id == customer.pk and ticket.strategic and ticket.contact.name == "李四"

    page.locator("#kehu-nav").get_by_text("工单队列").click()
    page.wait_for_url(re.compile(r"/service/tickets/$"))
    rows = page.locator("#queue tbody tr")
    assert rows.first.get_attribute("data-ticket") == ticket.number
    assert "战略" in rows.first.inner_text() and "普通客户的重大问题" in rows.nth(1).inner_text()

    page.select_option("main select[name=kind]", "inquiry")  # a filter applies as soon as it changes
    page.wait_for_url(re.compile(r"kind=inquiry"))
    page.wait_for_load_state("networkidle")
    assert page.locator("#queue tbody tr").first.get_attribute("data-ticket") is None  # no inquiries
    page.go_back()
    page.wait_for_load_state("networkidle")
    rows = page.locator("#queue tbody tr")
    rows.first.get_by_role("link", name=ticket.number).click()
    page.wait_for_url(re.compile(rf"/service/tickets/{ticket.pk}/$"))
    page.locator("#act-start summary").click()
    page.locator("#act-start button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#ticket-status").inner_text() == "处理中"

    page.locator("#act-resolve summary").click()
    page.fill("#act-resolve textarea[name=resolve-cause]", "地脚螺栓未紧固")
    page.fill("#act-resolve textarea[name=resolve-solution]", "上门紧固并试机")
    page.locator("#act-resolve button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#ticket-status").inner_text() == "已解决"
    assert "地脚螺栓未紧固" in page.locator("#ticket-result").inner_text()

    page.locator("#act-close summary").click()
    page.locator("#act-close button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#ticket-status").inner_text() == "已关闭"
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED and ticket.closed_by_customer
    assert (ticket.cause, ticket.solution) == ("地脚螺栓未紧固", "上门紧固并试机")
    assert page.csp_errors == []

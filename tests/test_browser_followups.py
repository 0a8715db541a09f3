"""Recording a follow-up from a phone-sized browser (REL-1, REL-6): my day shows the reminder, tapping it opens
the one-column form, saving lands on the customer's follow-ups and answers the reminder."""

import re

import pytest

from kehu.core import clock
from kehu.engagement.models import Task
from kehu.org import roles
from tests.browser import sign_in
from tests.customer_data import make_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("defaults_seeded")]


@pytest.mark.req("REL-1", "REL-6")
def test_record_a_followup_on_a_phone_from_my_day(live_server, phone_page, make_user):
    lilei = make_user(roles.SALESPERSON, username="lilei", full_name="李雷")
    customer = make_customer(lilei, "杭州华信电子科技有限公司", mobile="13812345678")
    task = Task.objects.create(assignee=lilei, customer=customer, kind="recontact", title="再次联系：杭州华信",
                               due_date=clock.today())
    page = phone_page
    sign_in(page, live_server.url, "lilei")
    page.locator(".navbar-toggler").click()
    page.locator("#kehu-nav").get_by_text("我的一天").click()
    page.wait_for_url(re.compile(r"/my-day/$"))
    page.get_by_role("link", name="再次联系：杭州华信").click()
    page.wait_for_url(re.compile(rf"/followups/new/{customer.pk}/$"))
    # One column that fits the screen, with thumb-sized controls.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for selector in ("select[name=kind]", "textarea[name=content]", "button[type=submit]"):
        assert page.locator(f"main {selector}").bounding_box()["height"] >= 44, selector
    page.select_option("select[name=kind]", "visit")
    page.select_option("select[name=contact]", label="李四")
    page.fill("textarea[name=content]", "上门拜访，客户确认下季度采购计划")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(rf"/customers/{customer.pk}/\?tab=followups"))
    assert "上门拜访，客户确认下季度采购计划" in page.locator("#tabs").inner_text()
    task.refresh_from_db()
    assert task.status == "done"
    page.goto(f"{live_server.url}/my-day/")
    assert "再次联系：杭州华信" not in page.content()


@pytest.mark.req("REL-1")
def test_quick_entry_in_the_customer_tab(live_server, page, make_user):
    make_user(roles.SALESPERSON, username="hanmei", full_name="韩梅")
    from kehu.org.models import User

    customer = make_customer(User.objects.get(username="hanmei"), "宁波恒通物流有限公司")
    sign_in(page, live_server.url, "hanmei")
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    page.locator("#tabs").get_by_role("link", name="跟进记录").click()
    page.locator("#tab-followups summary", has_text="记跟进").click()
    page.select_option("#tab-followups select[name=kind]", "phone")
    page.fill("#tab-followups textarea[name=content]", "电话确认了到货时间")
    page.fill("#tab-followups input[name=next_step]", "下周回访")
    page.click("#tab-followups button[type=submit]")
    page.wait_for_url(re.compile(r"\?tab=followups"))
    assert "电话确认了到货时间" in page.locator("#tabs").inner_text()
    assert "下一步：下周回访" in page.locator("#tabs").inner_text()
    assert page.csp_errors == []

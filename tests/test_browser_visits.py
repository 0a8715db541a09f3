"""Issue 5's "done when" in a real, phone-sized browser: a key-account manager sees this month's required
visits on "my day", records one, and the manager's compliance figure for "strategic customers visited monthly"
moves."""

import re

import pytest

from kehu.customers.models import Customer
from kehu.engagement import compliance, planning
from kehu.org import roles
from kehu.org.factories import DepartmentFactory
from tests.browser import sign_in
from tests.customer_data import make_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("defaults_seeded")]


def _kam_figure(manager):
    return next(f for f in compliance.visit_compliance(manager) if f.rule.code == "strategic.key_account_manager")


@pytest.mark.req("REL-2", "POL-3", "REL-6")
def test_kam_records_a_visit_from_a_phone_and_the_managers_figure_moves(live_server, phone_page, make_user):
    dept = DepartmentFactory(name="大客户部")
    kam = make_user(roles.KEY_ACCOUNT_MANAGER, username="qian", full_name="钱大客户", department=dept)
    manager = make_user(roles.SALES_MANAGER, full_name="赵经理", department=dept)
    customers = [make_customer(kam, name) for name in ("宁波海天精工股份有限公司", "上海振华重工股份有限公司")]
    Customer.objects.filter(pk__in=[c.pk for c in customers]).update(tier="strategic")
    planning.plan_visits()
    assert (_kam_figure(manager).current.done, _kam_figure(manager).current.total) == (0, 2)

    page = phone_page
    sign_in(page, live_server.url, "qian")
    page.goto(f"{live_server.url}/my-day/")
    due = page.locator(".card", has_text="待拜访")
    assert "宁波海天精工股份有限公司" in due.inner_text() and "上海振华重工股份有限公司" in due.inner_text()
    due.get_by_text("宁波海天精工股份有限公司").click()
    page.wait_for_url(re.compile(r"/visits/record/\d+/$"))
    page.fill("textarea[name=content]", "年度合作回顾，确认明年需求")
    page.fill("textarea[name=intel_competitor]", "竞品报价低 8%")
    save = page.get_by_role("button", name="保存拜访记录")
    box = save.bounding_box()
    assert box["width"] >= 300 and box["height"] >= 40  # full width, thumb-sized
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    save.click()
    page.wait_for_url(re.compile(r"/visits/$"))
    assert "完成拜访计划 1 项" in page.content()
    assert (_kam_figure(manager).current.done, _kam_figure(manager).current.total) == (1, 2)

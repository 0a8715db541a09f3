"""The public pool in a real browser (issue 4's "done when"): a salesperson opens 公海 from the navigation,
sees a pool customer with its phone masked, claims it, finds it under 我的客户 with its countdown, and is
shown why a customer she released herself cannot be claimed back yet."""

import re

import pytest

from kehu.customers import ownership
from kehu.org import roles
from tests.browser import sign_in
from tests.customer_data import make_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("defaults_seeded")]


@pytest.mark.req("OWN-3", "OWN-4")
def test_claim_from_the_pool_and_the_cooldown_explained(live_server, page, make_user):
    wangfang = make_user(roles.SALESPERSON, username="wangfang", full_name="王芳")
    colleague = make_user(roles.SALESPERSON, full_name="李雷")
    waiting = make_customer(colleague, "杭州华信电子科技有限公司", mobile="13812345678")
    ownership.customer_release(actor=colleague, customer=waiting, reason="客户暂无采购计划")
    mine = make_customer(wangfang, "宁波恒通物流有限公司")
    ownership.customer_release(actor=wangfang, customer=mine, reason="不在负责区域")

    sign_in(page, live_server.url, "wangfang")
    page.click("#kehu-nav >> text=公海客户")
    page.wait_for_url(re.compile(r"/customers/pools/$"))
    row = page.locator("tr", has_text="杭州华信电子科技有限公司")
    assert "138****5678" in row.inner_text() and "13812345678" not in page.content()
    assert "客户暂无采购计划" in row.inner_text()
    refused = page.locator("tr", has_text="宁波恒通物流有限公司")
    assert refused.locator("button[disabled]").count() == 1
    assert "您今天刚退回了该客户" in refused.inner_text()

    row.get_by_role("button", name="领取").click()
    page.wait_for_load_state()
    assert "已领取客户“杭州华信电子科技有限公司”" in page.content()
    page.click("#kehu-nav >> text=我的客户")
    page.wait_for_url(re.compile(r"/customers/mine/$"))
    claimed = page.locator("tr", has_text="杭州华信电子科技有限公司")
    assert "30 天后退回公海" in claimed.inner_text()
    assert page.csp_errors == []

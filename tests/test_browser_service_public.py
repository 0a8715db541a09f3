"""A visitor, not signed in, files a complaint on the public service page and looks up its status (SVC-8).

The browser reads the challenge as a person would see it: an image. The test learns the answer from the
token the page carries, the way the server does (challenge.question_for needs the secret key, which only the
server process, here the test's own, holds); production code has no back door for it."""

import re

import pytest

from kehu.org import roles
from kehu.service import challenge
from kehu.service.models import Ticket, TicketCategory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("defaults_seeded"),
              pytest.mark.req("SVC-8")]


def answer_the_challenge(page) -> None:
    token = page.locator("input[name=challenge]").input_value()
    assert page.locator("img.kehu-challenge").evaluate("img => img.complete && img.naturalWidth > 0")
    page.fill("input[name=answer]", str(challenge.question_for(token).answer))


@pytest.mark.parametrize("javascript", [True, False])
def test_a_visitor_files_a_complaint_and_looks_it_up(live_server, chromium, make_user, settings, javascript):
    settings.KEHU_PUBLIC_MIN_FILL_SECONDS = 1  # a person takes longer; the test waits this long for the page
    make_user(roles.CUSTOMER_SERVICE, username="zhaokefu", full_name="赵客服")
    TicketCategory.objects.create(code="delivery", name="物流配送")
    context = chromium.new_context(locale="zh-CN", java_script_enabled=javascript)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.goto(f"{live_server.url}/public/service/")
    assert page.url.endswith("/public/service/")  # no detour to the login page
    page.check("input[name=kind][value=complaint]")
    page.select_option("select[name=category]", label="物流配送")
    page.fill("input[name=company]", "宁波恒通物流有限公司")
    page.fill("input[name=name]", "陈先生")
    page.fill("input[name=phone]", "139 0000 1111")
    page.fill("textarea[name=description]", "送货延误三天，货物有破损")
    trap = page.locator("input[name=website]").bounding_box()
    assert trap["x"] + trap["width"] < 0  # the honeypot is off screen
    answer_the_challenge(page)
    page.wait_for_timeout(1100)
    page.click("main button[type=submit]")

    number = page.locator("#tracking-number").inner_text()
    ticket = Ticket.objects.get(number=number)
    assert (ticket.kind, ticket.channel, ticket.category.code) == ("complaint", "web_form", "delivery")

    page.get_by_role("link", name="查询处理进度").first.click()
    page.wait_for_url(re.compile(r"/public/service/status/$"))
    page.fill("input[name=number]", number)
    page.fill("input[name=phone]", "13900001111")
    answer_the_challenge(page)
    page.wait_for_timeout(1100)
    page.click("main button[type=submit]")

    status = page.locator("#ticket-status").inner_text()
    assert "投诉" in status and "客户服务团队" in status and "赵客服" not in page.content()
    assert number in page.locator("h1").inner_text()
    assert errors == []  # nothing the CSP blocked
    context.close()

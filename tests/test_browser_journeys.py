"""The main journeys in a real browser (PLAT-1, SEC-1): sign in, work in Chinese, switch to English, sign out, phone layout."""

import re

import pytest

from kehu.org import roles
from kehu.org.factories import TEST_PASSWORD
from tests.browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("defaults_seeded")]


@pytest.mark.req("PLAT-1", "SEC-1")
def test_sign_in_switch_language_sign_out(live_server, page, make_user):
    user = make_user(roles.SALESPERSON, username="wangfang", full_name="王芳")
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.fill("input[name=username]", "WangFang")  # user names are case-insensitive
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    assert "王芳" in page.content()
    assert user.department.name in page.content()

    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"

    page.click("button.dropdown-toggle")
    page.click("form[action$='/logout/'] button")
    page.wait_for_url(re.compile(r"/login/"))
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url
    assert page.csp_errors == []


@pytest.mark.req("PLAT-1")
def test_phone_navigation_folds_away(live_server, phone_page, make_user, client):
    # A salesperson: a sales manager may unmask and export, so signs in with a second factor.
    make_user(roles.SALESPERSON, username="lilei", full_name="李雷")
    page = phone_page
    sign_in(page, live_server.url, "lilei")
    nav = page.locator("#kehu-nav")
    assert not nav.is_visible()
    toggler = page.locator(".navbar-toggler")
    box = toggler.bounding_box()
    assert box["height"] >= 40  # a thumb-sized target
    toggler.click()
    nav.wait_for(state="visible")
    assert nav.get_by_text("工作台").is_visible()

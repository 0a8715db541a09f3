"""The event page's invitation in a real browser: search the customers in one's scope, pick one, then its
contact, and invite (REL-5)."""

import datetime as dt
import re

import pytest

from kehu.core import clock
from kehu.customers.factories import ContactFactory
from kehu.engagement import events
from kehu.engagement.models import Invitation
from kehu.org import roles
from tests.browser import sign_in
from tests.customer_data import make_customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("defaults_seeded"),
              pytest.mark.req("REL-5")]


def test_search_pick_a_customer_then_its_contact_and_invite(live_server, phone_page, make_user):
    sales = make_user(roles.SALESPERSON, username="song", full_name="宋销售")
    manager = make_user(roles.SALES_MANAGER, department=sales.department)
    customer = make_customer(sales, "宁波海天精工股份有限公司")
    ContactFactory(customer=customer, name="周晓燕", title="副总经理")
    event = events.event_save(actor=manager, title="年度客户答谢会", kind="thanksgiving",
                              starts_at=clock.now() + dt.timedelta(days=10))

    page = phone_page
    sign_in(page, live_server.url, "song")
    page.goto(f"{live_server.url}/events/{event.pk}/")
    page.fill("input[name=q]", "海天")
    page.get_by_label(re.compile("宁波海天精工股份有限公司")).check()
    page.select_option("select[name=contact]", label="周晓燕（副总经理）")
    page.select_option("select[name=channel]", "phone")
    page.get_by_role("button", name="邀请", exact=True).click()
    page.wait_for_url(re.compile(rf"/events/{event.pk}/$"))
    page.wait_for_load_state("networkidle")  # the page's own htmx loads end before the test does
    assert "已邀请" in page.content()
    invitation = Invitation.objects.get()
    assert (invitation.customer, invitation.contact.name, invitation.channel) == (customer, "周晓燕", "phone")

"""My day (REL-6): the section registry, my tasks due, the manager's team view within their scope."""

import datetime as dt

import pytest
from django.urls import reverse

from kehu.core import clock
from kehu.engagement import myday
from kehu.engagement.models import Task
from kehu.org import roles
from tests.customer_data import make_customer

pytestmark = [pytest.mark.django_db, pytest.mark.req("REL-6")]

TODAY = dt.date(2026, 3, 10)
URL = "/my-day/"


def task(user, title, due, **extra):
    return Task.objects.create(assignee=user, kind="follow_up", title=title, due_date=due, **extra)


@pytest.fixture
def manager(make_user, sales):
    return make_user(roles.SALES_MANAGER, full_name="赵经理", department=sales.department)


def test_url_and_navigation(login, sales):
    assert reverse("engagement:my_day") == URL
    html = login(sales).get(reverse("web:home")).content.decode()
    assert "跟进与拜访" in html and f'href="{URL}"' in html


def test_anonymous_and_without_permission(client, login, make_user):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response["Location"]
    assert login(make_user(roles.SYSTEM_ADMIN)).get(URL).status_code == 403


def test_my_tasks_due_today_and_overdue_only_mine(login, sales, other, django_assert_max_num_queries):
    customer = make_customer(sales, "杭州华信电子科技有限公司")
    task(sales, "回访华信", TODAY - dt.timedelta(days=2), customer=customer)
    task(sales, "今天的事", TODAY)
    task(sales, "明天的事", TODAY + dt.timedelta(days=1))
    task(sales, "已办完", TODAY, status="done")
    task(other, "别人的事", TODAY)
    client = login(sales)
    with clock.frozen(dt.datetime.combine(TODAY, dt.time(9), tzinfo=clock.now().tzinfo)):
        with django_assert_max_num_queries(20):
            html = client.get(URL).content.decode()
    assert "回访华信" in html and "今天的事" in html and reverse("customers:detail", args=[customer.pk]) in html
    assert "明天的事" not in html and "已办完" not in html and "别人的事" not in html
    assert "text-danger" in html  # the overdue one


def test_a_registered_section_shows_and_none_hides(login, sales, monkeypatch):
    monkeypatch.setattr(myday, "SECTIONS", list(myday.SECTIONS))
    myday.register(lambda user, today: myday.MyDaySection(title="测试板块", rows=[myday.MyDayRow(title="一行")]))
    myday.register(lambda user, today: None)
    html = login(sales).get(URL).content.decode()
    assert "测试板块" in html and "一行" in html


def test_team_summary_and_a_member_in_scope(login, manager, sales, other, make_user):
    outsider = make_user(roles.SALESPERSON, full_name="钱外人")  # another department: out of scope
    task(sales, "张的逾期事", TODAY - dt.timedelta(days=1))
    task(outsider, "外人的事", TODAY)
    client = login(manager)
    with clock.frozen(dt.datetime.combine(TODAY, dt.time(9), tzinfo=clock.now().tzinfo)):
        html = client.get(URL, {"team": "1"}).content.decode()
        assert "张销售" in html and "钱外人" not in html and "今日待办" in html
        assert f"?member={sales.pk}" in html
        member = client.get(URL, {"member": sales.pk}).content.decode()
        assert "张的逾期事" in member and "张销售 的一天" in member
        assert client.get(URL, {"member": outsider.pk}).status_code == 404
        # A salesperson holds no team view: the parameter is ignored, they see their own day.
        own = login(sales).get(URL, {"member": outsider.pk}).content.decode()
        assert "外人的事" not in own and "张的逾期事" in own

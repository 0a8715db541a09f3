"""My day (REL-6): the section registry, my tasks due, the manager's team view within their scope."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kehu.core import clock
from kehu.customers.models import Customer
from kehu.engagement import myday
from kehu.engagement.models import Task
from kehu.org import roles
from tests.customer_data import make_customer

pytestmark = [pytest.mark.django_db, pytest.mark.req("REL-6")]

TODAY = dt.date(2026, 3, 10)
URL = "/my-day/"
MY_DAY_QUERIES = 18  # measured; see test_my_day_costs_the_same_for_many_rows_as_for_few
TEAM_QUERIES = 13  # sign-in (4), the members, policy ×2 (reminders, pools), one count per column (6)


def task(user, title, due, **extra):
    return Task.objects.create(assignee=user, kind="follow_up", title=title, due_date=due, **extra)


@pytest.fixture
def manager(make_user, sales):
    return make_user(roles.SALES_MANAGER, full_name="赵经理", department=sales.department)


def test_url_and_navigation(login, sales):
    assert reverse("engagement:my_day") == URL
    html = login(sales).get(reverse("web:home")).content.decode()
    assert "跟进与拜访" in html and f'href="{URL}"' in html


def test_anonymous_and_without_permission(client, login, make_user, sales):
    mine = task(sales, "回访", TODAY)
    done = reverse("engagement:task_done", args=[mine.pk])
    for response in (client.get(URL), client.post(done)):
        assert response.status_code == 302 and "login" in response["Location"]
    admin = login(make_user(roles.SYSTEM_ADMIN))
    assert admin.get(URL).status_code == 403 and admin.post(done).status_code == 403
    mine.refresh_from_db()
    assert mine.status == "open"


def test_my_day_in_english(client, sales, login):
    from tests.test_i18n_catalogue import chinese_outside, user_data

    customer = make_customer(sales, "杭州华信电子科技有限公司")
    Task.objects.create(assignee=sales, customer=customer, kind="recontact", title="Call back", due_date=TODAY)
    client = login(sales)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with clock.frozen(dt.datetime.combine(TODAY, dt.time(9), tzinfo=ZoneInfo("Asia/Shanghai"))):
        page = client.get(URL).content.decode()
    assert "My day" in page and "Tasks due" in page and "Done" in page
    assert chinese_outside(page, [*user_data(sales), customer.name]) == []


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
    assert "回访华信" in html and "今天的事" in html and reverse("engagement:followup_new", args=[customer.pk]) in html
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


# --- the sections of my own (REL-6): follow-ups due, stale data, customers about to return --------------
SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 1, 5, 10, 0, tzinfo=SH)
NOW = T0 + dt.timedelta(days=200)


def customer_at(owner, name, days_ago: int, tier: str = "general"):
    with clock.frozen(NOW - dt.timedelta(days=days_ago)):
        customer = make_customer(owner, name)
    Customer.objects.filter(pk=customer.pk).update(tier=tier)
    return customer


@pytest.fixture
def my_world(sales):
    """A strategic customer due for review (never returns), a general one the pool rules return within
    the warning period, a planned follow-up due, and a recontact task."""
    stale = customer_at(sales, "杭州华信电子科技有限公司", 200, "strategic")
    soon = customer_at(sales, "宁波恒通物流有限公司", 28)
    today = NOW.date()
    task(sales, "寄送样品", today, customer=soon)
    Task.objects.create(assignee=sales, customer=stale, kind="recontact", title="再次联系：杭州华信", due_date=today)
    return {"stale": stale, "soon": soon}


def test_my_day_shows_followups_due_tasks_stale_data_and_customers_returning(login, sales, my_world):
    with clock.frozen(NOW):
        html = login(sales).get(URL).content.decode()
    for title in ("今日待办", "到期跟进", "资料待核实", "即将退回公海"):
        assert title in html, title
    assert "寄送样品" in html and "再次联系：杭州华信" in html
    assert reverse("customers:review", args=[my_world["stale"].pk]) in html and "逾期 110 天" in html
    assert reverse("customers:ownership", args=[my_world["soon"].pk]) in html
    assert html.index("再次联系：杭州华信") < html.index("到期跟进") < html.index("寄送样品")  # each in its section
    assert reverse("customers:mine") + "?soon=1" in html and reverse("customers:stale") in html


def test_completing_a_task_from_my_day(login, sales, other, my_world):
    mine = Task.objects.get(title="寄送样品")
    theirs = task(other, "别人的事", NOW.date())
    client = login(sales)
    assert client.get(reverse("engagement:task_done", args=[mine.pk])).status_code == 405
    assert client.post(reverse("engagement:task_done", args=[theirs.pk])).status_code == 404
    with clock.frozen(NOW):
        response = client.post(reverse("engagement:task_done", args=[mine.pk]))
        assert response.status_code == 302 and response["Location"] == URL
        mine.refresh_from_db()
        assert mine.status == "done" and mine.done_by == sales
        again = client.post(reverse("engagement:task_done", args=[mine.pk]), follow=True)
        assert "该待办已完成或已取消" in again.content.decode()
        assert "寄送样品" not in client.get(URL).content.decode()


def test_my_day_costs_the_same_for_many_rows_as_for_few(login, sales, my_world, django_assert_max_num_queries):
    client = login(sales)

    def cost():
        with clock.frozen(NOW):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(URL).status_code == 200
        return len(queries)

    few = cost()
    for i in range(30):
        customer_at(sales, f"深圳启明{i}新材料有限公司", 200, "strategic")
        customer_at(sales, f"苏州{i}精密机械有限公司", 27)
        task(sales, f"待办{i}", NOW.date() - dt.timedelta(days=i))
        Task.objects.create(assignee=sales, kind="recontact", title=f"提醒{i}", due_date=NOW.date())
    many = cost()
    # Measured 18: sign-in (session, user, roles), tasks and follow-ups due (rows, count each), stale data
    # (policy, department, shared ids, rows, count), returning (policy, rows, count), visits due (rows: no plans
    # here; with plans the policy, role names and count too, see test_engagement_visit_pages), care this week
    # (rows; its count only past 10 rows), my open tickets (rows: none here); fewer when the sections are short
    # enough to need no count.
    assert few <= many == MY_DAY_QUERIES, (few, many)


def test_team_summary_counts_each_member_in_a_fixed_number_of_queries(login, manager, sales, make_user, my_world):
    client = login(manager)

    def summary():
        with clock.frozen(NOW):
            with CaptureQueriesContext(connection) as queries:
                html = client.get(URL, {"team": "1"}).content.decode()
        return html, len(queries)

    html, few = summary()
    row = html[html.index(f"?member={sales.pk}"):]
    row = row[:row.index("</tr>")]
    assert re.findall(r'<td class="text-end">(\d+)</td>', row) == ["2", "1", "1", "0", "0", "0"]  # due, stale, returning, visits, care, tickets
    for i in range(8):
        member = make_user(roles.SALESPERSON, department=sales.department, full_name=f"成员{i}")
        customer_at(member, f"成员{i}的客户有限公司", 200, "strategic")
    html, many = summary()
    assert "成员7" in html and few == many == TEAM_QUERIES, (few, many)
    with clock.frozen(NOW):
        member = client.get(URL, {"member": sales.pk}).content.decode()
    assert "逾期 110 天" in member and "寄送样品" in member and "完成</button>" not in member
    assert client.get(URL, {"member": "x"}).status_code == 404

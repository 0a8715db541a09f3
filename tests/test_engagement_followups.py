"""Follow-up records (REL-1): the service (pool clock, next-date task, audit), the pages (the customer's tab,
the phone-sized form, my follow-ups), the timeline, and /api/v1/followups and /api/v1/tasks."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.core.errors import DomainError, PermissionDenied
from kehu.customers import permissions as customer_perms
from kehu.customers import pools, timeline
from kehu.customers.factories import ContactFactory
from kehu.customers.models import Customer
from kehu.engagement import actions, services
from kehu.engagement.models import FollowUp, Task
from kehu.org import roles
from kehu.org.models import Role
from kehu.org.permissions import BUSINESS
from kehu.policy.selectors import version_in_force
from tests.customer_data import make_customer

pytestmark = [pytest.mark.django_db, pytest.mark.req("REL-1")]

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)
API = "/api/v1/followups"


def day(n: int, hour: int = 10) -> dt.datetime:
    return (T0 + dt.timedelta(days=n)).replace(hour=hour)


@pytest.fixture
def mine(sales):
    with clock.frozen(T0):
        return make_customer(sales, "杭州华信电子科技有限公司", mobile="13812345678")


@pytest.fixture
def theirs(other):
    with clock.frozen(T0):
        return make_customer(other, "苏州星辰软件有限公司")


def record(actor, customer, **data):
    return services.followup_record(actor=actor, customer=customer, data={"kind": "phone", "content": "电话沟通需求", **data})


# --- the service --------------------------------------------------------------------------------------------
def test_record_moves_the_last_contact_and_resets_the_pool_clock(sales, mine):
    version = version_in_force(day(29))
    rules = version.section("pools")  # the default: back to the pool after 30 days without a follow-up
    assert pools.decide_return(rules, mine, day(30), version.number).due
    with clock.frozen(day(29)):
        followup = record(sales, mine, contact=mine.contacts.get(), outcome="有意向", next_step="寄样品")
    mine.refresh_from_db()
    assert mine.last_contact_at == day(29) == followup.happened_at and followup.by == sales
    assert not pools.decide_return(rules, mine, day(30), version.number).due
    assert pools.decide_return(rules, mine, day(59), version.number).due
    entry = AuditEntry.objects.get(action=actions.FOLLOWUP_RECORD)
    assert entry.actor == sales and entry.data["followup"] == followup.pk and entry.data["kind"] == "phone"


def test_a_backdated_record_does_not_move_the_last_contact_back(sales, mine):
    with clock.frozen(day(10)):
        record(sales, mine)
        record(sales, mine, happened_at=day(3))
    mine.refresh_from_db()
    assert mine.last_contact_at == day(10)
    assert list(FollowUp.objects.values_list("happened_at", flat=True)) == [day(10), day(3)]  # newest first


def test_next_date_becomes_my_task_and_a_record_closes_open_reminders(sales, mine):
    with clock.frozen(day(1)):
        record(sales, mine, next_step="报价", next_date=day(8).date())
    task = Task.objects.get()
    assert (task.assignee, task.customer, task.kind, task.title, task.due_date, task.status) == (
        sales, mine, "follow_up", "报价", day(8).date(), "open")
    with clock.frozen(day(5)):
        record(sales, mine)  # contacted before the date: the reminder is answered
    task.refresh_from_db()
    assert task.status == "done" and task.done_by == sales and task.done_at == day(5)
    assert AuditEntry.objects.filter(action=actions.FOLLOWUP_RECORD).order_by("pk").last().data["tasks_closed"] == 1


def test_refusals(sales, mine, theirs, make_user):
    with clock.frozen(day(1)):
        with pytest.raises(PermissionDenied):
            record(make_user(roles.SYSTEM_ADMIN), mine)
        cases = [({"content": "  "}, "followup_content_required"),
                 ({"happened_at": day(2)}, "followup_in_future"),
                 ({"contact": ContactFactory(customer=theirs)}, "followup_contact_mismatch"),
                 ({"next_date": day(0).date()}, "followup_next_date_past")]
        for data, code in cases:
            with pytest.raises(DomainError) as refused:
                record(sales, mine, **data)
            assert refused.value.code == code
    assert not FollowUp.objects.exists() and not AuditEntry.objects.filter(action=actions.FOLLOWUP_RECORD).exists()


def test_the_timeline_shows_it_in_its_one_query(sales, mine, django_assert_num_queries):
    with clock.frozen(day(1)):
        record(sales, mine, content="拜访了采购部", kind="visit", outcome="下单意向", next_step="跟进报价")
    sales.forget_roles()
    from kehu.customers.field_access import for_user

    for_user(sales)
    with django_assert_num_queries(1):
        events = timeline.events_for(mine, sales)
    event = next(e for e in events if e.kind == "followup")
    assert event.title == "跟进（拜访）" and event.actor_name == "张销售"
    assert "拜访了采购部" in event.detail and "结果：下单意向" in event.detail and "下一步：跟进报价" in event.detail


# --- pages ----------------------------------------------------------------------------------------------------
def test_pages_anonymous_without_permission_and_out_of_scope(client, login, make_user, sales, mine, theirs):
    new = reverse("engagement:followup_new", args=[mine.pk])
    for url in (new, reverse("engagement:followups")):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    admin = login(make_user(roles.SYSTEM_ADMIN))
    assert admin.get(new).status_code == 403 and admin.get(reverse("engagement:followups")).status_code == 403
    mine_client = login(sales)
    assert mine_client.get(reverse("engagement:followup_new", args=[theirs.pk])).status_code == 404
    posted = mine_client.post(reverse("engagement:followup_new", args=[theirs.pk]), {"kind": "phone", "content": "x"})
    assert posted.status_code == 404 and not FollowUp.objects.exists()


def test_record_from_the_customer_page(login, sales, mine):
    client = login(sales)
    tab = client.get(reverse("customers:tab", args=[mine.pk, "followups"])).content.decode()
    new = reverse("engagement:followup_new", args=[mine.pk])
    assert "还没有跟进记录" in tab and f'action="{new}"' in tab and "记跟进" in tab and 'name="content"' in tab
    form = client.get(new).content.decode()
    assert 'type="datetime-local"' in form and "李四" in form
    refused = client.post(new, {"kind": "phone", "content": "", "happened_at": "2026-03-02T09:00"})
    assert refused.status_code == 400 and "invalid-feedback" in refused.content.decode()
    with clock.frozen(day(0)):
        response = client.post(new, {"kind": "wechat", "content": "微信确认了交期", "happened_at": "2026-03-02T09:30",
                                     "contact": mine.contacts.get().pk, "next_date": "2026-03-05"})
    assert response.status_code == 302 and response["Location"].endswith("?tab=followups#tabs")
    tab = client.get(reverse("customers:tab", args=[mine.pk, "followups"])).content.decode()
    assert "微信确认了交期" in tab and "微信" in tab and "李四" in tab and "2026-03-05" in tab
    assert Customer.objects.get(pk=mine.pk).last_contact_at == dt.datetime(2026, 3, 2, 9, 30, tzinfo=SH)
    page = client.get(reverse("customers:detail", args=[mine.pk])).content.decode()
    assert "跟进（微信）" in page  # on the timeline


def test_a_viewer_who_may_not_record_sees_the_tab_without_the_button(login, make_user, sales, mine):
    with clock.frozen(day(1)):
        record(sales, mine, content="第一次电话")
    Role.objects.create(code="archive_reader", name="档案查阅", duty=BUSINESS, data_scope=roles.ALL,
                        permissions=[customer_perms.VIEW])
    reader = login(make_user("archive_reader"))  # sees every customer, records no follow-ups
    html = reader.get(reverse("customers:tab", args=[mine.pk, "followups"])).content.decode()
    assert "第一次电话" in html and "记跟进" not in html
    assert reader.get(reverse("engagement:followup_new", args=[mine.pk])).status_code == 403


def test_my_followups_lists_mine_newest_first_with_a_budget(login, sales, other, mine, theirs,
                                                            django_assert_max_num_queries):
    with clock.frozen(day(3)):
        for i in range(40):
            record(sales, mine, content=f"电话{i:02d}", happened_at=day(1) + dt.timedelta(minutes=i))
        record(other, theirs, content="别人的电话")
    client = login(sales)
    # sign-in (4), the page's rows and its count (each with the shared ids read first): measured 9.
    with django_assert_max_num_queries(9):
        html = client.get(reverse("engagement:followups")).content.decode()
    assert "电话39" in html and "电话10" in html and "电话09" not in html and "别人的电话" not in html
    assert html.index("电话39") < html.index("电话38") and "杭州华信电子科技有限公司" in html
    assert "电话09" in client.get(reverse("engagement:followups"), {"page": 2}).content.decode()


def test_api_list_costs_the_same_for_many_rows(api_client, sales, mine, django_assert_max_num_queries):
    with clock.frozen(day(3)):
        for i in range(60):
            record(sales, mine, content=f"电话{i}", happened_at=day(1) + dt.timedelta(minutes=i))
    client = api_client(sales)
    # token, roles, department, shared ids, the page (customer, contact and recorder joined), the count
    with django_assert_max_num_queries(8):
        body = client.get(API).json()
    assert len(body["items"]) == 50 and body["count"] == 60 and body["items"][0]["content"] == "电话59"


# --- API -----------------------------------------------------------------------------------------------------
def post(client, url, body=None, **headers):
    return client.post(url, json.dumps(body or {}), content_type="application/json", headers=headers)


def test_api_anonymous_without_permission_and_out_of_scope(client, api_client, make_user, sales, mine, theirs):
    with clock.frozen(day(1)):
        followup = record(sales, mine)
    for method, url in (("get", API), ("get", f"{API}/{followup.pk}"), ("post", API), ("get", "/api/v1/tasks"),
                        ("post", "/api/v1/tasks/1/complete")):
        response = client.get(url) if method == "get" else post(client, url)
        assert response.status_code == 401, url
    admin = api_client(make_user(roles.SYSTEM_ADMIN))
    assert admin.get(API).status_code == 403 and admin.get("/api/v1/tasks").status_code == 403
    assert post(admin, API, {"customer_id": mine.pk, "kind": "phone", "content": "x"}).status_code == 403
    outsider = api_client(make_user(roles.SALESPERSON))
    assert outsider.get(f"{API}/{followup.pk}").status_code == 404
    assert outsider.get(API).json()["count"] == 0
    assert post(outsider, API, {"customer_id": mine.pk, "kind": "phone", "content": "x"}).status_code == 404
    assert FollowUp.objects.count() == 1


def test_api_create_idempotent_and_filters(api_client, sales, mine, theirs):
    client = api_client(sales)
    body = {"customer_id": mine.pk, "kind": "meeting", "content": "季度会议", "contact_id": mine.contacts.get().pk,
            "happened_at": "2026-03-02T09:00:00+08:00", "next_date": "2026-03-09", "next_step": "发会议纪要"}
    with clock.frozen(day(0)):
        created = post(client, API, body, **{"Idempotency-Key": "f1"})
        again = post(client, API, body, **{"Idempotency-Key": "f1"})
    assert created.status_code == 201, created.content
    out = created.json()
    assert (out["customer"], out["contact"], out["kind"], out["by"], out["next_date"]) == (
        "杭州华信电子科技有限公司", "李四", "meeting", "张销售", "2026-03-09")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and FollowUp.objects.count() == 1
    wrong = post(client, API, {**body, "contact_id": ContactFactory(customer=theirs).pk})
    assert wrong.status_code == 422 and wrong.json()["code"] == "followup_contact_mismatch"
    assert post(client, API, {**body, "kind": "fax"}).status_code == 422
    with clock.frozen(day(2)):
        record(sales, mine, kind="phone", content="电话")
    assert [f["kind"] for f in client.get(API).json()["items"]] == ["phone", "meeting"]
    assert [f["kind"] for f in client.get(API, {"kind": "meeting"}).json()["items"]] == ["meeting"]
    assert client.get(API, {"since": "2026-03-03"}).json()["count"] == 1
    assert client.get(API, {"customer_id": theirs.pk}).json()["count"] == 0
    assert client.get(f"{API}/{out['id']}").json()["content"] == "季度会议"


def test_api_tasks_list_mine_and_complete(api_client, sales, other, mine):
    with clock.frozen(day(0)):
        record(sales, mine, next_date=day(3).date(), next_step="回电")
    task = Task.objects.get()
    theirs = Task.objects.create(assignee=other, kind="follow_up", title="别人的", due_date=day(1).date())
    client = api_client(sales)
    listed = client.get("/api/v1/tasks").json()
    assert [t["title"] for t in listed["items"]] == ["回电"] and listed["items"][0]["kind_label"] == "计划跟进"
    assert client.get("/api/v1/tasks", {"due_by": "2026-03-04"}).json()["count"] == 0
    assert post(client, f"/api/v1/tasks/{theirs.pk}/complete").status_code == 404
    done = post(client, f"/api/v1/tasks/{task.pk}/complete")
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert post(client, f"/api/v1/tasks/{task.pk}/complete").status_code == 409
    assert client.get("/api/v1/tasks").json()["count"] == 0
    assert client.get("/api/v1/tasks", {"status": "all"}).json()["count"] == 1
    assert AuditEntry.objects.filter(action=actions.TASK_COMPLETE).count() == 1


def test_pages_in_english(login, sales, mine):
    from tests.test_i18n_catalogue import chinese_outside, user_data

    with clock.frozen(day(1)):
        record(sales, mine, content="Called about the order", next_date=day(3).date(), next_step="Send a quote")
    client = login(sales)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    known = [*user_data(sales), mine.name, "李四"]
    for url in (reverse("engagement:followup_new", args=[mine.pk]), reverse("engagement:followups"),
                reverse("customers:tab", args=[mine.pk, "followups"])):
        page = client.get(url).content.decode()
        assert chinese_outside(page, known) == [], url
    assert "Record follow-up" in client.get(reverse("customers:tab", args=[mine.pk, "followups"])).content.decode()


@pytest.mark.req("INFO-5")
def test_merging_a_duplicate_moves_its_followups_and_tasks(make_user, sales, mine):
    from kehu.customers import services as customer_services

    manager = make_user(roles.SALES_MANAGER, department=sales.department)
    with clock.frozen(day(0)):
        dup = make_customer(sales, "杭州华信电子有限公司")
    with clock.frozen(day(1)):
        record(sales, dup, content="在重复客户上记的", next_date=day(4).date())
        customer_services.customer_merge(actor=manager, target=mine, duplicate=dup)
    assert FollowUp.objects.get().customer_id == mine.pk and Task.objects.get().customer_id == mine.pk
    mine.refresh_from_db()
    assert mine.last_contact_at == day(1)

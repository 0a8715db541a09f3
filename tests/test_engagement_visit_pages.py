"""Pages and API of visits (REL-2) and their compliance (POL-3): who may open what, data scope, query budgets,
and the issue's journey: a key-account manager sees this month's visits on "my day", records one, and the
manager's figure for "strategic customers visited monthly" moves."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from kehu.core import clock
from kehu.customers.models import Customer
from kehu.engagement import planning
from kehu.engagement.models import VisitIntel, VisitPlan
from kehu.org import roles
from kehu.org.factories import DepartmentFactory
from tests.customer_data import make_customer

pytestmark = [pytest.mark.django_db, pytest.mark.req("REL-2")]

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 12, 10, 10, 0, tzinfo=SH)
KAM_RULE = "strategic.key_account_manager"


@pytest.fixture(autouse=True)
def _now():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def dept():
    return DepartmentFactory(name="大客户部")


@pytest.fixture
def kam(make_user, dept):
    return make_user(roles.KEY_ACCOUNT_MANAGER, full_name="钱大客户", department=dept)


@pytest.fixture
def manager(make_user, dept):
    return make_user(roles.SALES_MANAGER, full_name="赵经理", department=dept)


@pytest.fixture
def stranger_manager(make_user):
    return make_user(roles.SALES_MANAGER, full_name="别部门经理")


@pytest.fixture
def customers(kam):
    made = [make_customer(kam, name) for name in ("宁波海天精工股份有限公司", "上海振华重工股份有限公司")]
    Customer.objects.filter(pk__in=[c.pk for c in made]).update(tier="strategic")
    planning.plan_visits()
    return made


def kam_plan(customer):
    return VisitPlan.objects.get(customer=customer, rule=KAM_RULE)


def test_urls():
    assert reverse("visits:plans") == "/visits/"
    assert reverse("visits:compliance") == "/visits/compliance/"
    assert reverse("visits:record", args=[3]) == "/visits/record/3/"


@pytest.mark.parametrize("name,args", [("visits:plans", []), ("visits:compliance", []), ("visits:plan_detail", [1]),
                                       ("visits:record", [1]), ("visits:compliance_rule", [KAM_RULE]),
                                       ("visits:compliance_recontact", [])])
def test_anonymous_is_sent_to_sign_in(client, name, args):
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302 and "login" in response["Location"]


def test_without_permission(login, make_user, kam, customers):
    admin = login(make_user(roles.SYSTEM_ADMIN))
    plan = kam_plan(customers[0])
    for url in [reverse("visits:plans"), reverse("visits:compliance"), reverse("visits:plan_detail", args=[plan.pk]),
                reverse("visits:record", args=[customers[0].pk]), reverse("visits:compliance_rule", args=[KAM_RULE]),
                reverse("visits:compliance_recontact")]:
        assert admin.get(url).status_code == 403, url
    # A key-account manager records visits but reads no compliance figures; customer service neither.
    client = login(kam)
    assert client.get(reverse("visits:compliance")).status_code == 403
    service = login(make_user(roles.CUSTOMER_SERVICE))
    assert service.get(reverse("visits:plans")).status_code == 403


def test_out_of_scope_is_not_found(login, sales, customers):
    client = login(sales)
    assert client.get(reverse("visits:plan_detail", args=[kam_plan(customers[0]).pk])).status_code == 404
    assert client.get(reverse("visits:record", args=[customers[0].pk])).status_code == 404
    assert client.post(reverse("visits:record", args=[customers[0].pk]),
                       {"visited_on": "2026-12-10", "content": "x"}).status_code == 404
    assert not VisitPlan.objects.filter(status="done").exists()


def test_responsible_person_outside_the_customer_scope_may_record(login, make_user, dept, customers):
    tech = make_user(roles.TECHNICAL_ENGINEER, department=dept)  # own scope: not the KAM's customers
    planning.plan_visits()
    client = login(tech)
    assert client.get(reverse("visits:record", args=[customers[0].pk])).status_code == 200
    response = client.post(reverse("visits:record", args=[customers[0].pk]),
                           {"visited_on": "2026-12-09", "content": "产线技术交流"})
    assert response.status_code == 302
    assert VisitPlan.objects.get(customer=customers[0], rule="strategic.technical_engineer").status == "done"
    # Nothing left to fulfil there: the customer is outside the engineer's scope again.
    assert client.get(reverse("visits:record", args=[customers[0].pk])).status_code == 404


def test_journey_my_day_record_from_a_phone_and_the_managers_figure_moves(login, kam, manager, customers,
                                                                           django_assert_max_num_queries):
    client = login(kam)
    with django_assert_max_num_queries(20):
        day = client.get(reverse("engagement:my_day")).content.decode()
    assert "待拜访" in day and customers[0].name in day and customers[1].name in day
    assert "战略客户 · 大客户经理 · 每月" in day
    boss = login(manager, on=type(client)())
    figure = boss.get(reverse("visits:compliance")).content.decode()
    assert "0.0%" in figure and "0/2" in figure

    form = client.get(reverse("visits:record", args=[customers[0].pk])).content.decode()
    assert 'type="date"' in form and 'value="2026-12-10"' in form and "kehu-narrow" in form and "w-100" in form  # one column, full-width save
    response = client.post(reverse("visits:record", args=[customers[0].pk]), {
        "visited_on": "2026-12-10", "content": "年度合作回顾", "feedback": "交期满意",
        "intel_competitor": "竞品降价 5%", "intel_personnel": "采购总监换人"}, follow=True)
    assert response.status_code == 200 and "完成拜访计划 1 项" in response.content.decode()
    assert sorted(VisitIntel.objects.values_list("kind", flat=True)) == ["competitor", "personnel"]
    figure = boss.get(reverse("visits:compliance")).content.decode()
    assert "50.0%" in figure and "1/2" in figure
    assert re.search(r"竞争对手动态 <strong>1</strong>", figure) and "问题 <strong>0</strong>" in figure
    drill = boss.get(reverse("visits:compliance_rule", args=[KAM_RULE])).content.decode()
    assert customers[1].name in drill and customers[0].name not in drill


def test_record_form_errors_name_the_field(login, kam, customers):
    client = login(kam)
    response = client.post(reverse("visits:record", args=[customers[0].pk]),
                           {"visited_on": "2026-12-11", "content": "明天的拜访"})
    assert response.status_code == 400 and "拜访日期不能晚于今天" in response.content.decode()
    response = client.post(reverse("visits:record", args=[customers[0].pk]), {"visited_on": "2026-12-10"})
    assert response.status_code == 400 and "content" in response.context["form"].errors


def test_other_managers_scope_does_not_count_our_customers(login, stranger_manager, customers):
    html = login(stranger_manager).get(reverse("visits:compliance")).content.decode()
    assert "0/2" not in html and "—" in html
    drill = login(stranger_manager).get(reverse("visits:compliance_rule", args=[KAM_RULE])).content.decode()
    assert customers[0].name not in drill


def test_lists_and_pages_stay_within_their_query_budgets(login, kam, manager, customers,
                                                         django_assert_max_num_queries):
    for i in range(30):
        customer = make_customer(kam, f"批量战略客户{i}号有限公司")
        Customer.objects.filter(pk=customer.pk).update(tier="strategic")
    planning.plan_visits()
    client = login(kam)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("visits:plans")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("visits:plans") + "?state=overdue").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("visits:plan_detail", args=[kam_plan(customers[0]).pk])).status_code == 200
    boss = login(manager)
    with django_assert_max_num_queries(12):  # one aggregate for every rule and period, not one per rule
        assert boss.get(reverse("visits:compliance")).status_code == 200
    with django_assert_max_num_queries(14):
        assert boss.get(reverse("visits:compliance_rule", args=[KAM_RULE])).status_code == 200
    with django_assert_max_num_queries(12):
        html = boss.get(reverse("visits:plans") + "?team=1").content.decode()
    assert "钱大客户" in html


@pytest.mark.req("POL-3")
def test_recontact_drill_down_lists_the_silent_customers_in_scope(login, kam, manager, stranger_manager, customers,
                                                                  django_assert_max_num_queries):
    client = login(kam)
    client.post(reverse("visits:record", args=[customers[0].pk]), {"visited_on": "2026-12-09", "content": "回顾"})
    boss = login(manager)
    with django_assert_max_num_queries(12):
        html = boss.get(reverse("visits:compliance_recontact")).content.decode()
    assert customers[1].name in html and "从未联系" in html and customers[0].name not in html and "1/2" in html
    assert reverse("visits:compliance_recontact") in boss.get(reverse("visits:compliance")).content.decode()
    assert customers[1].name not in login(stranger_manager).get(reverse("visits:compliance_recontact")).content.decode()


def test_plan_detail_shows_the_visit(login, kam, customers):
    client = login(kam)
    client.post(reverse("visits:record", args=[customers[0].pk]),
                {"visited_on": "2026-12-08", "content": "年度合作回顾", "intel_problem": "来料批次不良"})
    html = client.get(reverse("visits:plan_detail", args=[kam_plan(customers[0]).pk])).content.decode()
    assert "年度合作回顾" in html and "来料批次不良" in html and "已拜访" in html and "v1" in html


def test_unknown_rule_or_period_is_not_found(login, manager, customers):
    client = login(manager)
    assert client.get(reverse("visits:compliance_rule", args=["strategic.nobody"])).status_code == 404
    assert client.get(reverse("visits:compliance_rule", args=[KAM_RULE]) + "?period=2020-01-01").status_code == 404
    assert client.get(reverse("visits:compliance_rule", args=[KAM_RULE]) + "?period=nonsense").status_code == 404


# --- API -------------------------------------------------------------------------------------------
API = "/api/v1"


def test_api_anonymous_and_without_permission(client, api_client, make_user, customers):
    for url in [f"{API}/visit-plans", f"{API}/compliance/visits"]:
        assert client.get(url).status_code == 401
    admin = api_client(make_user(roles.SYSTEM_ADMIN))
    assert admin.get(f"{API}/visit-plans").status_code == 403
    assert admin.get(f"{API}/compliance/visits").status_code == 403
    assert admin.post(f"{API}/visits", {"customer_id": customers[0].pk, "visited_on": "2026-12-10", "content": "x"},
                      content_type="application/json").status_code == 403


def test_api_plans_record_and_compliance(api_client, kam, manager, sales, customers, django_assert_max_num_queries):
    client = api_client(kam)
    with django_assert_max_num_queries(10):
        body = client.get(f"{API}/visit-plans").json()
    assert body["count"] == 2 and {item["rule"] for item in body["items"]} == {KAM_RULE}
    assert body["items"][0]["state"] == "not_due" and body["items"][0]["due_on"] == "2026-12-31"
    plan_id = body["items"][0]["id"]
    assert client.get(f"{API}/visit-plans/{plan_id}").json()["policy_version"] == 1
    assert api_client(sales).get(f"{API}/visit-plans/{plan_id}").status_code == 404  # out of scope
    assert client.get(f"{API}/visit-plans?team=true").status_code == 403  # no team view
    assert api_client(manager).get(f"{API}/visit-plans?team=true").json()["count"] == 2

    payload = {"customer_id": customers[0].pk, "visited_on": "2026-12-10", "content": "年度合作回顾",
               "intel": [{"kind": "demand", "detail": "明年扩产"}, {"kind": "demand", "detail": "新品试样"}]}
    headers = {"Idempotency-Key": "visit-1"}
    first = client.post(f"{API}/visits", payload, content_type="application/json", headers=headers)
    again = client.post(f"{API}/visits", payload, content_type="application/json", headers=headers)
    assert first.status_code == 201 and again.json() == first.json()
    assert first.json()["fulfilled_plan_ids"] == [kam_plan(customers[0]).pk]
    assert VisitIntel.objects.filter(kind="demand").count() == 2
    assert api_client(sales).post(f"{API}/visits", payload, content_type="application/json").status_code == 404
    bad = client.post(f"{API}/visits", {**payload, "visited_on": "2026-12-31"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "visit_in_future"

    assert api_client(kam).get(f"{API}/compliance/visits").status_code == 403
    boss = api_client(manager)
    with django_assert_max_num_queries(10):
        rules = {row["rule"]: row for row in boss.get(f"{API}/compliance/visits").json()}
    current = rules[KAM_RULE]["periods"][0]
    assert (current["start"], current["done"], current["total"], current["share"]) == ("2026-12-01", 1, 2, 50.0)
    missing = boss.get(f"{API}/compliance/visits/{KAM_RULE}/not-visited").json()
    assert [item["customer_id"] for item in missing["items"]] == [customers[1].pk]
    assert boss.get(f"{API}/compliance/visits/{KAM_RULE}/not-visited?period=2026-11-01").json()["count"] == 0
    assert boss.get(f"{API}/compliance/visits/nope/not-visited").status_code == 404

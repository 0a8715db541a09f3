"""Information update reminders (INFO-7): staleness from the policy in force, reviews, the 资料待核实 page, API."""

import copy
import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.core.errors import DomainError, PermissionDenied
from kehu.customers import selectors, services
from kehu.customers.forms import CustomerForm
from kehu.customers.models import Customer, CustomerReview
from kehu.org import roles
from kehu.policy import services as policy_services
from kehu.policy.models import Policy

pytestmark = [pytest.mark.django_db, pytest.mark.req("INFO-7")]

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)
BASE = "/api/v1/customers"


def day(n: int, hour: int = 9) -> dt.datetime:
    return (T0 + dt.timedelta(days=n)).replace(hour=hour)


def make_customer(owner, name, tier="general", at=T0):
    form = CustomerForm({"kind": "enterprise", "name": name, "stage": "potential"})
    assert form.is_valid(), form.errors
    with clock.frozen(at):
        customer = services.customer_create(actor=owner, data=form.cleaned_data)
    Customer.objects.filter(pk=customer.pk).update(tier=tier)
    customer.refresh_from_db()
    return customer


def names(rows):
    return [c.name for c in rows]


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def manager(make_user, sales):
    return make_user(roles.SALES_MANAGER, full_name="赵经理", department=sales.department)


@pytest.fixture
def archive(sales, other):
    """A strategic customer (90 days by default), a general one (180), both created at T0, and another's."""
    return {"strategic": make_customer(sales, "杭州华信电子科技有限公司", "strategic"),
            "general": make_customer(sales, "宁波恒通物流有限公司", "general"),
            "theirs": make_customer(other, "苏州星辰软件有限公司", "strategic")}


def test_stale_by_tier_from_the_default_policy(sales, archive):
    with clock.frozen(day(89, 23)):
        assert names(selectors.stale_customers_for(sales)) == []
    with clock.frozen(day(90, 0)):
        assert names(selectors.stale_customers_for(sales)) == ["杭州华信电子科技有限公司"]
        row = selectors.stale_rows(selectors.stale_customers_for(sales))[0]
        assert (row.interval_days, row.days_overdue, row.policy_version) == (90, 0, 1)
    with clock.frozen(day(200)):
        rows = selectors.stale_rows(selectors.stale_customers_for(sales))
        assert [(r.customer.name, r.days_overdue) for r in rows] == [
            ("杭州华信电子科技有限公司", 110), ("宁波恒通物流有限公司", 20)]
        assert selectors.stale_count(sales).value == 2
        assert names(selectors.customers_for(sales, selectors.CustomerFilters(stale=True))) == [
            "宁波恒通物流有限公司", "杭州华信电子科技有限公司"]


def test_oldest_first_and_mine_or_everything_visible(sales, manager, archive):
    older = make_customer(sales, "无锡博远机械制造有限公司", "general", at=T0 - dt.timedelta(days=30))
    with clock.frozen(day(200)):
        assert names(selectors.stale_customers_for(sales))[0] == older.name
        assert names(selectors.stale_customers_for(manager)) == []  # the manager owns none
        assert len(selectors.stale_customers_for(manager, mine=False)) == 3  # the department's, not "theirs"


@pytest.fixture
def stricter_policy(make_user):
    """Version 2, in force from day 10: strategic every 30 days, the others every 60."""
    drafter, approver = make_user(roles.SYSTEM_ADMIN), make_user(roles.GENERAL_MANAGER)
    policy = Policy.objects.get(code="customer_management")
    with clock.frozen(day(1)):
        version = policy_services.policy_version_draft(actor=drafter, policy=policy)
        rules = copy.deepcopy(version.rules)
        rules["reminders"]["review_interval_days"] = {"strategic": 30}
        rules["reminders"]["review_interval_default_days"] = 60
        policy_services.policy_version_update(actor=drafter, version=version, rules=rules,
                                              effective_from=day(10, 0), summary="缩短资料核实周期")
        policy_services.policy_version_submit(actor=drafter, version=version)
        return policy_services.policy_version_publish(actor=approver, version=version)


def test_the_policy_in_force_sets_the_interval(sales, archive, stricter_policy):
    with clock.frozen(day(9)):
        assert names(selectors.stale_customers_for(sales)) == []
    with clock.frozen(day(30, 8)):
        rows = selectors.stale_rows(selectors.stale_customers_for(sales))
        assert [(r.customer.name, r.interval_days, r.policy_version) for r in rows] == [
            ("杭州华信电子科技有限公司", 30, 2)]
    with clock.frozen(day(61)):
        assert [r.days_overdue for r in selectors.stale_rows(selectors.stale_customers_for(sales))] == [31, 1]


def test_review_restarts_the_interval_is_stored_audited_and_on_the_timeline(sales, archive):
    customer = archive["strategic"]
    with clock.frozen(day(95)):
        review = services.customer_review(actor=sales, customer=customer, note="电话核对地址与联系人")
    assert (review.policy_version, review.days_overdue, review.reviewed_by) == (1, 5, sales)
    customer.refresh_from_db()
    assert customer.last_reviewed_at == day(95)
    entry = AuditEntry.objects.get(action=actions.CUSTOMER_REVIEW)
    assert entry.actor == sales and entry.target_id == str(customer.pk) and entry.data["interval_days"] == 90
    with clock.frozen(day(95 + 89)):
        assert customer.name not in names(selectors.stale_customers_for(sales))
    with clock.frozen(day(95 + 90)):
        assert customer.name in names(selectors.stale_customers_for(sales))
    from kehu.customers.timeline import events_for

    customer = selectors.customer_for(sales, customer.pk)
    assert "核实了客户资料" in [e.title for e in events_for(customer, sales)]


def test_review_rules(sales, make_user, archive):
    customer = archive["general"]
    with pytest.raises(DomainError) as refused:
        services.customer_review(actor=sales, customer=customer, note="  ")
    assert refused.value.field == "note"
    services.customer_review(actor=sales, customer=customer, confirmed_unchanged=True)
    with pytest.raises(PermissionDenied):
        services.customer_review(actor=make_user(roles.TECHNICAL_ENGINEER), customer=customer, note="看过")
    assert CustomerReview.objects.count() == 1


# --- pages -------------------------------------------------------------------------------------------------
def test_pages_anonymous_and_without_permission(client, login, make_user, archive):
    customer = archive["strategic"]
    for url in (reverse("customers:stale"), reverse("customers:review", args=[customer.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    admin = login(make_user(roles.SYSTEM_ADMIN))
    assert admin.get(reverse("customers:stale")).status_code == 403
    engineer = login(make_user(roles.TECHNICAL_ENGINEER))  # may view customers, not review them
    assert engineer.post(reverse("customers:review", args=[customer.pk]), {"note": "看过"}).status_code == 403


def test_review_page_out_of_scope_is_404(login, sales, archive):
    theirs = archive["theirs"]
    client = login(sales)
    assert client.get(reverse("customers:review", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("customers:review", args=[theirs.pk]), {"note": "x"}).status_code == 404
    assert not CustomerReview.objects.exists()


def test_stale_page_lists_mine_with_days_overdue_and_a_budget(login, sales, archive, django_assert_max_num_queries):
    for i in range(5):
        make_customer(sales, f"深圳启明{i}新材料有限公司", "general")
    client = login(sales)
    with clock.frozen(day(200)):
        # Measured 13: the policy version, the page and the capped count, each with the salesperson's
        # shared ids read first (kehu.org.scope), the tier names (the policy once more), 7 of sign-in overhead.
        with django_assert_max_num_queries(13):
            response = client.get(reverse("customers:stale"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "杭州华信电子科技有限公司" in html and "110 天" in html and "苏州星辰" not in html
    assert "共 7 个客户" in html
    assert html.index("杭州华信电子科技有限公司") < html.index("宁波恒通物流有限公司")


def test_review_from_the_customer_page(login, sales, archive):
    customer = archive["strategic"]
    client = login(sales)
    with clock.frozen(day(100)):
        html = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
        assert "已逾期 10 天" in html and reverse("customers:review", args=[customer.pk]) in html
        refused = client.post(reverse("customers:review", args=[customer.pk]), {"note": ""})
        assert refused.status_code == 400 and "核实说明" in refused.content.decode()
        response = client.post(reverse("customers:review", args=[customer.pk]), {"note": "", "confirmed_unchanged": "1"})
        assert response.status_code == 302
        assert CustomerReview.objects.get(customer=customer).confirmed_unchanged
        html = client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
        assert "资料无变化" in html and "还有 90 天到期" in html


def test_home_page_shows_the_owners_count_and_the_list_filter(login, sales, manager, archive):
    with clock.frozen(day(100)):
        html = login(sales).get(reverse("web:home")).content.decode()
        assert "资料待核实" in html and f'href="{reverse("customers:stale")}">1</a>' in html
        listed = login(sales).get(reverse("customers:list"), {"stale": "1"}).content.decode()
        assert "杭州华信电子科技有限公司" in listed and "宁波恒通物流有限公司" not in listed
        listed = login(sales).get(reverse("customers:list"), {"stale": "0"}).content.decode()
        assert "宁波恒通物流有限公司" in listed


# --- API ---------------------------------------------------------------------------------------------------
def test_api_anonymous_permission_scope(client, api_client, make_user, sales, archive):
    customer, theirs = archive["strategic"], archive["theirs"]
    assert client.get(f"{BASE}/stale").status_code == 401
    assert post(client, f"{BASE}/{customer.pk}/reviews", {"note": "x"}).status_code == 401
    admin = api_client(make_user(roles.SYSTEM_ADMIN))
    assert admin.get(f"{BASE}/stale").status_code == 403
    assert post(api_client(make_user(roles.TECHNICAL_ENGINEER)), f"{BASE}/{customer.pk}/reviews",
                {"note": "x"}).status_code == 403
    assert post(api_client(sales), f"{BASE}/{theirs.pk}/reviews", {"note": "x"}).status_code == 404
    assert not CustomerReview.objects.exists()


def test_api_stale_list_filter_and_review(api_client, sales, archive):
    client = api_client(sales)
    with clock.frozen(day(100)):
        body = client.get(f"{BASE}/stale").json()
        assert body["count"] == 1
        item = body["items"][0]
        assert (item["name"], item["days_overdue"], item["interval_days"], item["reviewed"]) == (
            "杭州华信电子科技有限公司", 10, 90, False)
        assert client.get(BASE, {"stale": "true"}).json()["count"] == 1
        assert client.get(BASE).json()["count"] == 2
        bad = post(client, f"{BASE}/{item['id']}/reviews", {"note": ""})
        assert bad.status_code == 400 and bad.json()["field"] == "note"
        response = post(client, f"{BASE}/{item['id']}/reviews", {"note": "走访核实", "confirmed_unchanged": False})
        assert response.status_code == 201, response.content
        assert response.json()["days_overdue"] == 10 and response.json()["reviewed_by"] == "张销售"
        assert client.get(f"{BASE}/stale").json()["count"] == 0


def test_a_customer_merged_meanwhile_is_not_reviewed(make_user, sales, archive):
    from kehu.core.errors import Conflict

    customer = archive["strategic"]
    services.customer_merge(actor=make_user(roles.SALES_MANAGER, department=sales.department),
                            target=archive["general"], duplicate=customer)
    with pytest.raises(Conflict):
        services.customer_review(actor=sales, customer=customer, note="核对")
    assert not CustomerReview.objects.exists()

"""The pool and ownership pages (OWN-1..4): permissions, scope, claim buttons that explain, forms with reasons."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core import clock, regions
from kehu.customers import ownership
from kehu.customers.models import Customer, OwnershipChange, OwnershipKind, Pool, TeamMember
from kehu.org import roles
from tests import customer_data
from tests.customer_data import make_customer

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SH)
CHINESE = re.compile(r"[\u3001-\u303f\u4e00-\u9fff\uff00-\uffef]+")


def day(n: int, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(T0.date() + dt.timedelta(days=n), dt.time(hour), tzinfo=SH)


@pytest.fixture
def manager(make_user, sales):
    return make_user(roles.SALES_MANAGER, full_name="李经理", department=sales.department)


def pooled(owner, name: str, **extra) -> Customer:
    return customer_data.pooled(owner, name, T0, **extra)


def urls(customer) -> list[str]:
    return [reverse("customers:pools"), reverse("customers:mine"), reverse("customers:ownership", args=[customer.pk])]


@pytest.mark.req("OWN-4", "SEC-2")
def test_anonymous_is_sent_to_sign_in(client, sales):
    customer = make_customer(sales, "北京甲科技有限公司")
    for url in [*urls(customer), reverse("customers:pool", args=[customer.pk])]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url
    for url in (reverse("customers:pool_claim", args=[customer.pk]), reverse("customers:pool_assign"),
                reverse("customers:pool_search")):
        response = client.post(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


@pytest.mark.req("OWN-4", "SEC-2")
def test_without_permission_the_pages_refuse(make_user, login, sales):
    customer = pooled(sales, "北京甲科技有限公司")
    engineer = make_user(roles.TECHNICAL_ENGINEER)  # may view customers, not use pools
    client = login(engineer)
    assert client.get(reverse("customers:pools")).status_code == 403
    assert client.post(reverse("customers:pool_claim", args=[customer.pk])).status_code == 403
    assert client.post(reverse("customers:pool_assign"), {"customers": [customer.pk]}).status_code == 403
    admin = login(make_user(roles.SYSTEM_ADMIN))  # sees no customers at all
    for url in urls(customer):
        assert admin.get(url).status_code == 403, url


@pytest.mark.req("OWN-3", "SEC-2")
def test_out_of_scope_is_not_found(login, sales, other):
    theirs = make_customer(other, "上海乙贸易有限公司")
    client = login(sales)
    assert client.get(reverse("customers:ownership", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("customers:ownership", args=[theirs.pk]),
                       {"action": "release", "reason": "不是我的"}).status_code == 404
    closed = Pool.objects.create(code="closed", name="大客户公海")
    closed.member_users.add(other)
    hidden = pooled(other, "深圳丙电子有限公司")
    assert Customer.objects.get(pk=hidden.pk).pool == closed
    assert client.get(reverse("customers:pool", args=[closed.pk])).status_code == 404
    assert client.post(reverse("customers:pool_claim", args=[hidden.pk])).status_code == 404
    assert "深圳丙电子有限公司" not in client.get(reverse("customers:pools")).content.decode()


@pytest.mark.req("OWN-3", "OWN-4")
def test_claim_from_the_pool_page_and_the_refusal_explained(login, sales):
    customer = pooled(sales, "北京甲科技有限公司", mobile="13812345678")
    client = login(sales)
    with clock.frozen(day(3)):
        page = client.get(reverse("customers:pools")).content.decode()
        assert "138****5678" in page and "13812345678" not in page
        assert "您 3 天前退回了该客户，11-09 起可重新领取（冷却期 7 天）。" in page and "disabled" in page
        refused = client.post(reverse("customers:pool_claim", args=[customer.pk]))
    assert refused.status_code == 409 and "11-09 起可重新领取" in refused.content.decode()
    with clock.frozen(day(7)):
        response = client.post(reverse("customers:pool_claim", args=[customer.pk]))
    assert response.status_code == 302 and Customer.objects.get(pk=customer.pk).owner == sales


@pytest.mark.req("OWN-3")
def test_pool_list_query_budget_does_not_grow(login, sales, other, django_assert_max_num_queries):
    for n in range(3):
        pooled(other, f"待领取{n}有限公司", mobile=f"1380000{n:04d}")
    client = login(sales)
    # Sign-in 6 (session, user, roles, department; session save in a savepoint pair); the pools; the ids
    # (count and window); the page; the primary contacts; the policy in force for the claim rules and again
    # for the tier names; the holding count; today's claims; whether the user administers a pool; the
    # reader's field permissions (SEC-3).
    with django_assert_max_num_queries(17) as few:
        assert client.get(reverse("customers:pools")).status_code == 200
    for n in range(3, 25):
        pooled(other, f"待领取{n}有限公司", mobile=f"1380000{n:04d}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("customers:pools")).status_code == 200


@pytest.mark.req("OWN-3")
def test_my_customers_show_when_they_return(login, manager, sales, django_assert_max_num_queries):
    with clock.frozen(T0):
        soon = make_customer(sales, "北京甲科技有限公司")
        later = make_customer(sales, "上海乙贸易有限公司")
        locked = make_customer(sales, "深圳丙电子有限公司")
        ownership.customer_lock(actor=manager, customer=locked, reason="重点跟进")
    Customer.objects.filter(pk=later.pk).update(last_contact_at=day(20))
    client = login(sales)
    with clock.frozen(day(27)):
        with django_assert_max_num_queries(13):
            page = client.get(reverse("customers:mine")).content.decode()
        assert "3 天后退回公海" in page and "23 天后退回公海" in page and "不自动退回" in page
        only_soon = client.get(reverse("customers:mine") + "?soon=1").content.decode()
        home = client.get("/").content.decode()
    assert soon.name in only_soon and later.name not in only_soon and locked.name not in only_soon
    assert "即将退回公海" in home


@pytest.mark.req("OWN-4", "OWN-2")
def test_ownership_page_transfer_lock_release_delete_each_need_a_reason(make_user, login, manager, sales, other):
    customer = make_customer(sales, "北京甲科技有限公司")
    url = reverse("customers:ownership", args=[customer.pk])
    boss = login(manager)
    page = boss.get(url).content.decode()
    assert "转移给同事" in page and "锁定客户" in page and "删除客户" not in page
    assert boss.post(url, {"action": "lock", "reason": ""}).status_code == 400
    assert boss.post(url, {"action": "lock", "reason": "重点跟进"}).status_code == 302
    assert Customer.objects.get(pk=customer.pk).locked
    refused = login(sales, on=Client()).post(url, {"action": "release", "reason": "不想跟了"})
    assert refused.status_code == 409 and "客户已锁定" in refused.content.decode()
    boss.post(url, {"action": "unlock", "reason": "可以放开"})
    mate = make_user(roles.SALESPERSON, full_name="赵同事", department=sales.department)
    response = boss.post(url, {"action": "transfer", "to_owner": mate.pk, "reason": "区域调整",
                               "keep_as_team_member": "on"})
    assert response.status_code == 302
    assert Customer.objects.get(pk=customer.pk).owner == mate
    assert TeamMember.objects.filter(customer=customer, user=sales, access=TeamMember.WRITE).exists()
    assert boss.post(url, {"action": "transfer", "to_owner": other.pk, "reason": "越权"}).status_code == 400
    assert "从张销售转移给赵同事" in boss.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert login(mate, on=Client()).post(url, {"action": "release", "reason": "客户无需求"}).status_code == 302
    assert Customer.objects.get(pk=customer.pk).pool.is_default
    vp = make_user(roles.MARKETING_VP, department=sales.department)
    assert login(vp, on=Client()).post(url, {"action": "delete", "reason": "测试数据"}).status_code == 302
    assert Customer._base_manager.get(pk=customer.pk).deleted_at is not None
    assert AuditEntry.objects.filter(action=actions.CUSTOMER_DELETE, reason="测试数据").exists()


@pytest.mark.req("OWN-4")
def test_assign_from_the_pool_page(login, manager, sales, other):
    first, second = pooled(other, "北京甲科技有限公司"), pooled(other, "上海乙贸易有限公司")
    client = login(manager)
    assert client.post(reverse("customers:pool_assign"), {"customers": [first.pk, second.pk],
                                                           "to_owner": sales.pk, "reason": ""}).status_code == 400
    response = client.post(reverse("customers:pool_assign"), {"customers": [first.pk, second.pk],
                                                              "to_owner": sales.pk, "reason": "新人起步"})
    assert response.status_code == 302
    assert set(Customer.objects.filter(owner=sales).values_list("pk", flat=True)) == {first.pk, second.pk}
    assert OwnershipChange.objects.filter(kind=OwnershipKind.ASSIGN, actor=manager).count() == 2


@pytest.mark.req("PLAT-1")
def test_pool_pages_in_english(client, make_user, login, manager, sales, other):
    customer = pooled(other, "北京甲科技有限公司")
    make_customer(sales, "上海乙贸易有限公司")
    login(manager)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    data = [customer.name, "上海乙贸易有限公司", "无意向", "公共公海", *(r.name for r in regions.provinces()), *(
        v for u in (manager, sales, other) for v in (u.full_name, u.department.name, u.department.company.name,
                                                     u.department.company.short_name, str(u)))]
    for url in (reverse("customers:pools"), reverse("customers:mine"),
                reverse("customers:ownership", args=[sales.owned_customers.get().pk])):
        page = client.get(url).content.decode()
        for known in sorted([*data, "客户 Kehu", "简体中文"], key=len, reverse=True):
            page = page.replace(known, "")
        assert CHINESE.findall(page) == [], url
    assert "Public pool" in client.get(reverse("customers:pools")).content.decode()
    vp = make_user(roles.MARKETING_VP, full_name="钱总", department=sales.department)
    login(vp)
    for url in (reverse("customers:pool_manage"), reverse("customers:pool_new")):
        page = client.get(url).content.decode()
        for known in sorted([*data, vp.full_name, str(vp), "客户 Kehu", "简体中文"], key=len, reverse=True):
            page = page.replace(known, "")
        assert CHINESE.findall(page) == [], url


@pytest.mark.req("OWN-3", "SEC-2")
def test_pool_management_needs_the_permission_and_is_audited(client, make_user, login, manager, sales, other):
    assert client.get(reverse("customers:pool_manage")).status_code == 302  # anonymous: sign in
    boss = login(manager)  # a sales manager uses pools but does not configure them
    assert boss.get(reverse("customers:pool_manage")).status_code == 403
    assert boss.post(reverse("customers:pool_new"), {"code": "x", "name": "x"}).status_code == 403
    vp = login(make_user(roles.MARKETING_VP, department=sales.department), on=Client())
    assert vp.get(reverse("customers:pool_edit", args=[999])).status_code == 404
    data = {"code": "east", "name": "华东公海", "name_en": "East China pool", "active": "on",
            "member_departments": [sales.department.pk], "admins": [manager.pk]}
    assert vp.post(reverse("customers:pool_new"), data).status_code == 302
    east = Pool.objects.get(code="east")
    assert list(east.member_departments.all()) == [sales.department] and list(east.admins.all()) == [manager]
    entry = AuditEntry.objects.get(action=actions.POOL_CREATE)
    assert entry.data["changes"]["member_departments"] == [None, [sales.department.pk]]
    assert vp.post(reverse("customers:pool_new"), data).status_code == 400  # the code is taken
    with clock.frozen(T0):
        customer = make_customer(sales, "北京甲科技有限公司")
        ownership.customer_release(actor=sales, customer=customer, reason="无意向")
    assert Customer.objects.get(pk=customer.pk).pool == east
    refused = vp.post(reverse("customers:pool_edit", args=[east.pk]), {**data, "active": ""})
    assert refused.status_code == 400 and "还有 1 个客户" in refused.content.decode()
    default = Pool.objects.get(is_default=True)
    refused = vp.post(reverse("customers:pool_edit", args=[default.pk]), {"code": default.code, "name": default.name})
    assert refused.status_code == 400 and "默认公海不能停用" in refused.content.decode()
    assert "华东公海" in vp.get(reverse("customers:pool_manage")).content.decode()


@pytest.mark.req("OWN-1")
def test_team_members_on_the_ownership_page(login, make_user, sales, other):
    customer = make_customer(sales, "北京甲科技有限公司")
    mate = make_user(roles.SALESPERSON, full_name="赵同事", department=sales.department)
    url = reverse("customers:ownership", args=[customer.pk])
    client = login(sales)
    assert client.post(url, {"action": "member_set", "user": mate.pk, "access": "write",
                             "expires_on": "2099-12-31"}).status_code == 302
    member = TeamMember.objects.get(customer=customer, user=mate)
    assert member.access == "write" and member.expires_at == dt.datetime(2100, 1, 1, tzinfo=SH)
    assert "赵同事" in client.get(url).content.decode()
    assert client.post(url, {"action": "member_remove", "user": mate.pk}).status_code == 302
    assert client.post(url, {"action": "member_remove", "user": mate.pk}).status_code == 404
    assert not TeamMember.objects.filter(customer=customer).exists()


@pytest.mark.req("OWN-1")
def test_the_customer_list_marks_pool_customers(login, manager, sales):
    customer = pooled(sales, "北京甲科技有限公司")
    page = login(manager).get(reverse("customers:list")).content.decode()
    row = page[page.index(customer.name):]
    assert row[:row.index("</tr>")].count("公海") == 1


@pytest.mark.req("OWN-4")
def test_a_manager_assigns_a_pool_customer_from_its_ownership_page(login, manager, sales):
    customer = pooled(sales, "北京甲科技有限公司")
    url = reverse("customers:ownership", args=[customer.pk])
    client = login(manager)
    assert "从公海分配" in client.get(url).content.decode()
    assert client.post(url, {"action": "assign", "to_owner": sales.pk, "reason": ""}).status_code == 400
    assert client.post(url, {"action": "assign", "to_owner": sales.pk, "reason": "原负责人继续跟进"}).status_code == 302
    assert Customer.objects.get(pk=customer.pk).owner == sales
    assert OwnershipChange.objects.filter(customer=customer, kind=OwnershipKind.ASSIGN, actor=manager).exists()


@pytest.mark.req("OWN-3")
def test_pool_filters_by_tier_industry_and_province(login, sales, other):
    kept = pooled(other, "北京甲科技有限公司", industry="I", province="110000", district="110105")
    pooled(other, "上海乙贸易有限公司", industry="F", province="310000", district="310101")
    client = login(sales)
    for query in ("?industry=I", "?province=110000", "?industry=I&province=110000&tier=potential"):
        page = client.get(reverse("customers:pools") + query).content.decode()
        assert kept.name in page and "上海乙贸易有限公司" not in page, query
    assert "上海乙贸易有限公司" not in client.get(reverse("customers:pools") + "?tier=key").content.decode()


@pytest.mark.req("OWN-3")
def test_the_customer_page_header_shows_the_countdown(login, manager, sales):
    with clock.frozen(T0):
        customer = make_customer(sales, "北京甲科技有限公司")
    with clock.frozen(day(27)):
        page = login(manager).get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "3 天后退回公海" in page and reverse("customers:ownership", args=[customer.pk]) in page


@pytest.mark.req("OWN-3", "SEC-3")
def test_pool_lists_leave_out_what_the_readers_role_hides(login, api_client, sales, other):
    from kehu.customers import field_access
    from kehu.customers.models import FieldPermission
    from kehu.org.models import Role

    pooled(other, "北京甲科技有限公司", mobile="13812345678", industry="I")
    role = Role.objects.get(code=roles.SALESPERSON)
    FieldPermission.objects.create(role=role, entity="contact", field="mobile", access="hidden")
    FieldPermission.objects.create(role=role, entity="customer", field="industry", access="hidden")
    field_access.rules_changed(role)  # as services.field_permissions_set does: no process keeps the old rules
    assert "138****5678" not in login(sales).get(reverse("customers:pools")).content.decode()
    pool = Pool.objects.get(is_default=True)
    row = api_client(sales).get(f"/api/v1/pools/{pool.pk}/customers").json()["items"][0]
    assert "industry" not in row and row["primary_contact"] == {"name": "李四"}

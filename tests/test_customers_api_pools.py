"""/api/v1/pools and the ownership endpoints (OWN-1..4): permissions, scope, limits as 409 with the rule."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kehu.core import clock
from kehu.customers.models import Customer, OwnershipKind, Pool
from kehu.org import roles
from tests import customer_data
from tests.customer_data import make_customer

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SH)


def day(n: int) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


@pytest.fixture
def manager(make_user, sales):
    return make_user(roles.SALES_MANAGER, full_name="李经理", department=sales.department)


def pooled(owner, name: str, **extra) -> Customer:
    return customer_data.pooled(owner, name, T0, **extra)


def endpoints(customer_id: int, pool_id: int) -> list[tuple[str, str, dict]]:
    base = f"/api/v1/customers/{customer_id}"
    return [("get", "/api/v1/pools", {}), ("get", f"/api/v1/pools/{pool_id}", {}),
            ("get", f"/api/v1/pools/{pool_id}/customers", {}),
            ("post", f"{base}/claim", {}), ("post", f"{base}/release", {"reason": "无意向"}),
            ("post", f"{base}/transfer", {"to_owner_id": 1, "reason": "调整"}),
            ("post", f"{base}/assign", {"to_owner_id": 1, "reason": "调整"}),
            ("post", f"{base}/lock", {"reason": "重点"}), ("post", f"{base}/unlock", {"reason": "放开"}),
            ("post", f"{base}/delete", {"reason": "测试"}), ("get", f"{base}/ownership", {}),
            ("post", "/api/v1/customers/transfer", {"customer_ids": [customer_id], "to_owner_id": 1,
                                                     "reason": "调整"}),
            ("get", f"{base}/team-members", {}), ("put", f"{base}/team-members/1", {"access": "read"}),
            ("delete", f"{base}/team-members/1", {})]


def call(client, method, url, body):
    if method in ("post", "put"):
        return getattr(client, method)(url, body, content_type="application/json")
    return getattr(client, method)(url)


@pytest.mark.req("OWN-4", "SEC-2")
def test_anonymous_gets_401(client, sales):
    customer = make_customer(sales, "北京甲科技有限公司")
    for method, url, body in endpoints(customer.pk, Pool.objects.get(is_default=True).pk):
        assert call(client, method, url, body).status_code == 401, url


@pytest.mark.req("OWN-4", "SEC-2")
def test_without_permission_403(api_client, make_user, sales):
    customer = make_customer(sales, "北京甲科技有限公司")
    client = api_client(make_user(roles.SYSTEM_ADMIN))
    for method, url, body in endpoints(customer.pk, Pool.objects.get(is_default=True).pk):
        assert call(client, method, url, body).status_code == 403, url


@pytest.mark.req("OWN-4", "SEC-2")
def test_out_of_scope_404(api_client, make_user, manager, other):
    theirs = make_customer(other, "上海乙贸易有限公司")
    closed = Pool.objects.create(code="closed", name="大客户公海")
    closed.member_users.add(other)
    client, vp = api_client(manager), api_client(make_user(roles.MARKETING_VP))  # the VP: another company
    for method, url, body in endpoints(theirs.pk, closed.pk):
        if url != "/api/v1/pools":
            caller = vp if url.endswith("/delete") else client
            assert call(caller, method, url, body).status_code == 404, url


@pytest.mark.req("OWN-3", "OWN-4")
def test_claim_masked_list_and_the_cooldown_as_409(api_client, sales, other):
    customer = pooled(sales, "北京甲科技有限公司", mobile="13812345678")
    pool = Pool.objects.get(is_default=True)
    client = api_client(sales)
    assert [p["name"] for p in client.get("/api/v1/pools").json()] == ["公共公海"]
    rows = client.get(f"/api/v1/pools/{pool.pk}/customers").json()["items"]
    assert rows[0]["primary_contact"] == {"name": "李四", "mobile": "138****5678"}
    assert rows[0]["pooled_reason"] == "无意向"
    with clock.frozen(day(2)):
        refused = client.post(f"/api/v1/customers/{customer.pk}/claim", {}, content_type="application/json")
    assert refused.status_code == 409 and refused.json()["code"] == "reclaim_cooldown"
    assert "11-09" in refused.json()["message"]
    with clock.frozen(day(2)):
        claimed = api_client(other).post(f"/api/v1/customers/{customer.pk}/claim", {},
                                         content_type="application/json")
    assert claimed.status_code == 200 and claimed.json()["kind"] == OwnershipKind.CLAIM
    assert Customer.objects.get(pk=customer.pk).owner == other


@pytest.mark.req("OWN-4")
def test_transfer_lock_release_history_and_bulk(api_client, make_user, manager, sales):
    first, second = make_customer(sales, "北京甲科技有限公司"), make_customer(sales, "上海乙贸易有限公司")
    mate = make_user(roles.SALESPERSON, full_name="赵同事", department=sales.department)
    boss = api_client(manager)
    post = lambda url, body: boss.post(url, body, content_type="application/json")  # noqa: E731
    assert post(f"/api/v1/customers/{first.pk}/transfer", {"to_owner_id": mate.pk, "reason": ""}).status_code == 400
    done = post(f"/api/v1/customers/{first.pk}/transfer", {"to_owner_id": mate.pk, "reason": "区域调整",
                                                          "keep_as_team_member": True})
    assert done.status_code == 200 and done.json()["carried"]["contacts"] == 0
    assert post(f"/api/v1/customers/{first.pk}/lock", {"reason": "重点跟进"}).json() == {
        "customer_id": first.pk, "locked": True}
    released = api_client(mate).post(f"/api/v1/customers/{first.pk}/release", {"reason": "不跟了"},
                                     content_type="application/json")
    assert released.status_code == 409 and released.json()["code"] == "locked"
    history = boss.get(f"/api/v1/customers/{first.pk}/ownership").json()["items"]
    assert [(h["kind"], h["from_owner"], h["to_owner"]) for h in history] == [
        ("lock", "赵同事", "赵同事"), ("transfer", "张销售", "赵同事")]
    bulk = post("/api/v1/customers/transfer", {"customer_ids": [first.pk, second.pk], "to_owner_id": sales.pk,
                                               "reason": "回到原负责人"})
    assert bulk.status_code == 409 and bulk.json()["code"] == "already_owner"  # second is sales' already
    bulk = post("/api/v1/customers/transfer", {"customer_ids": [first.pk], "to_owner_id": sales.pk,
                                               "reason": "回到原负责人"})
    assert bulk.status_code == 200 and Customer.objects.get(pk=first.pk).owner == sales
    stranger = make_user(roles.SALESPERSON)  # another department: not a receiver in the manager's scope
    assert post(f"/api/v1/customers/{second.pk}/transfer",
                {"to_owner_id": stranger.pk, "reason": "调整"}).status_code == 422


@pytest.mark.req("OWN-3", "AC-9")
def test_pool_customer_list_is_paginated_and_capped(api_client, sales, other, django_assert_max_num_queries):
    for n in range(3):
        pooled(other, f"待领取{n}有限公司")
    client = api_client(sales)
    pool = Pool.objects.get(is_default=True)
    with django_assert_max_num_queries(10):
        response = client.get(f"/api/v1/pools/{pool.pk}/customers?page_size=100000")
    assert response.json()["limit"] == 100 and response.json()["count"] == 3


@pytest.mark.req("OWN-3", "SEC-2")
def test_pool_create_and_update_need_the_permission(client, api_client, make_user, manager, sales):
    body = {"code": "east", "name": "华东公海", "member_department_ids": [sales.department.pk],
            "admin_ids": [manager.pk]}
    assert client.post("/api/v1/pools", body, content_type="application/json").status_code == 401
    assert api_client(manager).post("/api/v1/pools", body, content_type="application/json").status_code == 403
    vp = api_client(make_user(roles.MARKETING_VP, department=sales.department))
    created = vp.post("/api/v1/pools", body, content_type="application/json", headers={"Idempotency-Key": "k1"})
    assert created.status_code == 201 and created.json()["admin_ids"] == [manager.pk]
    again = vp.post("/api/v1/pools", body, content_type="application/json", headers={"Idempotency-Key": "k1"})
    assert again.json()["id"] == created.json()["id"] and Pool.objects.filter(code="east").count() == 1
    bad = vp.post("/api/v1/pools", {**body, "code": "华东"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["details"][0]["field"] == "code"
    pool_id = created.json()["id"]
    updated = vp.put(f"/api/v1/pools/{pool_id}", {**body, "name_en": "East China", "admin_ids": []},
                     content_type="application/json")
    assert updated.status_code == 200 and updated.json()["name"] == "华东公海" and updated.json()["admin_ids"] == []
    assert vp.put("/api/v1/pools/999", body, content_type="application/json").status_code == 404
    assert vp.get(f"/api/v1/pools/{pool_id}").json()["name_en"] == "East China"
    assert api_client(make_user(roles.SALESPERSON)).get(f"/api/v1/pools/{pool_id}").status_code == 404  # not a member


@pytest.mark.req("OWN-1")
def test_team_members_over_the_api(api_client, make_user, sales, other):
    customer = make_customer(sales, "北京甲科技有限公司")
    mate = make_user(roles.SALESPERSON, full_name="赵同事", department=sales.department)
    client = api_client(sales)
    url = f"/api/v1/customers/{customer.pk}/team-members"
    done = client.put(f"{url}/{mate.pk}", {"access": "write", "expires_at": "2099-12-31T18:00:00+08:00"},
                      content_type="application/json")
    assert done.status_code == 200 and done.json()["access"] == "write"
    assert [m["user"] for m in client.get(url).json()] == ["赵同事"]
    assert client.get(f"{url}/{mate.pk}").json()["expires_at"].startswith("2099-12-31T")
    assert api_client(mate).get(f"/api/v1/customers/{customer.pk}").status_code == 200  # shared now
    stranger = make_user(roles.SALESPERSON)  # another company
    assert client.put(f"{url}/{stranger.pk}", {"access": "read"}, content_type="application/json").status_code == 404
    assert api_client(other).put(f"{url}/{mate.pk}", {"access": "read"},
                                 content_type="application/json").status_code == 404  # not in their scope
    assert client.delete(f"{url}/{mate.pk}").status_code == 204
    assert client.delete(f"{url}/{mate.pk}").status_code == 404

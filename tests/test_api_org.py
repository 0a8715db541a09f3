"""PLAT-2 / SEC-2 / ORG-3 over the API: scope, filters, pagination limits, rate limit (SECURITY.md AC-3, AC-9)."""

import datetime as dt

import pytest
from django.test import override_settings

from kehu.core import clock
from kehu.org.factories import CompanyFactory, DepartmentFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("PLAT-2", "SEC-2")]


@pytest.fixture
def org():
    company = CompanyFactory(name="华信智能科技（上海）有限公司")
    other = CompanyFactory(name="华信服务（杭州）有限公司")
    sales = DepartmentFactory(company=company, name="销售部")
    east = DepartmentFactory(company=company, parent=sales, name="华东大区")
    service = DepartmentFactory(company=other, name="客户服务部")
    return {"company": company, "sales": sales, "east": east, "service": service}


def test_me_shows_roles_permissions_and_scope(client, make_user, bearer, org):
    user = make_user("sales_manager", department=org["sales"], full_name="李娜")
    body = client.get("/api/v1/me", headers=bearer(user)).json()
    assert body["user"]["full_name"] == "李娜"
    assert body["user"]["department"] == {"id": org["sales"].id, "name": "销售部"}
    assert body["data_scope"] == "department_tree"
    # A sales manager may reveal and export personal data, so needs a second factor (AUTH-5).
    assert body["admin_duty"] is None and body["requires_mfa"] is True


@pytest.mark.req("ORG-3")
def test_user_list_is_scoped_and_filtered(client, make_user, bearer, org):
    manager = make_user("sales_manager", department=org["sales"], username="manager")
    UserFactory(username="zhangwei", full_name="张伟", department=org["east"])
    UserFactory(username="liuyang", full_name="刘洋", department=org["sales"])
    UserFactory(username="outsider", full_name="陈静", department=org["service"])
    UserFactory(username="departed", full_name="周磊", department=org["east"], is_active=False)
    headers = bearer(manager)

    body = client.get("/api/v1/users", headers=headers).json()
    assert {u["username"] for u in body["items"]} == {"manager", "zhangwei", "liuyang"}
    assert body["count"] == 3 and body["limit"] == 50 and body["offset"] == 0

    by_department = client.get(f"/api/v1/users?department={org['east'].id}", headers=headers).json()
    assert [u["username"] for u in by_department["items"]] == ["zhangwei"]
    with_subtree = client.get(f"/api/v1/users?department={org['sales'].id}", headers=headers).json()
    assert with_subtree["count"] == 3
    assert client.get("/api/v1/users?department=987654", headers=headers).json()["count"] == 0
    by_name = client.get("/api/v1/users?q=刘", headers=headers).json()
    assert [u["username"] for u in by_name["items"]] == ["liuyang"]
    by_username = client.get("/api/v1/users?q=ZHANG", headers=headers).json()
    assert [u["username"] for u in by_username["items"]] == ["zhangwei"]
    # A department out of scope filters to nothing rather than leaking its members.
    assert client.get(f"/api/v1/users?department={org['service'].id}", headers=headers).json()["count"] == 0


@pytest.mark.req("ORG-3")
def test_user_out_of_scope_is_404(client, make_user, bearer, org):
    viewer = make_user("salesperson", department=org["sales"])
    colleague = UserFactory(department=org["sales"])
    headers = bearer(viewer)
    assert client.get(f"/api/v1/users/{viewer.id}", headers=headers).status_code == 200
    response = client.get(f"/api/v1/users/{colleague.id}", headers=headers)
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_directory_needs_its_permission(client, make_user, bearer):
    headers = bearer(make_user("audit_admin"))
    for url in ("/api/v1/users", "/api/v1/users/1", "/api/v1/departments"):
        assert client.get(url, headers=headers).status_code == 403, url
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_page_never_exceeds_100_rows(client, make_user, bearer, org):
    gm = make_user("general_manager", department=org["sales"])
    UserFactory.create_batch(110, department=org["east"])
    headers = bearer(gm)
    for query in ("page_size=100000", "limit=100000", "limit=100000&page_size=100000"):
        body = client.get(f"/api/v1/users?{query}", headers=headers).json()
        assert len(body["items"]) == 100 and body["limit"] == 100, query
        assert body["count"] == 111
    last = client.get("/api/v1/users?limit=100&offset=100", headers=headers).json()
    assert len(last["items"]) == 11
    assert len(client.get("/api/v1/users", headers=headers).json()["items"]) == 50


def test_user_list_query_count_does_not_grow_with_rows(client, make_user, bearer, org, django_assert_max_num_queries):
    gm = make_user("general_manager", department=org["sales"])
    UserFactory.create_batch(30, department=org["east"], manager=gm)
    headers = bearer(gm)
    with django_assert_max_num_queries(6):  # token (+ last use), caller's roles, count, page, page's roles
        assert client.get("/api/v1/users", headers=headers).status_code == 200


def test_departments_are_the_users_company_tree(client, make_user, bearer, org):
    head = UserFactory(department=org["sales"], full_name="王芳")
    org["sales"].head = head
    org["sales"].save()
    user = make_user("salesperson", department=org["east"])
    body = client.get("/api/v1/departments", headers=bearer(user)).json()
    names = [d["name"] for d in body["items"]]
    assert names == ["销售部", "华东大区"]
    assert body["items"][0]["head"] == {"id": head.id, "full_name": "王芳"}
    assert body["items"][1]["parent_id"] == org["sales"].id
    assert body["items"][1]["depth"] == body["items"][0]["depth"] + 1


@override_settings(KEHU_API_RATE_PER_MINUTE=60)
def test_61st_request_in_a_minute_is_429(client, make_user, bearer):
    user = make_user("salesperson")
    other = bearer(make_user("salesperson"))
    headers = bearer(user)
    minute = clock.now().replace(second=10, microsecond=0)
    with clock.frozen(minute):
        for n in range(60):
            assert client.get("/api/v1/me", headers=headers).status_code == 200, n
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 429
        assert response.json()["code"] == "rate_limited"
        assert response["Retry-After"] == "50"
        assert client.get("/api/v1/me", headers=other).status_code == 200  # per user
    with clock.frozen(minute + dt.timedelta(minutes=1)):
        assert client.get("/api/v1/me", headers=headers).status_code == 200

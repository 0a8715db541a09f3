"""ORG-1, SEC-2: /api/v1/admin/users and /api/v1/admin/roles answer by the same rules as the pages."""

import pytest
from django.test import Client

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.org import roles
from kehu.org.factories import DepartmentFactory
from kehu.org.models import ApiToken, User

pytestmark = pytest.mark.django_db

USERS = "/api/v1/admin/users"
ROLES = "/api/v1/admin/roles"


@pytest.fixture
def dept():
    return DepartmentFactory(name="销售部")


@pytest.fixture
def sysadmin(make_user, dept):
    return make_user(roles.SYSTEM_ADMIN, username="sysadmin", department=dept)


@pytest.fixture
def secadmin(make_user, dept):
    return make_user(roles.SECURITY_ADMIN, username="secadmin", department=dept)


def new_user(dept, **extra):
    return {"username": "zhaoliu", "full_name": "赵六", "employee_no": "E7001", "department_id": dept.pk, **extra}


@pytest.mark.req("SEC-2")
def test_anonymous_gets_401(client, dept, make_user):
    target = make_user(department=dept)
    assert client.get(USERS).status_code == 401
    assert client.get(ROLES).status_code == 401
    assert client.post(USERS, new_user(dept), content_type="application/json").status_code == 401
    response = client.post(f"{USERS}/{target.pk}/disable", {"reason": "x"}, content_type="application/json")
    assert response.status_code == 401
    assert User.objects.get(pk=target.pk).is_active


@pytest.mark.req("SEC-2")
@pytest.mark.parametrize("role,users_get,users_post,roles_get", [
    (roles.SYSTEM_ADMIN, 200, 201, 403),
    (roles.SECURITY_ADMIN, 200, 403, 200),
    (roles.AUDIT_ADMIN, 403, 403, 403),
    (roles.GENERAL_MANAGER, 403, 403, 403),
    (roles.SALESPERSON, 403, 403, 403),
])
def test_role_endpoint_matrix(login, make_user, dept, role, users_get, users_post, roles_get):
    client = login(make_user(role, department=dept))
    assert client.get(USERS).status_code == users_get
    assert client.post(USERS, new_user(dept), content_type="application/json").status_code == users_post
    assert client.get(ROLES).status_code == roles_get


@pytest.mark.req("ORG-1")
def test_list_users_filters_and_caps_the_page(login, sysadmin, dept, make_user, django_assert_max_num_queries):
    for _ in range(3):
        make_user(roles.SALESPERSON, department=dept)
    other = make_user(roles.SALESPERSON, username="elsewhere", department=DepartmentFactory(name="客服部"))
    client = login(sysadmin)
    # Session read and save (4), the caller and their roles (2), count, page, the page's roles (3).
    with django_assert_max_num_queries(9):
        body = client.get(USERS, {"limit": 2}).json()
    assert body["count"] == 5 and len(body["items"]) == 2
    assert body["items"][0]["roles"] == [roles.SYSTEM_ADMIN] and body["items"][0]["department"] == "销售部"
    assert client.get(USERS, {"q": "elsewhere"}).json()["items"][0]["id"] == other.pk
    assert client.get(USERS, {"role": roles.SYSTEM_ADMIN}).json()["count"] == 1
    assert client.get(USERS, {"department_id": other.department_id}).json()["count"] == 1
    assert client.get(USERS, {"role": "nonexistent"}).status_code == 404
    assert client.get(USERS, {"limit": 1000}).status_code == 422


@pytest.mark.req("ORG-1")
def test_create_user_returns_the_initial_password_once_and_refusals_as_json(login, sysadmin, dept):
    client = login(sysadmin)
    response = client.post(USERS, new_user(dept), content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    created = User.objects.get(pk=body["user"]["id"])
    assert created.check_password(body["initial_password"]) and created.must_change_password
    again = client.post(USERS, new_user(dept, username="ZHAOLIU", employee_no="E7002"),
                        content_type="application/json")
    assert again.status_code == 409
    assert again.json()["code"] == "username_taken" and again.json()["field"] == "username"
    weak = client.post(USERS, new_user(dept, username="u2", employee_no="E7003", password="123"),
                       content_type="application/json")
    assert weak.status_code == 400 and weak.json()["field"] == "password"
    assert AuditEntry.objects.filter(action=actions.USER_CREATE).count() == 1


@pytest.mark.req("SEC-2")
def test_disable_through_the_api_revokes_tokens(login, sysadmin, dept, make_user):
    target = make_user(roles.SALESPERSON, department=dept)
    token = ApiToken.objects.create(user=target, prefix="kehu_x", key_hash="1" * 64)
    client = login(sysadmin)
    assert client.post(f"{USERS}/99999/disable", {"reason": "离职"}, content_type="application/json").status_code == 404
    response = client.post(f"{USERS}/{target.pk}/disable", {"reason": "离职"}, content_type="application/json")
    assert response.status_code == 200 and response.json()["is_active"] is False
    token.refresh_from_db()
    assert token.revoked_at is not None
    own = client.post(f"{USERS}/{sysadmin.pk}/disable", {"reason": "测试"}, content_type="application/json")
    assert own.status_code == 400 and own.json()["code"] == "disable_self"


@pytest.mark.req("ORG-2")
def test_roles_endpoint_lists_duty_scope_and_permissions(login, secadmin):
    body = login(secadmin).get(ROLES).json()
    by_code = {role["code"]: role for role in body}
    assert by_code[roles.AUDIT_ADMIN]["duty"] == "audit"
    assert by_code[roles.SALES_MANAGER]["data_scope"] == roles.DEPARTMENT_TREE
    assert by_code[roles.SECURITY_ADMIN]["user_count"] == 1


@pytest.mark.req("SEC-2")
def test_session_signed_posts_need_the_csrf_token(sysadmin, dept):
    client = Client(enforce_csrf_checks=True)
    client.force_login(sysadmin)
    session = client.session
    session["kehu_mfa_verified"] = True  # so the 403 below is the CSRF check, not the missing second factor
    session.save()
    response = client.post(USERS, new_user(dept), content_type="application/json")
    assert response.status_code == 403
    assert not User.objects.filter(username="zhaoliu").exists()

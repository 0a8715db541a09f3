"""PLAT-2 / SEC-2: bearer tokens guard every API route (SECURITY.md AC-1, AC-7, WEB-3)."""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from test_web_access import all_routes

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.core.errors import PermissionDenied
from kehu.org.api_tokens import api_token_create, api_token_revoke
from kehu.org.models import ApiToken

pytestmark = [pytest.mark.django_db, pytest.mark.req("PLAT-2", "SEC-2")]

ME = "/api/v1/me"


def api_routes():
    return [route for route in all_routes() if route.url.startswith("/api/") and route.name != "api:api-root"]


def test_route_walk_finds_the_api():
    names = {route.name for route in api_routes()}
    assert {"api:me", "api:user_list", "api:user_detail", "api:department_list",
            "api:openapi-json", "api:openapi-view"} <= names


def test_no_token_is_401_json_on_every_api_route(client):
    """Status per method is the AC-1 meta-test's (test_web_access); here: the 401 body and header."""
    for route in api_routes():
        response = client.get(route.url)
        if response.status_code == 405:
            response = client.post(route.url)
        assert response.status_code == 401, route.url
        assert response.json()["code"] == "not_authenticated"
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_session_cookie_alone_does_not_open_the_api(make_user, login):
    client = login(make_user("general_manager"))
    assert client.get(ME).status_code == 401
    assert client.get("/api/v1/users").status_code == 401


def test_valid_token_binds_the_user(client, make_user, bearer):
    user = make_user("salesperson")
    response = client.get(ME, headers=bearer(user))
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == user.username
    assert [r["code"] for r in body["roles"]] == ["salesperson"]
    assert "org.directory.view" in body["permissions"]
    assert body["data_scope"] == "own_shared"


@pytest.mark.parametrize("header", [
    "Bearer kehu_deadbeef_not-a-real-token",
    "Bearer not-even-our-format",
    "Basic dXNlcjpwYXNz",
    "Bearer ",
])
def test_bad_tokens_are_401(client, make_user, bearer, header):
    make_user("salesperson")
    assert client.get(ME, headers={"Authorization": header}).status_code == 401


def test_revoked_token_is_401(client, make_user):
    user = make_user("salesperson")
    token, secret = api_token_create(actor=user, user=user, name="laptop")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get(ME, headers=headers).status_code == 200
    api_token_revoke(actor=user, token=token)
    assert client.get(ME, headers=headers).status_code == 401
    codes = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert codes[-2:] == [actions.TOKEN_CREATE, actions.TOKEN_REVOKE]


def test_expired_token_is_401(client, make_user, bearer):
    user = make_user("salesperson")
    headers = bearer(user, expires_at=clock.now() + dt.timedelta(days=1))
    assert client.get(ME, headers=headers).status_code == 200
    with clock.frozen(clock.now() + dt.timedelta(days=1, seconds=1)):
        assert client.get(ME, headers=headers).status_code == 401


def test_disabled_users_token_is_401_at_once(client, make_user, bearer):
    user = make_user("salesperson")
    headers = bearer(user)
    assert client.get(ME, headers=headers).status_code == 200
    user.is_active = False
    user.save()
    assert client.get(ME, headers=headers).status_code == 401


def test_only_the_secret_hash_is_stored_and_last_use_is_coarse(client, make_user):
    user = make_user("salesperson")
    token, secret = api_token_create(actor=user, user=user)
    assert re.fullmatch(rf"kehu_{token.prefix}_[A-Za-z0-9_\-]{{43}}", secret)
    assert secret not in token.key_hash and len(token.key_hash) == 64
    start = clock.now()
    with clock.frozen(start):
        client.get(ME, headers={"Authorization": f"Bearer {secret}"})
    token.refresh_from_db()
    assert token.last_used_at == start
    with clock.frozen(start + dt.timedelta(seconds=30)):
        client.get(ME, headers={"Authorization": f"Bearer {secret}"})
    token.refresh_from_db()
    assert token.last_used_at == start  # not rewritten within the minute
    with clock.frozen(start + dt.timedelta(seconds=61)):
        client.get(ME, headers={"Authorization": f"Bearer {secret}"})
    token.refresh_from_db()
    assert token.last_used_at == start + dt.timedelta(seconds=61)


def test_nobody_creates_tokens_for_someone_else(make_user):
    admin = make_user("system_admin")
    user = make_user("salesperson")
    with pytest.raises(PermissionDenied):
        api_token_create(actor=admin, user=user)


def test_mfa_users_get_tokens_only_from_the_operator(make_user):
    admin = make_user("security_admin")
    with pytest.raises(PermissionDenied) as refused:
        api_token_create(actor=admin, user=admin)
    assert refused.value.code == "token_needs_operator"
    token, _secret = api_token_create(actor=None, user=admin)
    assert token.user == admin


def test_cli_prints_the_secret_once(client, make_user, capsys):
    user = make_user("salesperson", username="wangfang")
    call_command("token_create", "WangFang", "--name", "ERP", "--days", "30")
    out = capsys.readouterr().out
    secret = re.search(r"^(kehu_\S+)$", out, re.M).group(1)
    token = ApiToken.objects.get(user=user)
    assert token.name == "ERP" and token.expires_at is not None
    assert client.get(ME, headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    entry = AuditEntry.objects.get(action=actions.TOKEN_CREATE)
    assert entry.channel == "cli" and entry.actor is None


def test_admin_router_takes_a_session_only_after_the_second_factor(client, make_user, login):
    admin = make_user("system_admin")
    client.force_login(admin)  # password only: no second factor yet
    # Refused by the session policy (403 mfa_required) before SessionAuth would say 401.
    assert client.get("/api/v1/admin/users").status_code in (401, 403)
    assert login(admin).get("/api/v1/admin/users").status_code == 200


def test_admin_router_session_writes_need_csrf_and_anonymous_gets_401(make_user):
    from django.test import Client

    admin = make_user("system_admin")
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/api/v1/admin/users", {}, content_type="application/json").status_code == 401
    strict.force_login(admin)
    session = strict.session
    session["kehu_mfa_verified"] = True
    session.save()
    refused = strict.post("/api/v1/admin/users", {}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"

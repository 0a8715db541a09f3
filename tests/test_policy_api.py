"""POL-1 API: /api/v1/policy-versions — list, detail, and the version in force at a moment."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kehu.core import clock
from kehu.org import roles
from kehu.policy import services
from kehu.policy.models import Policy

pytestmark = [pytest.mark.django_db, pytest.mark.req("POL-1")]

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=SH)
EFFECTIVE = dt.datetime(2026, 7, 1, tzinfo=SH)
BASE = "/api/v1/policy-versions"


@pytest.fixture
def versions(make_user):
    """v1 (default, retired by v2), v2 published from EFFECTIVE, v3 a draft."""
    policy = Policy.objects.get(code="customer_management")
    drafter, approver = make_user(roles.SYSTEM_ADMIN), make_user(roles.GENERAL_MANAGER)
    with clock.frozen(T0):
        v2 = services.policy_version_draft(actor=drafter, policy=policy)
        rules = {**v2.rules, "exports": {"approval_above_rows": 800}}
        services.policy_version_update(actor=drafter, version=v2, rules=rules, effective_from=EFFECTIVE, summary="导出")
        services.policy_version_submit(actor=drafter, version=v2)
        services.policy_version_publish(actor=approver, version=v2)
        v3 = services.policy_version_draft(actor=drafter, policy=policy)
    return policy.versions.get(number=1), v2, v3


def test_anonymous_gets_401(client, versions):
    assert client.get(BASE).status_code == 401
    assert client.get(f"{BASE}/in-force").status_code == 401


def test_without_permission_gets_403(make_user, api_client, versions):
    client = api_client(make_user(roles.AUDIT_ADMIN))
    response = client.get(f"{BASE}/{versions[0].pk}")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert client.get(BASE).status_code == 403


def test_reader_lists_history_but_not_drafts(make_user, api_client, versions):
    v1, v2, v3 = versions
    client = api_client(make_user(roles.SALESPERSON))
    body = client.get(BASE).json()
    assert body["count"] == 2
    assert [(item["number"], item["status"]) for item in body["items"]] == [(2, "published"), (1, "retired")]
    assert body["items"][0]["approved_by"] and body["items"][0]["predecessor_number"] == 1
    assert client.get(f"{BASE}/{v3.pk}").status_code == 404
    detail = client.get(f"{BASE}/{v2.pk}").json()
    assert detail["rules"]["exports"]["approval_above_rows"] == 800


def test_drafter_sees_the_draft(api_client, versions):
    v1, v2, v3 = versions
    client = api_client(v3.drafted_by)
    assert client.get(f"{BASE}/{v3.pk}").json()["status"] == "draft"


def test_in_force_at_a_moment(make_user, api_client, versions):
    client = api_client(make_user(roles.SALESPERSON))
    before = client.get(f"{BASE}/in-force", {"at": "2026-06-30T23:59:59+08:00"}).json()
    after = client.get(f"{BASE}/in-force", {"at": "2026-07-01T00:00:00+08:00"}).json()
    naive_beijing = client.get(f"{BASE}/in-force", {"at": "2026-07-01T00:00:00"}).json()
    assert (before["number"], after["number"], naive_beijing["number"]) == (1, 2, 2)
    assert before["rules"]["exports"]["approval_above_rows"] == 500
    response = client.get(f"{BASE}/in-force", {"at": "2019-01-01T00:00:00+08:00"})
    assert response.status_code == 404 and response.json()["code"] == "policy_not_in_force"

"""SEC-5: the audit administrator searches the log (page and API); reading it is itself audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse

from kehu.compliance import actions, audit
from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.org.factories import CompanyFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("SEC-5")]

LIST = "/audit/"
API = "/api/v1/audit-entries"


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    # The manifest storage needs `collectstatic`; pages under test only need the file names.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


def record(actor, action, target=None, *, at=None, result="ok", data=None):
    with clock.frozen(at or clock.now()), transaction.atomic():
        return audit.record(actor, action, target, data or {}, result=result)


@pytest.fixture
def world(make_user):
    """Two people doing things over three days, and the auditor who reviews them."""
    now = clock.now()
    alice = make_user("system_admin", username="alice")
    bob = make_user("salesperson", username="bob")
    acme = CompanyFactory(name="阿克米有限公司")
    other = CompanyFactory(name="其他有限公司")
    record(alice, actions.COMPANY_CREATE, acme, at=now - dt.timedelta(days=3))
    record(alice, actions.COMPANY_CREATE, other, at=now - dt.timedelta(days=2))
    record(bob, actions.LOGIN, bob, at=now - dt.timedelta(days=2))
    record(bob, actions.LOGIN_FAILED, bob, at=now - dt.timedelta(days=1), result="failed")
    record(alice, actions.USER_UPDATE, bob, at=now - dt.timedelta(hours=1))
    auditor = make_user("audit_admin", username="auditor")
    return {"now": now, "alice": alice, "bob": bob, "acme": acme, "other": other, "auditor": auditor}


def shown_seqs(response) -> list[int]:
    return [entry.seq for entry, _label in response.context["rows"]]


def test_anonymous_is_sent_to_login(client):
    response = client.get(LIST)
    assert response.status_code == 302 and reverse("org:login") in response["Location"]


def test_without_audit_view_is_forbidden(world, login):
    client = login(world["bob"])
    assert client.get(LIST).status_code == 403
    assert client.get(reverse("compliance:audit_detail", args=[1])).status_code == 403
    assert not AuditEntry.objects.filter(action=actions.AUDIT_SEARCH).exists()


def test_selector_refuses_without_permission(world):
    from kehu.compliance.filters import AuditFilters
    from kehu.compliance.selectors import audit_entries_for
    from kehu.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        audit_entries_for(world["alice"], AuditFilters())


def test_auditor_sees_newest_first_and_the_search_is_audited(world, login):
    response = login(world["auditor"]).get(LIST)
    assert response.status_code == 200
    assert shown_seqs(response) == [5, 4, 3, 2, 1]
    assert str(world["acme"]) in response.content.decode()
    search = AuditEntry.objects.get(action=actions.AUDIT_SEARCH)
    assert search.actor_id == world["auditor"].pk and search.data == {"filters": {}}


@pytest.mark.parametrize("query,expected", [
    ({"user": "ALICE"}, [5, 2, 1]),
    ({"user": "nobody"}, []),
    ({"action": actions.LOGIN}, [3]),
    ({"target_type": "org.company"}, [2, 1]),
    ({"result": "failed"}, [4]),
    ({"user": "bob", "action": actions.LOGIN_FAILED}, [4]),
])
def test_filters(world, login, query, expected):
    response = login(world["auditor"]).get(LIST, query)
    assert response.status_code == 200
    assert shown_seqs(response) == expected
    assert AuditEntry.objects.get(action=actions.AUDIT_SEARCH).data["filters"] == query


def test_filter_by_object_and_time(world, login):
    client = login(world["auditor"])
    response = client.get(LIST, {"target_type": "org.company", "target_id": world["acme"].pk})
    assert shown_seqs(response) == [1]
    since = dt.datetime.now() - dt.timedelta(days=2, hours=12)  # local wall time, as the form sends it
    until = dt.datetime.now() - dt.timedelta(hours=12)
    response = client.get(LIST, {"since": since.strftime("%Y-%m-%dT%H:%M"), "until": until.strftime("%Y-%m-%dT%H:%M")})
    assert shown_seqs(response) == [4, 3, 2]


def test_bad_filters_name_the_field_and_show_nothing(world, login):
    client = login(world["auditor"])
    response = client.get(LIST, {"action": "no.such_action"})
    assert response.status_code == 200 and response.context["form"].errors["action"]
    response = client.get(LIST, {"target_id": "7"})
    assert response.context["form"].errors["target_type"] and response.context["rows"] == []
    assert not AuditEntry.objects.filter(action=actions.AUDIT_SEARCH).exists()


def test_keyset_pages_of_fifty(world, login, make_user):
    alice = world["alice"]
    for _ in range(55):
        record(alice, actions.USER_UPDATE, world["bob"])
    client = login(world["auditor"])
    first = client.get(LIST, {"user": "alice"})
    assert len(shown_seqs(first)) == 50 and first.context["page"].count == 58
    cursor = first.context["page"].next_cursor
    second = client.get(LIST, {"user": "alice", "after": cursor})
    assert shown_seqs(second) == sorted(set(range(1, 61)) - set(shown_seqs(first)) - {3, 4}, reverse=True)[:8]
    assert second.context["page"].next_cursor is None


def test_count_is_capped_for_wide_searches(world):
    from kehu.compliance.filters import AuditFilters
    from kehu.compliance.selectors import audit_entries_for, audit_page

    page = audit_page(audit_entries_for(world["auditor"], AuditFilters()), size=2)
    assert (page.count, page.count_capped, len(page.entries)) == (5, False, 2)


def test_detail_shows_the_data_and_is_audited(world, login):
    entry = record(world["alice"], actions.ROLE_GRANT, world["bob"], data={"role": "sales_manager", "why": "晋升"})
    response = login(world["auditor"]).get(reverse("compliance:audit_detail", args=[entry.seq]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "sales_manager" in body and "晋升" in body and "授予角色" in body
    read = AuditEntry.objects.get(action=actions.AUDIT_SEARCH)
    assert (read.target_type, read.target_id) == ("compliance.auditentry", str(entry.pk))
    assert login(world["auditor"]).get(reverse("compliance:audit_detail", args=[999])).status_code == 404


def test_navigation_shows_the_audit_log_only_to_auditors(world, login):
    url = reverse("compliance:audit_list")
    assert url in login(world["auditor"]).get("/").content.decode()
    assert url not in login(world["bob"]).get("/").content.decode()


@pytest.mark.parametrize("rows", [5, 80])
def test_list_query_budget_does_not_grow_with_rows(world, login, django_assert_max_num_queries, rows):
    for _ in range(rows):
        record(world["alice"], actions.USER_UPDATE, world["bob"])
    client = login(world["auditor"])
    with django_assert_max_num_queries(14):
        response = client.get(LIST, {"user": "alice"})
    assert response.status_code == 200


# --- API ---------------------------------------------------------------------------------------

def test_api_anonymous_is_401(client, world):
    response = client.get(API)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_api_without_permission_is_403_json(world, api_client):
    response = api_client(world["bob"]).get(API)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_api_filters_paginates_and_is_audited(world, api_client):
    client = api_client(world["auditor"])
    body = client.get(API, {"user": "alice", "limit": 2}).json()
    assert body["count"] == 3
    assert [item["seq"] for item in body["items"]] == [5, 2]
    assert body["items"][0]["action_label"] == "修改用户"
    body = client.get(API, {"user": "alice", "limit": 2, "offset": 2}).json()
    assert [item["seq"] for item in body["items"]] == [1]
    assert AuditEntry.objects.filter(action=actions.AUDIT_SEARCH).count() == 2


def test_api_bad_filter_is_400_naming_the_field(world, api_client):
    response = api_client(world["auditor"]).get(API, {"action": "no.such_action"})
    assert response.status_code == 400 and response.json()["field"] == "action"


def test_api_page_size_is_capped_at_100(world, api_client):
    response = api_client(world["auditor"]).get(API, {"limit": 100000})
    assert response.status_code == 422 or len(response.json()["items"]) <= 100

"""Exfiltration alerts (OWN-6): counted from the audit log, judged by the pure evaluator at its boundaries,
raised once per user, day and kind by the sweep, shown with their evidence to the security administrator."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from kehu.compliance import actions, audit
from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.customers import access_alerts, exporter, tasks
from kehu.customers.models import AccessAlert, AccessKind
from kehu.org import roles
from kehu.policy.evaluators.base import SHANGHAI
from kehu.policy.evaluators.monitoring import daily_median, unusual_access
from kehu.policy.schemas import MonitoringRules
from tests.customer_data import make_customer

pytestmark = pytest.mark.req("OWN-6")

TODAY = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 15, 0, tzinfo=SHANGHAI)
API = "/api/v1/admin/access-alerts"
RULES = MonitoringRules()


# --- the evaluator: pure, at its boundaries -----------------------------------------------------


def decide(count, history, rules=RULES):
    return unusual_access(rules, count, history, version=7)


def test_three_times_the_median_stays_one_more_alerts():
    history = [20] * 30
    assert not decide(60, history).unusual  # exactly 3 × 20
    above = decide(61, history)
    assert above.unusual and above.median == Decimal(20) and above.threshold == Decimal(60)
    assert above.policy_version == 7 and "61" in above.reason


def test_the_floor_of_fifty_holds_when_the_median_is_low():
    history = [10] * 30  # 3 × 10 = 30
    assert not decide(50, history).unusual
    assert decide(51, history).unusual
    assert decide(51, history).threshold == Decimal(50)


def test_days_without_activity_count_as_zero():
    # Ten busy days in the last thirty: the median of thirty is still 0, so only the floor matters.
    assert daily_median([100] * 10, 30) == 0
    assert decide(51, [100] * 10).unusual
    # Only the last thirty days are read; an even count takes the mean of the middle two.
    assert daily_median([1000] * 40 + [0] * 15 + [10] * 15, 30) == Decimal(5)
    assert daily_median([], 30) == 0


def test_the_policy_decides_multiplier_days_and_floor():
    rules = MonitoringRules(exfiltration_multiplier=Decimal("2"), exfiltration_baseline_days=5,
                            exfiltration_min_count=10)
    assert not decide(40, [20] * 5, rules).unusual
    assert decide(41, [20] * 5, rules).unusual
    assert decide(11, [0] * 4 + [20] * 30, rules).unusual is False  # median of the last five: 20
    assert decide(11, [20] * 2 + [0] * 5, rules).unusual  # the last five are quiet


# --- counting from the audit log ----------------------------------------------------------------


def act(user, when: dt.datetime, n: int, kind=AccessKind.VIEW, rows: int = 0, result="ok"):
    """``n`` audit rows of ``kind`` by ``user`` at ``when``, as the customer pages write them."""
    data = {"rows": rows} if kind == AccessKind.EXPORT else {}
    with clock.frozen(when), transaction.atomic():
        audit.record_many(user, access_alerts.KIND_ACTIONS[kind],
                          [(("customers.customer", str(i), f"客户{i}"), data) for i in range(n)], result=result)


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


def history(user, daily: int, days: int = 30, kind=AccessKind.VIEW):
    for back in range(1, days + 1):
        act(user, at(TODAY - dt.timedelta(days=back)), daily, kind)


def test_counts_views_reveals_and_exported_rows_per_china_day(sales, other):
    act(sales, at(TODAY, 0, 0), 3)  # midnight in China is still 16:00 UTC the day before
    act(sales, at(TODAY - dt.timedelta(days=1), 23, 59), 2)
    act(sales, at(TODAY), 4, AccessKind.REVEAL)
    act(sales, at(TODAY), 1, AccessKind.EXPORT, rows=120)
    act(sales, at(TODAY), 1, AccessKind.EXPORT, rows=30)
    act(sales, at(TODAY), 5, result="denied")  # refused attempts are not views
    act(other, at(TODAY), 7)
    counts = access_alerts.daily_counts(TODAY - dt.timedelta(days=1), TODAY)
    assert dict(counts) == {
        (sales.pk, TODAY, "view"): 3, (sales.pk, TODAY - dt.timedelta(days=1), "view"): 2,
        (sales.pk, TODAY, "reveal"): 4, (sales.pk, TODAY, "export"): 150, (other.pk, TODAY, "view"): 7}
    assert dict(access_alerts.daily_counts(TODAY, TODAY, [other.pk])) == {(other.pk, TODAY, "view"): 7}
    # A few users' counts read all their rows: another action's "rows" (not a number) is not summed.
    with clock.frozen(at(TODAY)), transaction.atomic():
        audit.record(sales, actions.CUSTOMER_IMPORT, None, {"rows": "many"})
    assert access_alerts.daily_counts(TODAY, TODAY, [sales.pk]) == {
        (sales.pk, TODAY, "view"): 3, (sales.pk, TODAY, "reveal"): 4, (sales.pk, TODAY, "export"): 150}


# --- the sweep ----------------------------------------------------------------------------------


def test_sweep_raises_one_alert_per_user_day_and_kind_and_is_idempotent(sales, other):
    history(sales, 20)
    history(other, 20)
    act(sales, at(TODAY), 61)
    act(other, at(TODAY), 60)  # exactly 3 × the median: no alert
    before = AuditEntry.objects.filter(action=actions.ACCESS_ALERT_RAISE).count()
    (alert,) = access_alerts.sweep(now=NOW)
    assert (alert.user, alert.day, alert.kind, alert.count) == (sales, TODAY, "view", 61)
    assert alert.median == 20 and alert.threshold == 60 and alert.status == AccessAlert.OPEN
    assert alert.policy_version == 1
    entry = AuditEntry.objects.filter(action=actions.ACCESS_ALERT_RAISE).latest("seq")
    assert entry.actor is None and entry.data["count"] == 61 and entry.target_id == str(alert.pk)
    act(sales, at(TODAY, 14), 100)
    assert access_alerts.sweep(now=NOW) == []  # still one alert for the day
    assert AccessAlert.objects.count() == 1
    assert AuditEntry.objects.filter(action=actions.ACCESS_ALERT_RAISE).count() == before + 1


def test_sweep_also_judges_yesterday_against_its_own_thirty_days(sales):
    yesterday = TODAY - dt.timedelta(days=1)
    act(sales, at(yesterday, 23, 55), 51)  # after the last sweep of the day
    act(sales, at(TODAY), 51, AccessKind.REVEAL)
    alerts = access_alerts.sweep(now=NOW)
    assert sorted((a.day, a.kind) for a in alerts) == [(yesterday, "view"), (TODAY, "reveal")]


def test_the_task_runs_the_sweep(sales):
    act(sales, at(TODAY), 51)
    with clock.frozen(NOW):
        assert tasks.sweep_access_alerts.call() == 1
        assert tasks.sweep_access_alerts.call() == 0
    assert AuditEntry.objects.filter(action=actions.ACCESS_ALERT_RAISE).latest("seq").channel == "task"


def test_an_export_asks_for_a_check_of_its_user_at_once(make_user, django_capture_on_commit_callbacks):
    manager = make_user(roles.SALES_MANAGER)
    make_customer(manager, "北京甲科技有限公司")
    with django_capture_on_commit_callbacks(execute=True):
        with exporter.export_customers(actor=manager, filters={}):
            pass
    queued = DBTaskResult.objects.get(task_path=tasks.check_access.module_path)
    assert json.loads(json.dumps(queued.args_kwargs))["args"] == [manager.pk]
    act(manager, clock.now(), 1, AccessKind.EXPORT, rows=500)
    assert tasks.check_access.call(manager.pk) == 1
    assert AccessAlert.objects.get().kind == "export"


# --- pages ----------------------------------------------------------------------------------------


@pytest.fixture
def secadmin(make_user):
    return make_user(roles.SECURITY_ADMIN, full_name="安全管理员")


@pytest.fixture
def alert(sales):
    act(sales, at(TODAY), 55)
    (raised,) = access_alerts.sweep(now=NOW)
    return raised


def test_pages_need_the_security_alerts_permission(client, login, make_user, secadmin, sales, alert):
    urls = [reverse("customers:access_alerts"), reverse("customers:access_alert", args=[alert.pk])]
    handle = reverse("customers:access_alert_handle", args=[alert.pk])
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    assert client.post(handle, {"status": "closed", "note": "误报"}).status_code == 302
    for user in (sales, make_user(roles.SYSTEM_ADMIN), make_user(roles.AUDIT_ADMIN), make_user(roles.GENERAL_MANAGER)):
        other = login(user)
        assert all(other.get(url).status_code == 403 for url in urls)
        assert other.post(handle, {"status": "closed", "note": "误报"}).status_code == 403
        other.logout()
    assert AccessAlert.objects.get(pk=alert.pk).status == AccessAlert.OPEN
    admin = login(secadmin)
    assert all(admin.get(url).status_code == 200 for url in urls)
    # Alerts are the whole company's (the security administrator has no data scope): an unknown id is 404.
    assert admin.get(reverse("customers:access_alert", args=[alert.pk + 99])).status_code == 404
    assert admin.post(reverse("customers:access_alert_handle", args=[alert.pk + 99]),
                      {"status": "closed", "note": "误报"}).status_code == 404


def test_alert_page_shows_the_evidence_and_links_the_audit_search(login, secadmin, sales, alert):
    page = login(secadmin).get(reverse("customers:access_alert", args=[alert.pk]))
    body = page.content.decode()
    assert page.context["page"].paginator.count == 55 and "客户0" in body and "查看客户" in body
    assert f"user={sales.username}" in body and "action=customer.view" in body
    assert "since=2026-11-20T00%3A00" in body and "until=2026-11-21T00%3A00" in body
    listed = login(secadmin).get(reverse("customers:access_alerts")).content.decode()
    assert sales.full_name in listed and "55" in listed


def test_acknowledge_then_close_with_a_note_audited(login, secadmin, alert):
    client = login(secadmin)
    handle = reverse("customers:access_alert_handle", args=[alert.pk])
    client.post(handle, {"status": "acknowledged", "note": ""})
    assert AccessAlert.objects.get(pk=alert.pk).status == AccessAlert.OPEN  # a note is required
    assert client.post(handle, {"status": "acknowledged", "note": "已联系本人"}).status_code == 302
    client.post(handle, {"status": "closed", "note": "月底对账，属正常"})
    handled = AccessAlert.objects.get(pk=alert.pk)
    assert (handled.status, handled.note, handled.handled_by) == (AccessAlert.CLOSED, "月底对账，属正常", secadmin)
    entries = AuditEntry.objects.filter(target_type="customers.accessalert", target_id=str(alert.pk)).order_by("seq")
    assert [(e.action, e.reason) for e in entries] == [
        (actions.ACCESS_ALERT_RAISE, alert.reason), (actions.ACCESS_ALERT_ACKNOWLEDGE, "已联系本人"),
        (actions.ACCESS_ALERT_CLOSE, "月底对账，属正常")]
    response = client.post(handle, {"status": "closed", "note": "再次关闭"}, follow=True)
    assert "已是“已关闭”状态" in response.content.decode()
    assert "已关闭" in client.get(reverse("customers:access_alerts") + "?status=closed").content.decode()


def test_home_card_and_navigation_for_the_security_administrator(login, secadmin, sales, alert):
    home = login(secadmin).get(reverse("web:home"))
    cards = {str(card.title): card.value for card in home.context["cards"]}
    assert cards["待处理的异常访问预警"] == "1"
    assert reverse("customers:access_alerts") in home.content.decode()
    sales_home = login(sales).get(reverse("web:home"))
    assert "待处理的异常访问预警" not in {str(card.title) for card in sales_home.context["cards"]}


@pytest.mark.parametrize("size", [3, 30])
def test_query_budgets(login, secadmin, make_user, django_assert_max_num_queries, size):
    for i in range(size):
        act(make_user(roles.SALESPERSON), at(TODAY), 51 + i)
    access_alerts.sweep(now=NOW)
    client = login(secadmin)
    # Measured 9: session, user, roles; the alerts with their users (one join); the count; the session save.
    with django_assert_max_num_queries(9):
        assert client.get(reverse("customers:access_alerts")).status_code == 200
    alert = AccessAlert.objects.order_by("-count").first()
    with django_assert_max_num_queries(9):
        assert client.get(reverse("customers:access_alert", args=[alert.pk])).status_code == 200


# --- API ------------------------------------------------------------------------------------------


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_api_permissions(client, api_client, make_user, secadmin, alert):
    urls = [API, f"{API}/{alert.pk}", f"{API}/{alert.pk}/evidence"]
    assert all(client.get(url).status_code == 401 for url in urls)
    assert post(client, f"{API}/{alert.pk}/close", {"note": "误报"}).status_code == 401
    for user in (make_user(roles.SALES_MANAGER), make_user(roles.AUDIT_ADMIN)):
        caller = api_client(user)
        assert all(caller.get(url).status_code == 403 for url in urls)
        assert post(caller, f"{API}/{alert.pk}/close", {"note": "误报"}).status_code == 403
    admin = api_client(secadmin)
    assert all(admin.get(url).status_code == 200 for url in urls)
    assert admin.get(f"{API}/{alert.pk + 99}").status_code == 404
    assert post(admin, f"{API}/{alert.pk + 99}/close", {"note": "误报"}).status_code == 404


def test_api_lists_shows_evidence_and_handles(api_client, secadmin, sales, alert):
    admin = api_client(secadmin)
    listed = admin.get(API, {"status": "open"}).json()
    assert listed["count"] == 1 and listed["items"][0]["username"] == sales.username
    assert listed["items"][0]["audit_search"]["action"] == "customer.view"
    assert admin.get(API, {"status": "bogus"}).status_code == 400
    evidence = admin.get(f"{API}/{alert.pk}/evidence", {"limit": 10}).json()
    assert evidence["count"] == 55 and len(evidence["items"]) == 10
    assert evidence["items"][0]["action"] == "customer.view"
    assert post(admin, f"{API}/{alert.pk}/acknowledge", {"note": ""}).status_code == 400
    assert post(admin, f"{API}/{alert.pk}/acknowledge", {"note": "调查中"}).json()["status"] == "acknowledged"
    closed = post(admin, f"{API}/{alert.pk}/close", {"note": "属正常"}).json()
    assert closed["status"] == "closed" and closed["handled_by_id"] == secadmin.pk
    again = post(admin, f"{API}/{alert.pk}/close", {"note": "属正常"})
    assert again.status_code == 409 and again.json()["code"] == "alert_already_handled"


def test_page_in_english(client, login, secadmin, alert):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = login(secadmin).get(reverse("customers:access_alert", args=[alert.pk])).content.decode()
    assert "Evidence: audit entries" in page and "Unusual access alerts" in page and "Acknowledge (investigating)" in page

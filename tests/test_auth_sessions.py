"""SEC-1 / AUTH-4, AC-7, RES-1: session key rotation, idle and absolute timeouts, the session cap,
logout, ending every session of a disabled user, no-store."""

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.org import roles
from kehu.org.factories import TEST_PASSWORD
from kehu.org.models import ApiToken, UserSession
from kehu.org.sessions import end_all_sessions

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 4, 6, 8, 0, tzinfo=clock.UTC)
MIN = dt.timedelta(minutes=1)
SEC = dt.timedelta(seconds=1)


def sign_in(username, client=None, at=T0):
    client = client or Client()
    with clock.frozen(at):
        response = client.post("/login/", {"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 302, response
    return client


def home_status(client, at):
    with clock.frozen(at):
        return client.get("/").status_code


@pytest.mark.req("SEC-1")
def test_login_issues_a_new_session_key(client, make_user):
    make_user(username="lin")
    with clock.frozen(T0):
        client.get("/login/")
        client.session.save()
        before = client.cookies["sessionid"].value
        sign_in("lin", client)
    after = client.cookies["sessionid"].value
    assert before != after
    assert not Session.objects.filter(session_key=before).exists()
    assert UserSession.objects.filter(session_key=after).exists()


@pytest.mark.req("SEC-1")
def test_idle_timeout_is_thirty_minutes_for_business_users(make_user):
    make_user(roles.SALESPERSON, username="ma")
    client = sign_in("ma")
    assert home_status(client, T0 + 29 * MIN) == 200
    assert home_status(client, T0 + 58 * MIN) == 200  # each request renews the idle time
    assert home_status(client, T0 + 88 * MIN) == 302
    assert not UserSession.objects.exists()


def session_writes(client, at) -> int:
    with clock.frozen(at), CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return sum(q["sql"].startswith(("UPDATE", "INSERT")) and "django_session" in q["sql"] for q in queries)


@pytest.mark.req("SEC-1")
def test_the_idle_clock_is_written_at_most_once_a_minute_and_ends_sessions_early_never_late(make_user):
    make_user(roles.SALESPERSON, username="qian")
    client = sign_in("qian")
    assert session_writes(client, T0 + 30 * SEC) == 0  # a burst of requests writes no session row
    assert session_writes(client, T0 + 59 * SEC) == 0
    assert session_writes(client, T0 + MIN) == 1  # then the idle clock moves, and the row and cookie are renewed
    assert session_writes(client, T0 + MIN + 30 * SEC) == 0
    # Idle time counts from the last write: 30 minutes after it, the session is over, although the last
    # request was 30 s later than that write.
    assert home_status(client, T0 + 31 * MIN) == 302


@pytest.mark.req("SEC-1")
def test_idle_timeout_is_fifteen_minutes_with_an_admin_duty(make_user, login, client):
    admin = make_user(roles.AUDIT_ADMIN)
    with clock.frozen(T0):
        login(admin)
    assert client.session.get_expiry_age() == 15 * 60
    assert home_status(client, T0 + 14 * MIN) == 200
    assert home_status(client, T0 + 29 * MIN) == 302
    entry = AuditEntry.objects.get(action=actions.SESSION_END)
    assert entry.reason == "idle_timeout"


@pytest.mark.req("SEC-1")
def test_absolute_lifetime_is_twelve_hours_however_busy(make_user):
    make_user(roles.SALESPERSON, username="he")
    client = sign_in("he")
    at = T0
    while at < T0 + dt.timedelta(hours=11, minutes=50):
        at += 10 * MIN
        assert home_status(client, at) == 200
    assert home_status(client, T0 + dt.timedelta(hours=11, minutes=59)) == 200
    assert home_status(client, T0 + dt.timedelta(hours=12)) == 302


@pytest.mark.req("SEC-1")
def test_fourth_session_ends_the_oldest(make_user):
    make_user(username="luo")
    clients = [sign_in("luo", at=T0 + i * MIN) for i in range(4)]
    assert UserSession.objects.count() == 3
    statuses = [home_status(c, T0 + 5 * MIN) for c in clients]
    assert statuses == [302, 200, 200, 200]


@pytest.mark.req("SEC-1")
def test_logout_is_post_only_and_clears_the_browser(make_user):
    make_user(username="xu")
    client = sign_in("xu")
    with clock.frozen(T0 + MIN):
        assert client.get("/logout/").status_code == 405
        assert client.get("/").status_code == 200
        old_cookie = client.cookies["sessionid"].value
        response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert not Session.objects.filter(session_key=old_cookie).exists()
    assert not UserSession.objects.exists()
    assert AuditEntry.objects.filter(action=actions.LOGOUT).count() == 1
    # Replaying the old cookie gets the login page, not the user's session.
    replay = Client()
    replay.cookies["sessionid"] = old_cookie
    with clock.frozen(T0 + 2 * MIN):
        assert replay.get("/").status_code == 302


@pytest.mark.req("SEC-1")
def test_end_all_sessions_makes_old_cookies_anonymous_and_revokes_tokens(make_user, login, client):
    user = make_user(roles.SALESPERSON)
    other = make_user(roles.SALESPERSON)
    browser_a = sign_in(user.username, at=clock.now())
    login(user)
    bystander = sign_in(other.username, at=clock.now())
    token = ApiToken.objects.create(user=user, prefix="kehu_abc", key_hash="a" * 64)
    assert client.get("/").status_code == browser_a.get("/").status_code == 200
    result = end_all_sessions(user)
    assert result == {"sessions": 2, "tokens": 1}
    assert client.get("/").status_code == browser_a.get("/").status_code == 302
    assert bystander.get("/").status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None


@pytest.mark.req("SEC-1")
def test_signed_in_pages_are_not_stored_and_the_login_page_is_not_marked(make_user, login, client):
    anonymous = client.get("/login/")
    assert "no-store" not in anonymous.get("Cache-Control", "")
    login(make_user(roles.SALESPERSON))
    for url in ("/", reverse("org:account"), reverse("org:password_change")):
        assert "no-store" in client.get(url)["Cache-Control"]


@pytest.mark.req("SEC-1")
def test_account_page_lists_sessions_and_ends_the_others(make_user):
    user = make_user(roles.KEY_ACCOUNT_MANAGER, username="song", full_name="宋佳")
    elsewhere = sign_in("song", at=clock.now())
    here = sign_in("song", at=clock.now())
    page = here.get(reverse("org:account"))
    body = page.content.decode()
    assert page.status_code == 200
    for text in ("song", "宋佳", str(user.department), "大客户经理", "本人及共享给我的", "当前会话"):
        assert text in body
    assert body.count("127.0.0.1") == 2
    assert here.post(reverse("org:end_other_sessions")).status_code == 302
    assert elsewhere.get("/").status_code == 302
    assert here.get("/").status_code == 200
    assert UserSession.objects.count() == 1


@pytest.mark.req("SEC-1")
def test_account_pages_need_a_signed_in_user(client):
    for url in (reverse("org:account"), reverse("org:password_change")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.post(reverse("org:end_other_sessions")).status_code == 302

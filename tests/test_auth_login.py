"""SEC-1 / AUTH-3: the login page, account lockout, IP throttling, unlocking."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.org import roles
from kehu.org.factories import TEST_PASSWORD
from kehu.org.models import LoginAttempt, LoginBlock

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=clock.UTC)
LOGIN = "/login/"
WRONG = "Wrong-pass-99"


def post_login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def page(response) -> str:
    # The CSRF token is masked afresh on every response (BREACH defence); everything else must match.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def fail(client, username, times, start, step=dt.timedelta(seconds=10)):
    for i in range(times):
        with clock.frozen(start + i * step):
            response = post_login(client, username, WRONG)
            assert response.status_code == 200
    return response


def lockout_rows():
    return AuditEntry.objects.filter(action=actions.LOCKOUT)


@pytest.mark.req("SEC-1")
def test_login_page_renders_in_chinese_for_anonymous(client):
    response = client.get(LOGIN)
    assert response.status_code == 200
    body = response.content.decode()
    assert "登录客户管理系统" in body and 'lang="zh-hans"' in body


@pytest.mark.req("SEC-1")
def test_right_password_signs_in_case_insensitively_and_is_audited(client, make_user):
    user = make_user(roles.SALESPERSON, username="zhang.wei")
    with clock.frozen(T0):
        response = post_login(client, "  Zhang.WEI ", TEST_PASSWORD)
        assert response.status_code == 302 and response["Location"] == "/"
        assert client.get("/").status_code == 200
    attempt = LoginAttempt.objects.get()
    assert (attempt.username, attempt.succeeded, attempt.ip) == ("zhang.wei", True, "127.0.0.1")
    entry = AuditEntry.objects.get(action=actions.LOGIN)
    assert entry.actor_id == user.pk
    user.refresh_from_db()
    assert user.last_login == T0


@pytest.mark.req("SEC-1")
def test_next_parameter_is_followed_only_to_this_site(client, make_user):
    make_user(username="li")
    response = client.post(LOGIN + "?next=/account/", {"username": "li", "password": TEST_PASSWORD})
    assert response["Location"] == "/account/"
    client.logout()
    response = client.post(LOGIN, {"username": "li", "password": TEST_PASSWORD, "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.req("SEC-1")
def test_wrong_password_is_recorded_and_audited(client, make_user):
    user = make_user(username="wang")
    response = post_login(client, "wang", WRONG)
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    assert WRONG not in response.content.decode()
    assert LoginAttempt.objects.filter(username="wang", succeeded=False).count() == 1
    entry = AuditEntry.objects.get(action=actions.LOGIN_FAILED)
    assert entry.target_id == str(user.pk) and entry.result == "denied"
    assert "_auth_user_id" not in client.session


@pytest.mark.req("SEC-1")
def test_unknown_and_known_usernames_get_identical_responses(client, make_user):
    make_user(username="known")
    known = post_login(client, "known", WRONG)
    unknown = post_login(client, "nobody-here", WRONG)
    assert known.status_code == unknown.status_code == 200
    assert page(known) == page(unknown)
    assert LoginAttempt.objects.filter(username="nobody-here", succeeded=False).count() == 1


@pytest.mark.req("SEC-1")
def test_disabled_account_with_right_password_looks_like_a_wrong_password(client, make_user):
    make_user(username="gone", is_active=False)
    make_user(username="here")
    disabled = post_login(client, "gone", TEST_PASSWORD)
    wrong = post_login(client, "here", WRONG)
    assert disabled.status_code == wrong.status_code == 200
    assert page(disabled) == page(wrong)
    assert "_auth_user_id" not in client.session


@pytest.mark.req("SEC-1")
def test_four_failures_do_not_lock(client, make_user):
    make_user(username="zhao")
    fail(client, "zhao", 4, T0)
    with clock.frozen(T0 + dt.timedelta(minutes=1)):
        assert post_login(client, "zhao", TEST_PASSWORD).status_code == 302
    assert not lockout_rows().exists()


@pytest.mark.req("SEC-1")
def test_fifth_failure_locks_and_sixth_with_right_password_looks_exactly_like_a_wrong_one(client, make_user):
    make_user(username="zhao")
    fifth = fail(client, "zhao", 5, T0)
    assert lockout_rows().count() == 1
    with clock.frozen(T0 + dt.timedelta(minutes=2)):
        right = post_login(client, "zhao", TEST_PASSWORD)
        wrong = post_login(client, "zhao", WRONG)
    assert right.status_code == wrong.status_code == fifth.status_code == 200
    assert page(right) == page(wrong) == page(fifth)
    assert "_auth_user_id" not in client.session
    assert lockout_rows().count() == 1  # the lock starts once
    block = LoginBlock.objects.get(kind=LoginBlock.ACCOUNT)
    assert block.until == T0 + 4 * dt.timedelta(seconds=10) + dt.timedelta(minutes=30)


@pytest.mark.req("SEC-1")
def test_failures_only_count_within_fifteen_minutes(client, make_user):
    make_user(username="qian")
    fail(client, "qian", 4, T0)
    # The first failure is exactly 15 minutes old when the fifth comes: it no longer counts.
    with clock.frozen(T0 + dt.timedelta(minutes=15)):
        post_login(client, "qian", WRONG)
        assert post_login(client, "qian", TEST_PASSWORD).status_code == 302
    assert not lockout_rows().exists()


@pytest.mark.req("SEC-1")
def test_lock_lasts_thirty_minutes(client, make_user):
    make_user(username="sun")
    fail(client, "sun", 5, T0, step=dt.timedelta(0))
    with clock.frozen(T0 + dt.timedelta(minutes=29, seconds=59)):
        assert post_login(client, "sun", TEST_PASSWORD).status_code == 200
    with clock.frozen(T0 + dt.timedelta(minutes=30)):
        assert post_login(client, "sun", TEST_PASSWORD).status_code == 302


@pytest.mark.req("SEC-1")
def test_lock_applies_whatever_the_case_of_the_username(client, make_user):
    make_user(username="zhou")
    for name in ("ZHOU", "Zhou", "zhou", "zHoU", "ZHou"):
        with clock.frozen(T0):
            post_login(client, name, WRONG)
    assert lockout_rows().count() == 1
    with clock.frozen(T0 + dt.timedelta(minutes=1)):
        assert post_login(client, "zhou", TEST_PASSWORD).status_code == 200


@pytest.mark.req("SEC-1")
def test_twenty_first_failure_from_one_ip_gets_429_for_ten_minutes(client, make_user):
    make_user(username="wu")
    for i in range(20):
        with clock.frozen(T0 + dt.timedelta(seconds=i)):
            assert post_login(client, f"guess{i}", WRONG).status_code == 200
    with clock.frozen(T0 + dt.timedelta(seconds=30)):
        assert post_login(client, "guess-21", WRONG).status_code == 429
    assert AuditEntry.objects.filter(action=actions.LOGIN_THROTTLED).count() == 1
    # While blocked even a right password from that address gets 429; other addresses are not affected.
    with clock.frozen(T0 + dt.timedelta(minutes=10, seconds=29)):
        assert post_login(client, "wu", TEST_PASSWORD).status_code == 429
        assert post_login(client, "wu", TEST_PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 302
    client.logout()
    with clock.frozen(T0 + dt.timedelta(minutes=10, seconds=30)):
        assert post_login(client, "wu", TEST_PASSWORD).status_code == 302
    assert LoginAttempt.objects.count() == 24


# --- unlocking --------------------------------------------------------------------------------


def lock(client, user):
    fail(client, user.username, 5, T0, step=dt.timedelta(0))
    return LoginBlock.objects.get(user=user)


@pytest.mark.req("SEC-1")
def test_security_admin_unlocks_an_account_and_it_is_audited(client, make_user, login):
    victim = make_user(roles.SALESPERSON, username="feng")
    block = lock(client, victim)
    admin = make_user(roles.SECURITY_ADMIN)
    with clock.frozen(T0 + dt.timedelta(minutes=5)):
        login(admin)
        listing = client.get(reverse("org:locked_accounts"))
        assert listing.status_code == 200 and str(victim) in listing.content.decode()
        response = client.post(reverse("org:account_unlock", args=[block.pk]), {"reason": "本人电话确认"})
        assert response.status_code == 302
        assert client.post(reverse("org:account_unlock", args=[block.pk])).status_code == 404
        client.logout()
        assert post_login(client, "feng", TEST_PASSWORD).status_code == 302
    entry = AuditEntry.objects.get(action=actions.UNLOCK)
    assert (entry.actor_id, entry.target_id, entry.reason) == (admin.pk, str(victim.pk), "本人电话确认")


@pytest.mark.req("SEC-1")
def test_failures_before_an_unlock_do_not_lock_again(client, make_user, login):
    victim = make_user(username="chen")
    block = lock(client, victim)
    admin = make_user(roles.SECURITY_ADMIN)
    with clock.frozen(T0 + dt.timedelta(minutes=1)):
        login(admin)
        client.post(reverse("org:account_unlock", args=[block.pk]))
        client.logout()
        post_login(client, "chen", WRONG)
        assert post_login(client, "chen", TEST_PASSWORD).status_code == 302
    assert lockout_rows().count() == 1


@pytest.mark.req("SEC-1")
def test_unlock_pages_refuse_anonymous_and_users_without_the_permission(client, make_user, login):
    victim = make_user(username="han")
    block = lock(client, victim)
    url_list = reverse("org:locked_accounts")
    url_unlock = reverse("org:account_unlock", args=[block.pk])
    assert client.get(url_list).status_code == 302
    assert client.post(url_unlock).status_code == 302
    for role in (roles.SYSTEM_ADMIN, roles.AUDIT_ADMIN, roles.GENERAL_MANAGER):
        login(make_user(role))
        assert client.get(url_list).status_code == 403
        assert client.post(url_unlock).status_code == 403
    block.refresh_from_db()
    assert block.ended_at is None

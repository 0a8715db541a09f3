"""SEC-1 / AUTH-2, AUTH-6: changing the password, forced and periodic change, the production hasher."""

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.conf import global_settings
from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings
from django.urls import reverse

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.core.errors import DomainError
from kehu.org import roles
from kehu.org.factories import TEST_PASSWORD
from kehu.org.models import PasswordHistory, UserSession
from kehu.org.passwords_change import password_change

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 1, 5, 2, 0, tzinfo=clock.UTC)
DAY = dt.timedelta(days=1)
NEW = "Lan-Hua-2026!"
CHANGE_URL = "/account/password/"


def change(client, old, new, again=None):
    return client.post(CHANGE_URL, {"old_password": old, "new_password1": new, "new_password2": again or new})


@pytest.mark.req("SEC-1")
def test_change_password_page_changes_it_keeps_this_session_and_ends_the_others(make_user, login, client):
    user = make_user(roles.SALESPERSON, username="bai")
    other = Client()
    other.post("/login/", {"username": "bai", "password": TEST_PASSWORD})
    login(user)
    old_key = client.session.session_key
    response = change(client, TEST_PASSWORD, NEW)
    assert response.status_code == 302 and response["Location"] == reverse("org:account")
    user.refresh_from_db()
    assert user.check_password(NEW) and not user.must_change_password
    assert user.password_changed_at is not None
    assert client.session.session_key != old_key  # rotated
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [client.session.session_key]
    assert PasswordHistory.objects.filter(user=user).count() == 1
    assert AuditEntry.objects.filter(action=actions.PASSWORD_CHANGE, target_id=str(user.pk)).count() == 1


@pytest.mark.req("SEC-1")
@pytest.mark.parametrize("old,new,again,message", [
    ("Not-my-pass1", NEW, None, "当前密码不正确"),
    (TEST_PASSWORD, "Ab1!xyz", None, "8"),  # too short
    (TEST_PASSWORD, "abcdefgh12", None, "至少 3 类"),  # two classes
    (TEST_PASSWORD, "Password1", None, "太常见"),
    (TEST_PASSWORD, TEST_PASSWORD, None, "最近 5 次"),
    (TEST_PASSWORD, NEW, "Lan-Hua-2027!", "两次输入的新密码不一致"),
])
def test_bad_new_passwords_are_refused_with_the_rule(make_user, login, client, old, new, again, message):
    user = make_user(roles.SALESPERSON)
    login(user)
    response = change(client, old, new, again)
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)
    assert not AuditEntry.objects.filter(action=actions.PASSWORD_CHANGE).exists()


@pytest.mark.req("SEC-1")
def test_the_last_five_passwords_cannot_be_reused(make_user):
    user = make_user(roles.SALESPERSON)
    passwords = [TEST_PASSWORD] + [f"Cycle-{i}-Pa55" for i in range(5)]
    for old, new in zip(passwords, passwords[1:], strict=False):
        password_change(actor=user, user=user, old_password=old, new_password=new)
    # Now the last five are Cycle-0..4; the first one is old enough to come back.
    for reused in passwords[1:]:
        with pytest.raises(DomainError) as exc:
            password_change(actor=user, user=user, old_password=passwords[-1], new_password=reused)
        assert exc.value.field == "new_password1"
    password_change(actor=user, user=user, old_password=passwords[-1], new_password=TEST_PASSWORD)


@pytest.mark.req("SEC-1")
def test_long_passphrases_are_accepted_untruncated(make_user):
    user = make_user(roles.SALESPERSON)
    long = "长城 Great-Wall 2026 " * 5
    password_change(actor=user, user=user, old_password=TEST_PASSWORD, new_password=long)
    user.refresh_from_db()
    assert user.check_password(long) and not user.check_password(long[:-1])


@pytest.mark.req("SEC-1")
def test_must_change_password_redirects_every_page_but_change_and_logout(make_user, login, client):
    user = make_user(roles.SALESPERSON, must_change_password=True)
    login(user)
    for url in ("/", reverse("org:account"), reverse("org:locked_accounts"), "/no-such-page/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == CHANGE_URL, url
    page = client.get(CHANGE_URL)
    assert page.status_code == 200 and "修改后才能继续使用系统" in page.content.decode()
    assert client.get("/static/kehu/kehu.css").status_code == 200
    api = client.get("/api/v1/anything")
    assert api.status_code == 403
    assert change(client, TEST_PASSWORD, NEW).status_code == 302
    assert client.get("/").status_code == 200


@pytest.mark.req("SEC-1")
def test_password_older_than_ninety_days_must_be_changed(make_user, login, client):
    user = make_user(roles.SALESPERSON, password_changed_at=T0)
    with clock.frozen(T0 + 90 * DAY):
        login(user)
        assert client.get("/").status_code == 200
    with clock.frozen(T0 + 91 * DAY):
        login(user)
        response = client.get("/")
        assert response.status_code == 302 and response["Location"] == CHANGE_URL
        assert client.get(reverse("org:account"))["Location"] == CHANGE_URL
        logout = client.post("/logout/")
        assert logout.status_code == 302 and logout["Location"] == "/login/"


@pytest.mark.req("SEC-1")
def test_never_changed_password_ages_from_account_creation(make_user, login, client):
    user = make_user(roles.SALESPERSON, date_joined=T0)
    with clock.frozen(T0 + 91 * DAY):
        login(user)
        assert client.get("/")["Location"] == CHANGE_URL


@pytest.mark.req("SEC-1")
def test_production_hasher_is_pbkdf2_with_a_million_iterations_or_argon2():
    with override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS):
        encoded = make_password("Kehu-prod-Pa55")
    assert encoded.startswith("pbkdf2_sha256$1000000$") or encoded.startswith("argon2")


@pytest.mark.req("SEC-1")
def test_only_the_test_profile_swaps_the_hasher(tmp_path):
    # The dev profile (like production) must keep Django's default PASSWORD_HASHERS.
    code = "import django; django.setup(); from django.conf import settings; print(settings.PASSWORD_HASHERS[0])"
    env = {**os.environ, "KEHU_PROFILE": "dev", "KEHU_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "kehu.settings"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    first = out.stdout.strip()
    assert first in ("django.contrib.auth.hashers.PBKDF2PasswordHasher", "django.contrib.auth.hashers.Argon2PasswordHasher")

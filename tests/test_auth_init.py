"""SEC-1 / AC-6, AC-7: `kehu init` creates no default account; unused accounts are disabled."""

import datetime as dt
import io
import re

import pyotp
import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import Client

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.org import mfa, roles
from kehu.org.inactivity import users_disable_inactive
from kehu.org.models import ApiToken, Company, Department, TOTPDevice, User, UserSession
from kehu.org.tasks import disable_inactive_users

pytestmark = pytest.mark.django_db

DEFAULT_GUESSES = ["admin", "123456", "password", "admin123", "12345678", "Admin@123"]
T0 = dt.datetime(2026, 2, 2, 2, 0, tzinfo=clock.UTC)
DAY = dt.timedelta(days=1)


def run_init(*args) -> str:
    out = io.StringIO()
    call_command("init", *args, stdout=out)
    return out.getvalue()


@pytest.mark.req("SEC-1")
def test_init_creates_group_it_department_and_an_admin_with_a_random_password():
    output = run_init()
    company = Company.objects.get()
    assert company.is_group
    assert Department.objects.get().name == "信息技术部"
    admin = User.objects.get()
    assert admin.role_codes == {roles.SYSTEM_ADMIN} and admin.must_change_password
    password = re.search(r"：(\S+)\s*$", output).group(1)
    assert len(password) >= 20
    assert authenticate(username=admin.username, password=password) == admin
    entry = AuditEntry.objects.get(action=actions.SYSTEM_INIT)
    assert entry.channel == "cli" and password not in str(entry.data)


@pytest.mark.req("SEC-1")
def test_init_is_idempotent_and_refuses_a_second_system_admin():
    run_init()
    second = run_init("--username", "another")
    assert "已存在系统管理员" in second
    assert User.objects.count() == 1 and Company.objects.count() == 1 and Department.objects.count() == 1
    assert AuditEntry.objects.filter(action=actions.SYSTEM_INIT).count() == 1


@pytest.mark.req("SEC-1")
def test_two_installs_get_different_passwords():
    first = re.search(r"：(\S+)\s*$", run_init()).group(1)
    User.objects.all().delete()
    second = re.search(r"：(\S+)\s*$", run_init("--employee-no", "SYS0002")).group(1)
    assert first != second


@pytest.mark.req("SEC-1")
def test_no_default_credentials_work_after_install():
    run_init()
    for username in ("admin", "sysadmin", "root", "administrator"):
        for password in DEFAULT_GUESSES:
            assert authenticate(username=username, password=password) is None, (username, password)


@pytest.mark.req("SEC-1")
def test_first_admin_must_change_the_password_at_first_sign_in():
    output = run_init()
    password = re.search(r"：(\S+)\s*$", output).group(1)
    client = Client()
    client.post("/login/", {"username": "sysadmin", "password": password})
    # The admin enrols a second factor first, then every page leads to the password change.
    client.get("/login/enrol/")
    device = TOTPDevice.objects.get(user__username="sysadmin")
    code = pyotp.TOTP(mfa.device_secret(device)).now()
    assert client.post("/login/enrol/", {"code": code}).status_code == 200
    assert client.get("/")["Location"] == "/account/password/"


# --- AC-7: inactive accounts ----------------------------------------------------------------------


@pytest.mark.req("SEC-1")
def test_ninety_days_without_login_disables_ends_sessions_and_revokes_tokens(make_user):
    idle = make_user(roles.SALESPERSON, username="idle", date_joined=T0 - 30 * DAY, last_login=T0)
    recent = make_user(roles.SALESPERSON, username="recent", date_joined=T0 - 30 * DAY, last_login=T0 + DAY)
    never = make_user(roles.SALESPERSON, username="never", date_joined=T0)
    token = ApiToken.objects.create(user=idle, prefix="kehu_idl", key_hash="b" * 64)
    browser = Client()
    browser.force_login(idle)
    User.objects.filter(pk=idle.pk).update(last_login=T0)  # force_login stamped "now"
    with clock.frozen(T0 + 89 * DAY):
        assert users_disable_inactive(now=clock.now()) == []
    with clock.frozen(T0 + 90 * DAY):
        disabled = users_disable_inactive(now=clock.now())
    assert {u.username for u in disabled} == {"idle", "never"}
    idle.refresh_from_db()
    recent.refresh_from_db()
    never.refresh_from_db()
    assert not idle.is_active and not never.is_active and recent.is_active
    assert idle.deactivated_at == T0 + 90 * DAY
    assert not UserSession.objects.filter(user=idle).exists()
    token.refresh_from_db()
    assert token.revoked_at == T0 + 90 * DAY
    assert browser.get("/").status_code == 302
    entries = AuditEntry.objects.filter(action=actions.USER_DISABLE)
    assert entries.count() == 2 and all("90" in e.reason for e in entries)
    # A second run changes nothing.
    with clock.frozen(T0 + 90 * DAY + dt.timedelta(hours=1)):
        assert users_disable_inactive(now=clock.now()) == []
    assert AuditEntry.objects.filter(action=actions.USER_DISABLE).count() == 2


@pytest.mark.req("SEC-1")
def test_the_sweep_task_disables_through_the_service(make_user):
    make_user(roles.SALESPERSON, date_joined=T0)
    with clock.frozen(T0 + 100 * DAY):
        assert disable_inactive_users.call() == 1
        assert disable_inactive_users.call() == 0
    assert AuditEntry.objects.get(action=actions.USER_DISABLE).channel == "task"

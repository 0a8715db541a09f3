"""SEC-1 / AUTH-5: TOTP second factor, enrolment, recovery codes, and the encrypted secret."""

import datetime as dt
import json
import re

import pyotp
import pytest
from django.test import Client
from django.urls import reverse

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core import clock, crypto
from kehu.org import mfa, roles
from kehu.org.factories import TEST_PASSWORD
from kehu.org.models import LoginBlock, RecoveryCode, Role, TOTPDevice

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 5, 11, 1, 0, tzinfo=clock.UTC)
STEP = dt.timedelta(seconds=30)


def password_step(client, username, at=T0):
    with clock.frozen(at):
        return client.post("/login/", {"username": username, "password": TEST_PASSWORD})


def enrolled(user, at=T0):
    with clock.frozen(at):
        device = mfa.totp_enrolment_start(user=user)
        totp = pyotp.TOTP(mfa.device_secret(device))
        codes = mfa.totp_confirm(user=user, code=totp.at(at))
    return totp, codes


def submit_code(client, code, at):
    with clock.frozen(at):
        return client.post(reverse("org:mfa"), {"code": code})


def signed_in(client, at):
    with clock.frozen(at):
        return client.get("/").status_code == 200


# --- crypto -----------------------------------------------------------------------------------


@pytest.mark.req("SEC-1")
def test_field_encryption_round_trips_with_a_random_nonce_and_a_key_id():
    a = crypto.encrypt("JBSWY3DPEHPK3PXP", associated=b"totp:1")
    b = crypto.encrypt("JBSWY3DPEHPK3PXP", associated=b"totp:1")
    assert a != b and "JBSWY3DPEHPK3PXP" not in a
    version, key_id, _body = a.split(":")
    assert version == "v1" and len(key_id) == 8
    assert crypto.decrypt(a, associated=b"totp:1") == "JBSWY3DPEHPK3PXP"


@pytest.mark.req("SEC-1")
@pytest.mark.parametrize("mangle", [
    lambda t: t[:-4] + ("AAAA" if not t.endswith("AAAA") else "BBBB"),  # tampered ciphertext
    lambda t: t.replace(t.split(":")[1], "00000000"),  # unknown key id
    lambda t: "v9" + t[2:],  # unknown format
])
def test_tampered_or_foreign_tokens_are_refused(mangle):
    token = crypto.encrypt("secret", associated=b"totp:1")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(mangle(token), associated=b"totp:1")
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token, associated=b"totp:2")  # copied to another user's row


# --- who needs a second factor ------------------------------------------------------------------


@pytest.mark.req("SEC-1")
def test_admin_duties_and_unmask_or_export_holders_need_mfa_others_do_not(make_user):
    for code in (roles.SYSTEM_ADMIN, roles.SECURITY_ADMIN, roles.AUDIT_ADMIN):
        assert make_user(code).requires_mfa
    assert not make_user(roles.SALESPERSON).requires_mfa
    Role.objects.filter(code=roles.SALES_MANAGER).update(permissions=["data.export"])
    assert make_user(roles.SALES_MANAGER).requires_mfa


@pytest.mark.req("SEC-1")
def test_business_user_without_mfa_signs_in_with_the_password_alone(client, make_user):
    make_user(roles.SALESPERSON, username="tang")
    assert password_step(client, "tang")["Location"] == "/"


# --- enrolment ----------------------------------------------------------------------------------


@pytest.mark.req("SEC-1")
def test_first_login_of_an_admin_enrols_totp_and_shows_recovery_codes_once(client, make_user):
    user = make_user(roles.SYSTEM_ADMIN, username="admin.zheng")
    response = password_step(client, "admin.zheng")
    assert response["Location"] == reverse("org:mfa")
    assert "_auth_user_id" not in client.session
    with clock.frozen(T0):
        assert client.get(reverse("org:mfa"))["Location"] == reverse("org:mfa_enrol")
        page = client.get(reverse("org:mfa_enrol"))
        qr = client.get(reverse("org:mfa_qr"))
    body = page.content.decode()
    device = TOTPDevice.objects.get(user=user)
    secret = mfa.device_secret(device)
    assert secret not in device.secret_encrypted
    assert mfa.grouped(secret) in body and "otpauth://totp/Kehu:admin.zheng?secret=" in body
    assert "no-store" in page["Cache-Control"]
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    assert "no-store" in qr["Cache-Control"]
    with clock.frozen(T0 + STEP):
        wrong = client.post(reverse("org:mfa_enrol"), {"code": "000000"})
        assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
        done = client.post(reverse("org:mfa_enrol"), {"code": pyotp.TOTP(secret).at(T0 + STEP)})
    assert done.status_code == 200
    shown = re.findall(r"<li>([a-z2-9]{4}(?:-[a-z2-9]{4}){3})</li>", done.content.decode())
    assert len(set(shown)) == 10
    assert RecoveryCode.objects.filter(user=user).count() == 10
    stored = set(RecoveryCode.objects.values_list("code_hash", flat=True))
    assert len(stored) == 10 and not stored & set(shown)
    assert client.session["kehu_mfa_verified"] is True
    assert signed_in(client, T0 + 2 * STEP)
    assert AuditEntry.objects.filter(action=actions.MFA_ENROL).count() == 1
    # Enrolment is over: the page does not show the secret again.
    with clock.frozen(T0 + 2 * STEP):
        assert client.get(reverse("org:mfa_qr")).status_code == 404


# --- second factor at sign-in -------------------------------------------------------------------


@pytest.mark.req("SEC-1")
def test_right_password_without_the_second_factor_reaches_no_page(client, make_user):
    user = make_user(roles.SECURITY_ADMIN, username="sec.liu")
    enrolled(user)
    at = T0 + 10 * STEP
    password_step(client, "sec.liu", at=at)
    with clock.frozen(at):
        for url in ("/", reverse("org:account"), reverse("org:locked_accounts"), reverse("org:password_change")):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def plain_paths(patterns=None, prefix=""):
    """Every URL of the site that takes no argument (the API has its own authentication)."""
    from django.urls import URLPattern, get_resolver

    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if "<" in route or route.startswith("api/"):
            continue
        if isinstance(entry, URLPattern):
            yield "/" + route
        else:
            yield from plain_paths(entry.url_patterns, route)


OPEN_PATHS = {"/login/", "/login/verify/", "/login/enrol/", "/login/enrol/qr.svg", "/health", "/i18n/setlang/",
              "/logout/",
              "/public/service/", "/public/service/status/"}  # the customers' own forms (SVC-8): tests/test_web_access.py


@pytest.mark.req("SEC-1")
def test_password_alone_opens_no_page_of_the_whole_site(client, make_user):
    user = make_user(roles.SYSTEM_ADMIN, username="sys.walk")
    enrolled(user)
    at = T0 + 10 * STEP
    password_step(client, "sys.walk", at=at)
    paths = sorted(set(plain_paths()) - OPEN_PATHS)
    assert len(paths) > 10
    with clock.frozen(at):
        for path in paths:
            response = client.get(path)
            assert response.status_code == 302 and response["Location"].startswith("/login/"), path


@pytest.mark.req("SEC-1")
def test_second_factor_pages_without_a_pending_sign_in(client):
    assert client.get(reverse("org:mfa"))["Location"] == reverse("org:login")
    assert client.get(reverse("org:mfa_enrol"))["Location"] == reverse("org:login")
    assert client.get(reverse("org:mfa_qr")).status_code == 404


@pytest.mark.req("SEC-1")
def test_totp_code_signs_in_once_and_is_refused_the_second_time(make_user):
    user = make_user(roles.SECURITY_ADMIN, username="sec.huang")
    totp, _codes = enrolled(user)
    at = T0 + 10 * STEP
    first, second = Client(), Client()
    password_step(first, "sec.huang", at=at)
    password_step(second, "sec.huang", at=at)
    code = totp.at(at)
    assert submit_code(first, code, at)["Location"] == "/"
    assert signed_in(first, at)
    again = submit_code(second, code, at)
    assert again.status_code == 200 and "验证码不正确或已使用过" in again.content.decode()
    assert not signed_in(second, at)
    assert AuditEntry.objects.filter(action=actions.MFA_FAILED).count() == 1


@pytest.mark.req("SEC-1")
def test_one_step_of_drift_is_accepted_two_are_not(make_user):
    user = make_user(roles.AUDIT_ADMIN, username="aud.gao")
    totp, _ = enrolled(user)
    at = T0 + 100 * STEP
    for offset, accepted in ((-2, False), (2, False), (-1, True)):
        client = Client()
        password_step(client, "aud.gao", at=at)
        response = submit_code(client, totp.at(at + offset * STEP), at)
        assert (response.status_code == 302) is accepted, offset
    client = Client()
    password_step(client, "aud.gao", at=at)
    assert submit_code(client, totp.at(at + STEP), at).status_code == 302


@pytest.mark.req("SEC-1")
def test_recovery_code_works_once(make_user):
    user = make_user(roles.SYSTEM_ADMIN, username="sys.lu")
    _totp, codes = enrolled(user)
    at = T0 + 10 * STEP
    first = Client()
    password_step(first, "sys.lu", at=at)
    response = submit_code(first, codes[3].upper().replace("-", " "), at)
    assert response.status_code == 302 and signed_in(first, at)
    assert first.session["kehu_mfa_verified"] is True
    second = Client()
    password_step(second, "sys.lu", at=at)
    assert submit_code(second, codes[3], at).status_code == 200
    assert not signed_in(second, at)
    assert mfa.recovery_codes_left(user) == 9
    assert AuditEntry.objects.filter(action=actions.MFA_RECOVERY_USED).count() == 1


@pytest.mark.req("SEC-1")
def test_guessing_codes_locks_the_account_like_guessing_passwords(client, make_user):
    user = make_user(roles.SYSTEM_ADMIN, username="sys.pan")
    enrolled(user)
    at = T0 + 10 * STEP
    password_step(client, "sys.pan", at=at)
    for _ in range(4):
        assert submit_code(client, "123456", at).status_code == 200
    assert submit_code(client, "123456", at)["Location"] == reverse("org:login")
    assert LoginBlock.objects.filter(user=user, kind=LoginBlock.ACCOUNT).count() == 1
    assert password_step(client, "sys.pan", at=at).status_code == 200  # locked: the password is refused


@pytest.mark.req("SEC-1")
def test_pending_second_factor_expires_after_ten_minutes(client, make_user):
    user = make_user(roles.SYSTEM_ADMIN, username="sys.cao")
    totp, _ = enrolled(user)
    at = T0 + 10 * STEP
    password_step(client, "sys.cao", at=at)
    later = at + dt.timedelta(minutes=10, seconds=1)
    assert submit_code(client, totp.at(later), later)["Location"] == reverse("org:login")
    assert not signed_in(client, later)
    in_time = Client()
    password_step(in_time, "sys.cao", at=at)
    just = at + dt.timedelta(minutes=9, seconds=59)
    assert submit_code(in_time, totp.at(just), just)["Location"] == "/"


@pytest.mark.req("SEC-1")
def test_signed_in_without_the_flag_is_sent_to_the_second_factor(client, make_user):
    # A session that never passed the second factor (a role that needs MFA granted since sign-in).
    user = make_user(roles.SECURITY_ADMIN)
    with clock.frozen(T0):
        client.force_login(user)
        api = client.get("/api/v1/anything")
        assert api.status_code == 403 and json.loads(api.content)["code"] == "mfa_required"
        response = client.get(reverse("org:account"))
        assert response.status_code == 302 and response["Location"] == reverse("org:mfa")
        assert client.get("/").status_code == 302
    assert "_auth_user_id" not in client.session

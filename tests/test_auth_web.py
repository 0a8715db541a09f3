"""SEC-1 / WEB-3: session and CSRF cookies, and no unsafe request without a CSRF token."""

import json
import os
import subprocess
import sys

import pytest
from django.test import Client

from kehu.org import roles
from kehu.org.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


@pytest.mark.req("SEC-1")
def test_production_cookies_are_host_prefixed_secure_httponly_and_lax(tmp_path):
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
        "'name': s.SESSION_COOKIE_NAME, 'secure': s.SESSION_COOKIE_SECURE, 'httponly': s.SESSION_COOKIE_HTTPONLY,"
        "'samesite': s.SESSION_COOKIE_SAMESITE, 'domain': s.SESSION_COOKIE_DOMAIN, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
        "'csrf_name': s.CSRF_COOKIE_NAME}))"
    )
    env = {**os.environ, "KEHU_PROFILE": "production", "KEHU_SECRET_KEY": "k" * 64, "KEHU_VAR_DIR": str(tmp_path),
           "KEHU_KEY_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "kehu.settings"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    cookies = json.loads(out.stdout)
    assert cookies == {"name": "__Host-sessionid", "secure": True, "httponly": True, "samesite": "Lax",
                       "domain": None, "csrf_secure": True, "csrf_name": "__Host-csrftoken"}


@pytest.mark.req("SEC-1")
def test_session_cookie_set_at_login_is_httponly_and_lax(make_user):
    make_user(username="qin")
    response = Client().post("/login/", {"username": "qin", "password": TEST_PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and not cookie["domain"]


@pytest.mark.req("SEC-1")
def test_login_and_logout_refuse_posts_without_a_csrf_token(make_user):
    make_user(roles.SALESPERSON, username="yang")
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "yang", "password": TEST_PASSWORD}).status_code == 403
    client.get("/login/")
    token = client.cookies["csrftoken"].value
    assert client.post("/login/", {"username": "yang", "password": TEST_PASSWORD,
                                   "csrfmiddlewaretoken": token}).status_code == 302
    assert client.post("/logout/").status_code == 403
    assert client.get("/").status_code == 200  # still signed in

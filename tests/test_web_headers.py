"""SECURITY.md WEB-1, WEB-2, WEB-3 (SEC-9): security headers on sample routes, and the production profile."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

from kehu.org.factories import TEST_PASSWORD

pytestmark = [pytest.mark.req("SEC-9")]

ROOT = Path(__file__).resolve().parent.parent


def directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


@pytest.fixture
def sample_responses(make_user, login, bearer):
    """A page, an API list, an API error, the login page and a 404."""
    user = make_user("general_manager")
    headers = bearer(user)
    client = login(user)
    anonymous = Client()
    return {
        "page": client.get("/"),
        "api list": client.get("/api/v1/users", headers=headers),
        "api error": anonymous.get("/api/v1/users"),
        "login": anonymous.get("/login/"),
        "404": client.get("/no-such-page/"),
    }


@pytest.mark.django_db
def test_security_headers_on_sample_routes(sample_responses):
    expected_status = {"page": 200, "api list": 200, "api error": 401, "login": 200, "404": 404}
    for name, response in sample_responses.items():
        assert response.status_code == expected_status[name], name
        csp = directives(response["Content-Security-Policy"])
        assert csp["default-src"] == ["'self'"], name
        assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"], name
        assert csp["frame-ancestors"] == ["'none'"], name
        assert not any(v.startswith("'unsafe-") for v in csp.get("script-src", [])), name
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["Referrer-Policy"] == "same-origin", name
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", name
        assert "charset=utf-8" in response["Content-Type"].lower().replace(" ", ""), name
        assert len(response["X-Request-ID"]) >= 16, name


def production_env(tmp_path: Path) -> dict[str, str]:
    # A clean environment: nothing of the test run's (the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE).
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KEHU_", "DJANGO_"))}
    return {
        **env,
        "KEHU_PROFILE": "production",
        "KEHU_SECRET_KEY": secrets.token_urlsafe(60)[:60],
        "KEHU_AUDIT_KEY": secrets.token_hex(32),
        "KEHU_FIELD_KEY": secrets.token_hex(32),
        "KEHU_ALLOWED_HOSTS": "crm.example.com",
        "KEHU_VAR_DIR": str(tmp_path),
    }


PRODUCTION_SETTINGS = [
    "SESSION_COOKIE_NAME", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_DOMAIN", "CSRF_COOKIE_NAME", "CSRF_COOKIE_SECURE", "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_SSL_REDIRECT", "DEBUG",
]


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    """The production profile's settings, read in a fresh interpreter."""
    tmp = tmp_path_factory.mktemp("production")
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {PRODUCTION_SETTINGS!r}}}))"
    )
    env = {**production_env(tmp), "DJANGO_SETTINGS_MODULE": "kehu.settings"}
    result = subprocess.run([sys.executable, "-c", script], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_check_deploy_is_clean_in_production(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "kehu", "check", "--deploy", "--fail-level", "WARNING"],
        env=production_env(tmp_path), cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookie_and_hsts_settings(production):
    assert production["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert production["SESSION_COOKIE_SECURE"] and production["SESSION_COOKIE_HTTPONLY"]
    assert production["SESSION_COOKIE_SAMESITE"] == "Lax" and production["SESSION_COOKIE_DOMAIN"] is None
    assert production["CSRF_COOKIE_SECURE"] and production["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert production["SECURE_HSTS_SECONDS"] >= 31_536_000 and production["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert production["DEBUG"] is False


@pytest.mark.django_db
def test_production_cookies_and_hsts_as_sent(production, make_user):
    """The same values, applied here, produce the headers a browser gets over HTTPS."""
    user = make_user("salesperson", username="zhaolei")
    with override_settings(**{k: v for k, v in production.items() if k != "DEBUG"}, ALLOWED_HOSTS=["testserver"]):
        client = Client()
        page = client.get("/login/", secure=True)
        assert "max-age=" in page["Strict-Transport-Security"]
        hsts = dict(p.strip().partition("=")[::2] for p in page["Strict-Transport-Security"].split(";"))
        assert int(hsts["max-age"]) >= 31_536_000 and "includeSubDomains" in hsts
        csrf = page.cookies["__Host-csrftoken"]
        assert csrf["secure"] and csrf["path"] == "/" and not csrf["domain"]
        response = client.post("/login/", {"username": user.username, "password": TEST_PASSWORD}, secure=True)
        assert response.status_code == 302
        session = response.cookies["__Host-sessionid"]
        assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
        assert session["path"] == "/" and not session["domain"]
        assert client.get("/login/").status_code == 301  # plain HTTP is sent to HTTPS


def test_no_template_carries_an_inline_style_or_script_the_csp_would_block():
    """style-src and script-src are 'self' only: an inline style="…" or onclick="…" silently does nothing."""
    offenders = []
    for template in (ROOT / "kehu").rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        for needle in (' style="', " onclick=", " onload=", " onchange=", " onsubmit="):
            if needle in text:
                offenders.append(f"{template.relative_to(ROOT)}: {needle.strip()}")
    assert offenders == []

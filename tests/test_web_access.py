"""SECURITY.md AC-1 meta-test: deny by default. Every routed URL, as an anonymous visitor, answers
302 to the login page (pages) or 401 (API) unless it is on the short public allowlist below."""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern

pytestmark = [pytest.mark.django_db, pytest.mark.req("SEC-2")]

SAMPLE_VALUES = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": "00000000-0000-0000-0000-000000000001"}
_PARAM = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Route:
    url: str
    name: str  # namespaced URL name, "" when unnamed


def _fill(route: str) -> str:
    return _PARAM.sub(lambda m: SAMPLE_VALUES.get(m.group("kind") or "str", "1"), route)


def _text(pattern) -> str:
    if isinstance(pattern, RoutePattern):
        return _fill(str(pattern))
    if isinstance(pattern, RegexPattern):
        regex = pattern.regex.pattern
        if regex.strip("^$") and re.search(r"[()\[\]\\*+?{}|]", regex.strip("^$")):
            raise AssertionError(f"regex URL {regex!r}: give it a sample URL in tests/web_urls.py")
        return regex.strip("^$")
    raise AssertionError(f"unknown URL pattern type {type(pattern)!r}")


def all_routes() -> list[Route]:
    routes: list[Route] = []

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            url = prefix + _text(pattern.pattern)
            if isinstance(pattern, URLResolver):
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, url, ns)
            elif isinstance(pattern, URLPattern):
                routes.append(Route("/" + url, f"{namespace}{pattern.name}" if pattern.name else ""))

    walk(get_resolver().url_patterns, "", "")
    return routes


# URL name → why anyone may open it without signing in.
PUBLIC = {
    "org:login": "the sign-in page itself",
    "set_language": "choosing the language before signing in",
    "web:health": "load-balancer health check, answers only {'status': 'ok'}",
    "org:mfa_qr": "the authenticator QR code of a sign-in whose password is verified; 404 to anyone else",
    "org:logout": "signing out (POST only) must work for an expired session too",
    "service_public:intake": "customers file complaints and suggestions (SVC-8): challenge, honeypot, rate limit",
    "service_public:status": "a ticket's status by number plus phone (SVC-8): rate-limited, shows no customer data",
}
# Ninja's root of /api/v1/: no content, a 404 for everyone.
EMPTY_404 = {"api:api-root"}


def test_the_walk_sees_pages_and_api():
    names = {route.name for route in all_routes()}
    assert {"web:home", "org:login", "api:openapi-json"} <= names


API_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def anonymous_ok(client, route: Route, login_path: str) -> tuple[bool, str]:
    if route.name in EMPTY_404:
        status = client.get(route.url).status_code
        return status == 404, str(status)
    if route.url.startswith("/api/"):
        # 401 to every declared method; Ninja answers an undeclared one 405 before anything runs.
        statuses = {method: client.generic(method, route.url).status_code for method in API_METHODS}
        return set(statuses.values()) <= {401, 405} and 401 in statuses.values(), str(statuses)
    response = client.get(route.url)
    ok = response.status_code == 302 and urlsplit(response["Location"]).path == login_path
    return ok, f"{response.status_code} {response.get('Location', '')}"


def test_every_url_denies_anonymous_visitors(client):
    login_path = reverse(settings.LOGIN_URL)
    problems = []
    for route in all_routes():
        if route.name in PUBLIC:
            continue
        ok, seen = anonymous_ok(client, route, login_path)
        if not ok:
            problems.append(f"{route.url} ({route.name}): {seen}")
    assert problems == []


def test_public_urls_stay_harmless(client):
    assert client.get(reverse("org:login")).status_code == 200
    assert client.get(reverse("web:health")).json() == {"status": "ok"}
    assert client.get("/api/v1/").status_code == 404
    assert client.get(reverse("org:mfa_qr")).status_code == 404
    assert client.get(reverse("org:logout")).status_code == 405
    for name in ("service_public:intake", "service_public:status"):  # forms only: nothing shown without a match
        response = client.get(reverse(name))
        assert response.status_code == 200 and 'name="challenge"' in response.content.decode()

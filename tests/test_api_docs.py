"""PLAT-2: the API docs page works in a real browser under the site's strict CSP, from local files only (PI-8)."""

from urllib.parse import urlsplit

import pytest

from kehu.core.management.commands.openapi import openapi_document

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("defaults_seeded")]


@pytest.mark.req("PLAT-2")
def test_swagger_ui_renders_every_operation_without_csp_errors(live_server, page, make_user, client):
    client.force_login(make_user("salesperson"))
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto(f"{live_server.url}/api/v1/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_selector(".opblock")
    operations = sum(len(methods) for methods in openapi_document()["paths"].values())
    assert page.locator(".opblock").count() == operations
    assert page.csp_errors == []
    site = urlsplit(live_server.url).netloc
    assert {urlsplit(url).netloc for url in requested} == {site}
    assert any(url.endswith("/api/v1/openapi.json") for url in requested)

"""SECURITY.md WEB-5: with DEBUG off, a failing page shows a request id and nothing of the inside
(no traceback, SQL or settings). The API's side is in test_api_conventions."""

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import include, path

pytestmark = [pytest.mark.django_db, pytest.mark.req("SEC-9")]


def failing_view(request):
    raise RuntimeError(f"SELECT * FROM org_user WHERE password = '{settings.SECRET_KEY}'")


urlpatterns = [path("broken/", failing_view), path("", include("kehu.urls"))]
handler500 = "kehu.web.views.server_error"


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_server_error_page_tells_nothing_but_the_request_id(make_user, login):
    client = login(make_user("salesperson"))
    client.raise_request_exception = False
    response = client.get("/broken/")
    assert response.status_code == 500
    body = response.content.decode()
    assert response["X-Request-ID"] in body
    for leak in ("Traceback", "SELECT", settings.SECRET_KEY, "RuntimeError", "org_user", "SECRET_KEY"):
        assert leak not in body
    assert "系统出错了" in body


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_anonymous_visitor_of_a_broken_page_only_gets_the_login_redirect():
    response = Client(raise_request_exception=False).get("/broken/")
    assert response.status_code == 302

"""PLAT-2: idempotency keys on creates; one JSON error shape in the caller's language; no traceback ever (SECURITY.md WEB-5, WEB-8).

A test-only API, built like the real one, is mounted under /api/test/ for routes that fail on
purpose and for a create endpoint using @idempotent.
"""

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import include, path
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from kehu.api import build_api
from kehu.core.errors import DomainError
from kehu.core.idempotency import idempotent
from kehu.core.models import IdempotencyKey
from kehu.core.pagination import KeysetPagination
from kehu.org.factories import CompanyFactory
from kehu.org.models import Company

pytestmark = [pytest.mark.django_db, pytest.mark.req("PLAT-2")]

SECRET_SETTING = "settings-secret-8d1f"
router = Router()


class ThingIn(Schema):
    name: str
    size: int = 1


class ThingOut(Schema):
    id: int
    name: str


@router.get("/refuse")
def refuse(request):
    raise DomainError("credit_code_invalid", "统一社会信用代码校验位错误。", field="credit_code", status=400,
                      details={"expected": "X"})


@router.get("/boom")
def boom(request):
    raise RuntimeError(f"SELECT password FROM org_user -- {SECRET_SETTING}")


@router.post("/things", response={201: ThingOut})
@idempotent
def thing_create(request, payload: ThingIn):
    if payload.name == "refused":
        CompanyFactory(name="半途公司")  # written, then refused: must not survive
        raise DomainError("refused", "拒绝。", field="name")
    with transaction.atomic():
        company = CompanyFactory(name=payload.name)
    return Status(201, {"id": company.id, "name": company.name})


class CompanyOut(Schema):
    id: int
    name: str


@router.get("/companies", response=list[CompanyOut])
@paginate(KeysetPagination)
def company_list(request):
    return Company.objects.all()


test_api = build_api(urls_namespace="test-api")
test_api.add_router("", router)
urlpatterns = [path("api/test/", test_api.urls), path("", include("kehu.urls"))]

test_urls = override_settings(ROOT_URLCONF=__name__)


@pytest.fixture
def headers(make_user, bearer):
    return bearer(make_user("salesperson"))


@test_urls
def test_domain_error_becomes_its_status_and_json(client, headers):
    response = client.get("/api/test/refuse", headers=headers)
    assert response.status_code == 400
    assert response.json() == {"code": "credit_code_invalid", "message": "统一社会信用代码校验位错误。",
                                "field": "credit_code", "details": {"expected": "X"}}


def test_permission_domain_error_is_403_in_the_callers_language(client, make_user, bearer):
    headers = bearer(make_user("system_admin"))  # no directory permission
    response = client.get("/api/v1/users", headers=headers)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "您没有此权限" in response.json()["message"]
    english = client.get("/api/v1/users", headers={**headers, "Accept-Language": "en"})
    assert english.status_code == 403 and english["Content-Language"] == "en"


def test_validation_error_is_422_with_fields(client, headers):
    response = client.get("/api/v1/users?limit=0&offset=-1", headers=headers)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert {d["field"] for d in body["details"]} == {"limit", "offset"}
    assert all(d["message"] for d in body["details"])
    assert "不能小于 1" in {d["field"]: d["message"] for d in body["details"]}["limit"]


@test_urls
def test_body_validation_names_the_field(client, headers):
    response = client.post("/api/test/things", {"size": "x"}, content_type="application/json", headers=headers)
    assert response.status_code == 422
    fields = {d["field"]: d["message"] for d in response.json()["details"]}
    assert set(fields) == {"payload.name", "payload.size"}
    assert fields["payload.name"] == "必填项。"


@test_urls
def test_non_json_body_is_415_and_broken_json_400(client, headers):
    form = client.post("/api/test/things", {"name": "x"}, headers=headers)  # multipart form
    assert form.status_code == 415 and form.json()["code"] == "unsupported_media_type"
    text = client.post("/api/test/things", "name=x", content_type="text/plain", headers=headers)
    assert text.status_code == 415
    broken = client.post("/api/test/things", "{", content_type="application/json", headers=headers)
    assert broken.status_code == 400 and broken.json()["code"] == "bad_request"


def test_unknown_object_is_404_json(client, headers):
    response = client.get("/api/v1/users/987654", headers=headers)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_undeclared_method_is_405(client, headers):
    assert client.delete("/api/v1/me", headers=headers).status_code == 405


@test_urls
@override_settings(DEBUG=False)
def test_unhandled_error_is_500_without_traceback(client, headers, caplog):
    response = client.get("/api/test/boom", headers=headers)
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "server_error"
    assert body["request_id"] == response["X-Request-ID"]
    text = response.content.decode()
    for leak in ("Traceback", "SELECT", SECRET_SETTING, "RuntimeError", "File \""):
        assert leak not in text
    assert any(SECRET_SETTING in (r.exc_text or str(r.exc_info)) for r in caplog.records)  # the log keeps it


@test_urls
@override_settings(DEBUG=True)
def test_no_traceback_even_with_debug(client, headers):
    response = client.get("/api/test/boom", headers=headers)
    assert response.status_code == 500 and "Traceback" not in response.content.decode()


def _create(client, headers, body, key="k-1"):
    return client.post("/api/test/things", body, content_type="application/json",
                       headers={**headers, "Idempotency-Key": key})


@test_urls
def test_same_key_returns_the_first_result(client, headers):
    first = _create(client, headers, {"name": "华信"})
    assert first.status_code == 201
    again = _create(client, headers, {"name": "华信"})
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Company.objects.filter(name="华信").count() == 1
    assert IdempotencyKey.objects.get().response_body == first.json()


@test_urls
def test_same_key_with_another_body_is_409(client, headers):
    assert _create(client, headers, {"name": "甲"}).status_code == 201
    response = _create(client, headers, {"name": "乙"})
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert not Company.objects.filter(name="乙").exists()


@test_urls
def test_keys_are_per_user_and_requests_without_key_are_not_remembered(client, headers, make_user, bearer):
    other = bearer(make_user("salesperson"))
    assert _create(client, headers, {"name": "甲"}).status_code == 201
    assert _create(client, other, {"name": "乙"}).status_code == 201  # same key, other user: independent
    plain = client.post("/api/test/things", {"name": "丙"}, content_type="application/json", headers=headers)
    assert plain.status_code == 201
    assert IdempotencyKey.objects.count() == 2


@test_urls
def test_a_refused_request_keeps_nothing_and_may_be_retried(client, headers):
    refused = _create(client, headers, {"name": "refused"}, key="k-2")
    assert refused.status_code == 400
    assert not Company.objects.filter(name="半途公司").exists()
    assert not IdempotencyKey.objects.exists()


@test_urls
def test_invalid_key_is_refused(client, headers):
    response = _create(client, headers, {"name": "甲"}, key="x" * 256)
    assert response.status_code == 400
    assert response.json()["field"] == "Idempotency-Key"


@test_urls
def test_keyset_pagination_walks_every_row_once(client, headers):
    CompanyFactory.create_batch(7)
    made = list(Company.objects.values_list("id", flat=True))  # with the user's own company: 8
    seen, cursor, pages = [], None, 0
    while True:
        url = "/api/test/companies?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url, headers=headers).json()
        seen += [c["id"] for c in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(made) and pages == 3
    assert len(client.get("/api/test/companies?limit=1000", headers=headers).json()["items"]) == 8
    bad = client.get("/api/test/companies?cursor=%%%", headers=headers)
    assert bad.status_code == 422 and bad.json()["details"][0]["field"] == "cursor"

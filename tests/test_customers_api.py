"""/api/v1/customers: auth, scope, masked output, validation shared with the web, duplicates, reveal (INFO-1..6, SEC-2, SEC-3)."""

import json
import re

import pytest

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.customers import services
from kehu.customers.forms import CustomerForm
from kehu.customers.listing import COUNT_CAP
from kehu.customers.models import Customer
from kehu.org import roles
from tests.customer_data import bulk_customers, cleaned, make_customer

pytestmark = pytest.mark.django_db

BASE = "/api/v1/customers"
MOBILE = "13812345678"
FULL_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
FULL_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
BAD_CREDIT_CODE = "914403001922038217"


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def patch(client, url, body):
    return client.patch(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def mine(sales):
    return make_customer(sales, "北京甲科技有限公司", mobile=MOBILE)


@pytest.fixture
def theirs(other):
    return make_customer(other, "上海乙贸易有限公司", mobile="13900001111", credit_code="914403001922038216")


def endpoints(customer):
    return [("get", BASE), ("get", f"{BASE}/{customer.pk}"), ("post", BASE), ("patch", f"{BASE}/{customer.pk}"),
            ("get", f"{BASE}/{customer.pk}/contacts"), ("post", f"{BASE}/{customer.pk}/contacts"),
            ("post", f"{BASE}/duplicate-check"), ("post", f"{BASE}/{customer.pk}/reveal")]


@pytest.mark.req("SEC-2")
def test_anonymous_is_401(client, mine):
    for method, url in endpoints(mine):
        response = client.get(url) if method == "get" else getattr(client, method)(url, "{}", content_type="application/json")
        assert response.status_code == 401, (method, url)


@pytest.mark.req("INFO-6")
def test_list_count_is_exact_up_to_the_cap_then_capped_and_pages_go_past_it(api_client, sales):
    bulk_customers(sales, COUNT_CAP)
    client = api_client(sales)
    listed = client.get(BASE, {"limit": 2}).json()
    assert (listed["count"], listed["count_capped"]) == (COUNT_CAP, False)
    bulk_customers(sales, 1, start=COUNT_CAP)
    listed = client.get(BASE, {"limit": 2}).json()
    assert (listed["count"], listed["count_capped"]) == (COUNT_CAP, True)
    assert [c["name"] for c in listed["items"]] == ["批量1000号有限公司", "批量999号有限公司"]
    last = client.get(BASE, {"limit": 2, "offset": COUNT_CAP}).json()  # past the cap
    assert [c["name"] for c in last["items"]] == ["批量0号有限公司"] and last["count_capped"]
    assert client.get(BASE, {"q": "批量1000号"}).json()["count_capped"] is False


@pytest.mark.req("SEC-2")
def test_without_permission_is_403(make_user, api_client, mine):
    client = api_client(make_user(roles.SYSTEM_ADMIN))
    bodies = {"post": {"name": "某公司", "field": "mobile", "reason": "回访"}, "patch": {"stage": "intent"}}
    for method, url in endpoints(mine):
        body = json.dumps(bodies.get(method, {}))
        response = getattr(client, method)(url, body, content_type="application/json") if method != "get" \
            else client.get(url)
        assert response.status_code == 403, (method, url, response.content)


@pytest.mark.req("SEC-2", "INFO-3")
def test_out_of_scope_is_404_and_the_list_shows_only_mine(api_client, sales, mine, theirs):
    client = api_client(sales)
    assert client.get(f"{BASE}/{theirs.pk}").status_code == 404
    assert client.get(f"{BASE}/{theirs.pk}/contacts").status_code == 404
    assert patch(client, f"{BASE}/{theirs.pk}", {"stage": "intent"}).status_code == 404
    assert post(client, f"{BASE}/{theirs.pk}/contacts", {"name": "周八"}).status_code == 404
    listed = client.get(BASE).json()
    assert listed["count"] == 1 and [c["name"] for c in listed["items"]] == ["北京甲科技有限公司"]
    assert client.get(BASE, {"owner": theirs.owner_id}).json()["count"] == 0
    assert client.get(BASE, {"q": "上海乙"}).json()["count"] == 0
    assert client.get(BASE, {"q": MOBILE}).json()["count"] == 1


@pytest.mark.req("SEC-3")
def test_json_carries_no_full_mobile_or_id_number(api_client, sales, mine):
    person = services.customer_create(actor=sales, data=cleaned(CustomerForm, {
        "kind": "individual", "name": "赵六", "stage": "potential", "id_number": "11010519491231002X",
        "mobile": "13700001234"}))
    client = api_client(sales)
    for url in [BASE, f"{BASE}/{mine.pk}", f"{BASE}/{person.pk}", f"{BASE}/{mine.pk}/contacts"]:
        text = client.get(url).content.decode()
        assert not FULL_MOBILE.search(text) and not FULL_ID.search(text), url
    assert client.get(f"{BASE}/{mine.pk}").json()["contacts"][0]["mobile"] == "138****5678"


@pytest.mark.req("INFO-1", "INFO-4")
def test_create_validates_like_the_web_form(api_client, sales):
    client = api_client(sales)
    response = post(client, BASE, {"name": "某公司", "credit_code": BAD_CREDIT_CODE})
    assert response.status_code == 422
    body = response.json()
    web_message = CustomerForm({"kind": "enterprise", "name": "某公司", "stage": "potential",
                                "credit_code": BAD_CREDIT_CODE}).errors["credit_code"][0]
    assert body["code"] == "validation_error" and body["field"] == "credit_code"
    assert body["details"][0]["message"] == web_message
    response = post(client, BASE, {"name": "深圳戊电子有限公司", "tags": ["重点"], "contacts": [{"name": "周八", "mobile": MOBILE}]},
                    **{"Idempotency-Key": "k1"})
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["owner"] == "张销售" and created["tags"] == ["重点"] and created["contacts"][0]["mobile"] == "138****5678"
    again = post(client, BASE, {"name": "深圳戊电子有限公司", "tags": ["重点"], "contacts": [{"name": "周八", "mobile": MOBILE}]},
                 **{"Idempotency-Key": "k1"})
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Customer.objects.filter(name="深圳戊电子有限公司").count() == 1


@pytest.mark.req("INFO-1")
def test_no_mass_assignment_of_owner_or_tier(api_client, sales, other):
    response = post(api_client(sales), BASE, {"name": "某公司", "owner": other.pk, "tier": "vip", "department": 1})
    assert response.status_code == 201
    customer = Customer.objects.get(pk=response.json()["id"])
    assert customer.owner == sales and customer.tier == "potential"


@pytest.mark.req("INFO-5")
def test_duplicate_is_409_with_hits_and_the_check_is_scope_blind(api_client, sales, theirs):
    client = api_client(sales)
    response = post(client, BASE, {"name": "另一家公司", "credit_code": "914403001922038216"})
    assert response.status_code == 409
    hits = response.json()["details"]["hits"]
    assert hits[0]["customer_id"] == theirs.pk and hits[0]["owner"] == "王五"
    found = post(client, f"{BASE}/duplicate-check", {"kind": "enterprise", "mobile": "139-0000-1111"}).json()
    assert [h["customer_id"] for h in found] == [theirs.pk] and found[0]["reasons"] == ["mobile"]
    assert post(client, f"{BASE}/duplicate-check", {"credit_code": BAD_CREDIT_CODE}).status_code == 422


@pytest.mark.req("INFO-11")
def test_patch_changes_only_the_fields_sent(api_client, sales, mine):
    client = api_client(sales)
    response = patch(client, f"{BASE}/{mine.pk}", {"stage": "intent", "tier": "vip"})
    assert response.status_code == 200 and response.json()["stage"] == "intent"
    mine.refresh_from_db()
    assert mine.tier == "potential" and mine.name == "北京甲科技有限公司"
    assert [c.field for c in mine.field_changes.all()] == ["stage"]
    assert patch(client, f"{BASE}/{mine.pk}", {"credit_code": BAD_CREDIT_CODE}).status_code == 422


@pytest.mark.req("INFO-2")
def test_contacts_list_and_create(api_client, sales, mine):
    client = api_client(sales)
    response = post(client, f"{BASE}/{mine.pk}/contacts", {"name": "周八", "mobile": "13600001111"})
    assert response.status_code == 201 and response.json()["mobile"] == "136****1111"
    assert [c["name"] for c in client.get(f"{BASE}/{mine.pk}/contacts").json()] == ["李四", "周八"]
    assert post(client, f"{BASE}/{mine.pk}/contacts", {"name": "周九", "mobile": "123"}).status_code == 422


@pytest.fixture
def manager(make_user, sales):
    return make_user(roles.SALES_MANAGER, department=sales.department)


@pytest.mark.req("SEC-3")
def test_reveal(api_client, sales, manager, mine):
    contact = mine.contacts.get()
    body = {"field": "mobile", "reason": "电话回访", "contact_id": contact.pk}
    assert post(api_client(sales), f"{BASE}/{mine.pk}/reveal", body).status_code == 403
    client = api_client(manager)
    assert post(client, f"{BASE}/{mine.pk}/reveal", {**body, "reason": "x"}).status_code == 400
    response = post(client, f"{BASE}/{mine.pk}/reveal", body)
    assert response.status_code == 200 and response.json() == {"value": MOBILE}
    row = AuditEntry.objects.get(action=actions.PII_REVEAL)
    assert row.actor == manager and row.reason == "电话回访" and row.data["field"] == "mobile" and row.ip


@pytest.mark.req("SEC-3")
def test_reveal_limit_is_429(api_client, manager, mine):
    client = api_client(manager)
    body = {"field": "mobile", "reason": "核对", "contact_id": mine.contacts.get().pk}
    for _ in range(50):
        assert post(client, f"{BASE}/{mine.pk}/reveal", body).status_code == 200
    response = post(client, f"{BASE}/{mine.pk}/reveal", body)
    assert response.status_code == 429 and "上限" in response.json()["message"]

"""Consent per person and purpose, append-only; the marketing gate; pages and API (PRIV-1, SECURITY.md PI-2, PI-4)."""

import datetime as dt
import json
import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.core.errors import DomainError, PermissionDenied
from kehu.customers import field_access, services, timeline
from kehu.customers.consent import marketing_allowed, marketing_audience
from kehu.customers.factories import ContactFactory, CustomerFactory
from kehu.customers.models import ConsentRecord, Contact, Customer
from kehu.org import roles
from tests.customer_data import DETAIL_QUERIES, TAB_QUERIES

pytestmark = pytest.mark.django_db

BASE = "/api/v1/customers"
FULL_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture
def person(sales):
    """An individual customer (个人客户)."""
    return CustomerFactory(owner=sales, kind="individual", name="赵六", mobile="13700001234")


@pytest.fixture
def company(sales):
    return CustomerFactory(owner=sales, name="北京甲科技有限公司")


@pytest.fixture
def contact(company):
    return ContactFactory(customer=company, name="李四", mobile="13812345678")


@pytest.fixture
def theirs(other):
    return CustomerFactory(owner=other, kind="individual", name="钱七")


def grant(actor, customer, contact=None, purpose="marketing", channel="sms", **extra):
    return services.consent_grant(actor=actor, customer=customer, contact=contact, purpose=purpose, channel=channel,
                                  legal_basis=extra.pop("legal_basis", "consent"),
                                  notice_version=extra.pop("notice_version", "v2026-01"),
                                  collected_via=extra.pop("collected_via", "paper"), **extra)


def withdraw(actor, customer, contact=None, purpose="marketing", channel="sms", **extra):
    return services.consent_withdraw(actor=actor, customer=customer, contact=contact, purpose=purpose,
                                     channel=channel, collected_via=extra.pop("collected_via", "phone"), **extra)


# --- the gate other apps call before any marketing send ----------------------------------------
@pytest.mark.req("PRIV-1")
def test_never_asked_is_refused_with_its_reason(person, contact):
    for someone in (person, contact):
        decision = marketing_allowed(someone, "sms")
        assert not decision and decision.reason == "never_asked" and "短信" in decision.message


@pytest.mark.req("PRIV-1")
def test_opt_in_allows_only_that_channel(sales, person):
    record = grant(sales, person, channel="wechat")
    decision = marketing_allowed(person, "wechat")
    assert decision and decision.reason == "opted_in" and decision.record_id == record.pk
    assert decision.notice_version == "v2026-01"
    assert marketing_allowed(person, "sms").reason == "never_asked"
    assert marketing_allowed(person, "phone").reason == "never_asked"


@pytest.mark.req("PRIV-1", "PI-2")
def test_withdrawal_refuses_and_keeps_the_history(sales, contact, company):
    first = grant(sales, company, contact, channel="email")
    second = withdraw(sales, company, contact, channel="email", evidence="退订邮件 2026-11-30")
    decision = marketing_allowed(contact, "email")
    assert not decision and decision.reason == "opted_out" and decision.record_id == second.pk
    rows = list(ConsentRecord.objects.filter(contact=contact).order_by("id"))
    assert [r.status for r in rows] == ["granted", "withdrawn"] and rows[0].pk == first.pk
    assert rows[1].legal_basis == "consent" and rows[1].notice_version == "v2026-01"  # carried over
    # Opting in again is a third row; the latest wins.
    grant(sales, company, contact, channel="email", notice_version="v2026-02")
    assert marketing_allowed(contact, "email").notice_version == "v2026-02"
    assert ConsentRecord.objects.filter(contact=contact).count() == 3


@pytest.mark.req("PRIV-1")
def test_an_opt_out_before_any_consent_is_recorded(sales, person):
    withdraw(sales, person, channel="phone", evidence="客户要求勿电话推销")
    assert marketing_allowed(person, "phone").reason == "opted_out"
    with pytest.raises(DomainError) as refused:
        withdraw(sales, person, channel="phone")
    assert refused.value.code == "already_withdrawn"


@pytest.mark.req("PRIV-1")
def test_enterprise_unknown_channel_and_deleted_customer_are_refused(sales, company, person):
    assert marketing_allowed(company, "sms").reason == "not_a_person"
    assert marketing_allowed(person, "fax").reason == "unknown_channel"
    grant(sales, person)
    Customer.objects.filter(pk=person.pk).update(deleted_at=clock.now())
    person.refresh_from_db()
    assert marketing_allowed(person, "sms").reason == "customer_deleted"


@pytest.mark.req("PRIV-1", "PI-2")
def test_campaign_audience_drops_a_withdrawal_at_once(sales, person, company, contact):
    second = CustomerFactory(owner=sales, kind="individual", name="孙八")
    other_contact = ContactFactory(customer=company, name="周九")
    grant(sales, person)
    grant(sales, second)
    grant(sales, company, contact)
    grant(sales, company, other_contact, channel="email")
    assert set(marketing_audience(Customer.objects.all(), "sms")) == {person, second}
    assert set(marketing_audience(Contact.objects.all(), "sms")) == {contact}
    with transaction.atomic():
        withdraw(sales, second)
        assert set(marketing_audience(Customer.objects.all(), "sms")) == {person}  # same transaction
    assert set(marketing_audience(Contact.objects.all(), "email")) == {other_contact}
    assert not marketing_audience(Customer.objects.all(), "fax").exists()


# --- the rules of a record -----------------------------------------------------------------------
@pytest.mark.req("PRIV-1")
@pytest.mark.parametrize(("kwargs", "field", "code"), [
    ({"purpose": "marketing", "channel": ""}, "channel", "channel_required"),
    ({"purpose": "service", "channel": "sms"}, "channel", "channel_not_applicable"),
    ({"purpose": "marketing", "legal_basis": "contract"}, "legal_basis", "marketing_needs_consent"),
    ({"purpose": "gossip"}, "purpose", "invalid_purpose"),
    ({"legal_basis": "because"}, "legal_basis", "invalid_legal_basis"),
    ({"notice_version": " "}, "notice_version", "notice_version_required"),
    ({"collected_via": "telepathy"}, "collected_via", "invalid_collected_via"),
    ({"collected_at": dt.datetime(2099, 1, 1, tzinfo=dt.UTC)}, "collected_at", "collected_in_future"),
])
def test_bad_records_are_refused_naming_the_field(sales, person, kwargs, field, code):
    with pytest.raises(DomainError) as refused:
        grant(sales, person, **kwargs)
    assert (refused.value.field, refused.value.code) == (field, code)
    assert not ConsentRecord.objects.exists()


@pytest.mark.req("PRIV-1")
def test_other_legal_bases_for_other_purposes(sales, company, contact):
    record = grant(sales, company, contact, purpose="service", channel="", legal_basis="contract")
    assert record.legal_basis == "contract" and record.channel == ""
    with pytest.raises(DomainError) as refused:
        grant(sales, company, None, purpose="service", channel="", legal_basis="contract")
    assert refused.value.field == "contact"  # an enterprise's consents live on its contacts


@pytest.mark.req("PRIV-1")
def test_collector_time_and_audit(sales, person):
    given = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
    record = grant(sales, person, collected_at=given, evidence="表单 A-17")
    assert record.collected_by == sales and record.collected_at == given and record.recorded_at is not None
    entry = AuditEntry.objects.get(action=actions.CONSENT_GRANT)
    assert entry.target_id == str(person.pk)
    assert entry.data["purpose"] == "marketing" and entry.data["channel"] == "sms"
    withdraw(sales, person)
    assert AuditEntry.objects.filter(action=actions.CONSENT_WITHDRAW, target_id=str(person.pk)).count() == 1


@pytest.mark.req("PRIV-1")
def test_needs_the_permission(make_user, person):
    engineer = make_user(roles.TECHNICAL_ENGINEER)
    with pytest.raises(PermissionDenied):
        grant(engineer, person)


@pytest.mark.req("PRIV-1", "PI-2")
def test_records_are_append_only_in_the_model_and_the_database(sales, person):
    record = grant(sales, person)
    record.status = ConsentRecord.WITHDRAWN
    with pytest.raises(ValueError):
        record.save()
    with pytest.raises((IntegrityError, DatabaseError)), transaction.atomic():
        ConsentRecord.objects.filter(pk=record.pk).update(status=ConsentRecord.WITHDRAWN)
    assert ConsentRecord.objects.get(pk=record.pk).status == ConsentRecord.GRANTED
    # Moving the rows to another customer (a merge of duplicates) stays possible.
    survivor = CustomerFactory(owner=sales, kind="individual", name="赵六")
    ConsentRecord.objects.filter(pk=record.pk).update(customer=survivor)
    assert marketing_allowed(survivor, "sms")
    assert connection.vendor in ("sqlite", "postgresql")


@pytest.mark.req("PRIV-1")
def test_timeline_shows_consent_changes_in_one_query(sales, company, contact, django_assert_num_queries):
    grant(sales, company, contact)
    withdraw(sales, company, contact)
    field_access.for_user(sales)  # the reader's field rules: the page has them already
    with django_assert_num_queries(1):  # the whole timeline, consents and every other source
        events = timeline.events_for(company, sales)
    titles = [e.title for e in events]
    assert "李四撤回或拒绝：营销推广·短信" in titles and "李四同意：营销推广·短信" in titles


# --- pages ---------------------------------------------------------------------------------------
def form(**values):
    return {"action": "grant", "purpose": "marketing", "channel": "sms", "legal_basis": "consent",
            "notice_version": "v2026-01", "collected_via": "paper", "collected_at": "", "evidence": "", **values}


@pytest.mark.req("PRIV-1", "SEC-2")
def test_consent_page_access(client, make_user, login, sales, theirs):
    url = reverse("customers:consent_record", args=[theirs.pk])
    response = client.post(url, form())
    assert response.status_code == 302 and "login" in response["Location"]
    assert login(make_user(roles.SYSTEM_ADMIN)).post(url, form()).status_code == 403
    assert login(make_user(roles.TECHNICAL_ENGINEER), on=type(client)()).post(url, form()).status_code == 403
    assert login(sales, on=type(client)()).post(url, form()).status_code == 404
    assert client.get(url).status_code in (302, 405)
    assert not ConsentRecord.objects.exists()


@pytest.mark.req("PRIV-1")
def test_record_and_withdraw_on_the_customer_page(login, sales, person):
    client = login(sales)
    url = reverse("customers:consent_record", args=[person.pk])
    response = client.post(url, form(evidence="表单 A-17"))
    assert response.status_code == 302 and response["Location"].endswith("?tab=consents#tabs")
    assert marketing_allowed(person, "sms")
    html = client.get(response["Location"]).content.decode()  # the page with its consent tab open
    assert "个人信息同意" in html and "v2026-01" in html and "表单 A-17" in html
    assert "客户本人同意：营销推广·短信" in html  # timeline
    tab = client.get(reverse("customers:tab", args=[person.pk, "consents"])).content.decode()
    assert "v2026-01" in tab and "表单 A-17" in tab and 'name="purpose"' in tab
    assert client.post(url, form(action="withdraw")).status_code == 302
    assert marketing_allowed(person, "sms").reason == "opted_out"
    html = client.get(reverse("customers:detail", args=[person.pk])).content.decode()
    assert "客户本人撤回或拒绝：营销推广·短信" in html
    assert not FULL_MOBILE.search(html)


@pytest.mark.req("PRIV-1")
def test_bad_input_on_the_page_names_the_field(login, sales, person, company, contact):
    client = login(sales)
    response = client.post(reverse("customers:consent_record", args=[person.pk]), form(channel=""))
    assert response.status_code == 400
    assert "营销推广须选择渠道" in response.content.decode()
    response = client.post(reverse("customers:consent_record", args=[company.pk]), form(contact=""))
    assert response.status_code == 400 and "请选择联系人" in response.content.decode()
    response = client.post(reverse("customers:consent_record", args=[person.pk]), form(notice_version=""))
    assert response.status_code == 400 and "记录同意须填写告知书版本" in response.content.decode()
    assert not ConsentRecord.objects.exists()


@pytest.mark.req("PRIV-1")
def test_contact_edit_page_has_the_consent_section(login, sales, company, contact, other):
    client = login(sales)
    edit = reverse("customers:contact_edit", args=[company.pk, contact.pk])
    assert "个人信息同意" in client.get(edit).content.decode()
    url = reverse("customers:consent_record", args=[company.pk])
    response = client.post(url, form(contact=str(contact.pk), return_to="contact", channel="wechat"))
    assert response.status_code == 302 and response["Location"] == edit + "#consent"
    assert marketing_allowed(contact, "wechat")
    html = client.get(edit).content.decode()
    assert "微信" in html and "v2026-01" in html
    response = client.post(url, form(contact=str(contact.pk), return_to="contact", legal_basis="contract"))
    assert response.status_code == 400 and "营销推广只能以取得个人同意为合法性基础" in response.content.decode()
    # A contact of a customer out of scope is not found, even through an in-scope customer's URL.
    foreign = ContactFactory(customer=CustomerFactory(owner=other))
    assert client.post(url, form(contact=str(foreign.pk))).status_code == 404


@pytest.mark.req("PRIV-1", "INFO-11")
@pytest.mark.parametrize("size", [2, 20])
def test_detail_query_budget_with_consents(login, sales, company, django_assert_max_num_queries, size):
    for i in range(size):
        someone = ContactFactory(customer=company, name=f"联系人{i}")
        grant(sales, company, someone)
        withdraw(sales, company, someone)
    client = login(sales)
    client.get(reverse("customers:detail", args=[company.pk]))  # a running server's caches (field rules, definitions)
    with django_assert_max_num_queries(DETAIL_QUERIES):
        assert client.get(reverse("customers:detail", args=[company.pk])).status_code == 200
    with django_assert_max_num_queries(TAB_QUERIES["consents"]):
        assert client.get(reverse("customers:tab", args=[company.pk, "consents"])).status_code == 200


# --- API -----------------------------------------------------------------------------------------
def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", headers=headers)


def api_body(**values):
    return {"action": "grant", "purpose": "marketing", "channel": "sms", "legal_basis": "consent",
            "notice_version": "v2026-01", "collected_via": "online", **values}


@pytest.mark.req("PRIV-1", "SEC-2")
def test_api_access(client, make_user, api_client, sales, theirs):
    urls = [("get", f"{BASE}/{theirs.pk}/consents"), ("post", f"{BASE}/{theirs.pk}/consents"),
            ("get", f"{BASE}/{theirs.pk}/marketing-check?channel=sms")]

    def call(c, method, url):
        return post(c, url, api_body()) if method == "post" else c.get(url)

    for method, url in urls:
        assert call(client, method, url).status_code == 401, url
    admin = api_client(make_user(roles.SYSTEM_ADMIN))
    for method, url in urls:
        assert call(admin, method, url).status_code == 403, url
    assert call(api_client(make_user(roles.TECHNICAL_ENGINEER)), *urls[1]).status_code == 403
    mine = api_client(sales)
    for method, url in urls:
        assert call(mine, method, url).status_code == 404, url
    assert not ConsentRecord.objects.exists()


@pytest.mark.req("PRIV-1")
def test_api_record_list_and_check(api_client, sales, company, contact):
    client = api_client(sales)
    check = f"{BASE}/{company.pk}/marketing-check?channel=sms&contact_id={contact.pk}"
    assert client.get(check).json() == {"allowed": False, "reason": "never_asked", "record_id": None,
                                        "notice_version": "", "message": "未征得本人对短信营销的同意。"}
    response = post(client, f"{BASE}/{company.pk}/consents", api_body(contact_id=contact.pk),
                    **{"Idempotency-Key": "c1"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "granted" and body["contact_id"] == contact.pk and body["collected_by"] == "张销售"
    replay = post(client, f"{BASE}/{company.pk}/consents", api_body(contact_id=contact.pk), **{"Idempotency-Key": "c1"})
    assert replay.json()["id"] == body["id"] and ConsentRecord.objects.count() == 1
    assert client.get(check).json()["allowed"] is True
    response = post(client, f"{BASE}/{company.pk}/consents", api_body(contact_id=contact.pk, action="withdraw"))
    assert response.status_code == 201 and response.json()["status"] == "withdrawn"
    assert client.get(check).json()["reason"] == "opted_out"
    history = client.get(f"{BASE}/{company.pk}/consents?contact_id={contact.pk}").json()
    assert history["count"] == 2 and [r["status"] for r in history["items"]] == ["withdrawn", "granted"]
    current = client.get(f"{BASE}/{company.pk}/consents?current=true").json()
    assert current["count"] == 1 and current["items"][0]["status"] == "withdrawn"
    assert client.get(f"{BASE}/{company.pk}/marketing-check?channel=sms").json()["reason"] == "not_a_person"


@pytest.mark.req("PRIV-1")
def test_api_bad_input_names_the_field(api_client, sales, person, company):
    client = api_client(sales)
    response = post(client, f"{BASE}/{person.pk}/consents", api_body(channel=""))
    assert response.status_code == 400 and response.json()["field"] == "channel"
    response = post(client, f"{BASE}/{person.pk}/consents", api_body(purpose="gossip"))
    assert response.status_code == 422 and response.json()["field"] == "purpose"
    response = post(client, f"{BASE}/{company.pk}/consents", api_body())
    assert response.status_code == 400 and response.json()["code"] == "consent_needs_contact"
    response = post(client, f"{BASE}/{person.pk}/consents", api_body(collected_at="2099-01-01T00:00:00+08:00"))
    assert response.status_code == 400 and response.json()["field"] == "collected_at"
    assert not ConsentRecord.objects.exists()

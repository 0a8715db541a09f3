"""Merging duplicates (INFO-5): service, registry of movers, pages, API, and where merged customers disappear."""

import json
import random
import re

import pytest
from django.urls import reverse

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from kehu.customers import merging, selectors, services
from kehu.customers.duplicates import find_duplicates
from kehu.customers.factories import CustomerFactory, credit_code
from kehu.customers.forms import ContactForm, CustomerForm
from kehu.customers.models import Contact, Customer, CustomerReview, FieldChange, TeamMember
from kehu.org import roles
from tests.customer_data import cleaned

pytestmark = [pytest.mark.django_db, pytest.mark.req("INFO-5")]

BASE = "/api/v1/customers"
FULL_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def make_customer(owner, name, *, contact_mobile="", **extra):
    contacts = (cleaned(ContactForm, {"name": f"{name[:2]}联系人", "mobile": contact_mobile}),) if contact_mobile else ()
    return services.customer_create(actor=owner, data=cleaned(CustomerForm, {"kind": "enterprise", "name": name,
                                                                               "stage": "potential", **extra}),
                                    contacts=contacts)


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def colleague(make_user, sales):
    return make_user(roles.SALESPERSON, full_name="李同事", department=sales.department)


@pytest.fixture
def manager(make_user, sales):
    return make_user(roles.SALES_MANAGER, full_name="赵经理", department=sales.department)


@pytest.fixture
def outsider(make_user):
    return make_user(roles.SALESPERSON, full_name="王外人")


@pytest.fixture
def keep(sales):
    """A: the customer that survives."""
    return make_customer(sales, "杭州华信电子科技有限公司", contact_mobile="13812345678", remarks="老客户")


@pytest.fixture
def dup(colleague):
    """B: the duplicate a colleague entered (in warn mode the create went through)."""
    return make_customer(colleague, "杭州华信电子有限公司", contact_mobile="13900001111",
                         credit_code="914403001922038216", mobile="13700001234", tags="华东", remarks="")


def test_merge_moves_everything_and_records_one_audit_entry(manager, sales, colleague, outsider, keep, dup):
    services.customer_update(actor=colleague, customer=dup, data={"stage": "intent"})
    services.customer_review(actor=colleague, customer=dup, note="电话核实")
    TeamMember.objects.create(customer=dup, user=outsider)
    TeamMember.objects.create(customer=dup, user=sales)  # the survivor's owner needs no membership
    history_before = FieldChange.objects.filter(customer=dup).count()

    moved = services.customer_merge(actor=manager, target=keep, duplicate=dup,
                                    take_from_duplicate=["credit_code", "mobile", "stage"])

    keep.refresh_from_db()
    dup = Customer._base_manager.get(pk=dup.pk)
    assert dup.merged_into == keep and dup.deleted_at is not None
    assert keep.credit_code == "914403001922038216" and keep.mobile.reveal() == "13700001234"
    assert keep.stage == "intent" and keep.remarks == "老客户" and keep.name == "杭州华信电子科技有限公司"
    contacts = list(Contact.objects.filter(customer=keep).order_by("id"))
    assert len(contacts) == 2 and [c.is_primary for c in contacts] == [True, False]
    assert list(keep.tags.values_list("name", flat=True)) == ["华东"]
    assert list(TeamMember.objects.filter(customer=keep).values_list("user", flat=True)) == [outsider.pk]
    assert CustomerReview.objects.filter(customer=keep).count() == 1 and keep.last_reviewed_at is not None
    # The duplicate's own history moved, and the merge's field choices are history on the survivor.
    assert FieldChange.objects.filter(customer=dup).count() == 0
    merged_changes = FieldChange.objects.filter(customer=keep, label__contains="合并")
    assert {c.field for c in merged_changes} == {"credit_code", "mobile", "stage"}
    assert merged_changes.get(field="mobile").new_value == "137****1234"
    assert FieldChange.objects.filter(customer=keep).count() == history_before + 3
    assert moved["contacts"] == 1 and moved["tags"] == 1 and moved["team_members"] == 1

    entry = AuditEntry.objects.get(action=actions.CUSTOMER_MERGE)
    assert entry.actor == manager and entry.target_id == str(keep.pk)
    assert entry.data["kept"] == keep.pk and entry.data["merged"] == dup.pk
    assert entry.data["fields_from_merged"] == ["credit_code", "mobile", "stage"]
    assert entry.data["changes"]["mobile"] == ["", "137****1234"] and "13700001234" not in str(entry.data)


def test_refusals(manager, sales, keep, dup):
    with pytest.raises(DomainError) as refused:
        services.customer_merge(actor=manager, target=keep, duplicate=keep)
    assert refused.value.code == "merge_self"
    with pytest.raises(PermissionDenied):
        services.customer_merge(actor=sales, target=keep, duplicate=dup)
    with pytest.raises(DomainError) as refused:
        services.customer_merge(actor=manager, target=keep, duplicate=dup, take_from_duplicate=["owner"])
    assert refused.value.field == "owner"
    person = services.customer_create(actor=sales, data=cleaned(CustomerForm, {
        "kind": "individual", "name": "赵六", "stage": "potential"}))
    with pytest.raises(DomainError) as refused:
        services.customer_merge(actor=manager, target=keep, duplicate=person)
    assert refused.value.code == "merge_kind"
    services.customer_merge(actor=manager, target=keep, duplicate=dup)
    third = make_customer(sales, "杭州华信精工有限公司")
    with pytest.raises(Conflict) as refused:
        services.customer_merge(actor=manager, target=third, duplicate=dup)
    assert refused.value.code == "already_merged"
    with pytest.raises(Conflict):
        services.customer_merge(actor=manager, target=dup, duplicate=third)
    assert AuditEntry.objects.filter(action=actions.CUSTOMER_MERGE).count() == 1


def test_one_transaction_a_failing_mover_changes_nothing(manager, keep, dup, monkeypatch):
    def broken(*, source, target, actor):
        raise RuntimeError("a later app's mover failed")

    monkeypatch.setitem(merging.MOVERS, "broken", merging.Registration("broken", broken, ()))
    with pytest.raises(RuntimeError):
        services.customer_merge(actor=manager, target=keep, duplicate=dup, take_from_duplicate=["credit_code"])
    dup.refresh_from_db()
    keep.refresh_from_db()
    assert dup.merged_into is None and dup.deleted_at is None and dup.contacts.count() == 1
    assert keep.credit_code == "" and keep.contacts.count() == 1
    assert not AuditEntry.objects.filter(action=actions.CUSTOMER_MERGE).exists()


def test_rows_no_mover_took_refuse_the_merge(manager, keep, dup, monkeypatch):
    monkeypatch.delitem(merging.MOVERS, "reviews")
    services.customer_review(actor=manager, customer=dup, confirmed_unchanged=True)
    with pytest.raises(DomainError) as refused:
        services.customer_merge(actor=manager, target=keep, duplicate=dup)
    assert refused.value.code == "merge_incomplete" and "customers.CustomerReview.customer" in refused.value.details["left"]
    assert Customer.objects.get(pk=dup.pk).merged_into is None


def test_every_foreign_key_to_customer_has_a_mover():
    """Later apps (follow-ups, tickets, …) register a mover for each of their foreign keys to Customer."""
    assert merging.uncovered() == []


def test_a_customer_merged_earlier_follows_to_the_new_survivor(manager, sales, keep, dup):
    third = make_customer(sales, "杭州华信精工有限公司")
    services.customer_merge(actor=manager, target=dup, duplicate=third)
    services.customer_merge(actor=manager, target=keep, duplicate=dup)
    assert Customer._base_manager.get(pk=third.pk).merged_into_id == keep.pk
    with pytest.raises(NotFound) as gone:
        selectors.customer_for(manager, third.pk)
    assert gone.value.code == "customer_merged" and gone.value.details == {"merged_into": keep.pk}


def test_merged_customer_leaves_lists_search_exports_and_duplicate_checks(manager, keep, dup):
    services.customer_merge(actor=manager, target=keep, duplicate=dup)
    listed = selectors.customers_for(manager, selectors.CustomerFilters())
    assert list(listed.values_list("pk", flat=True)) == [keep.pk]
    assert not selectors.customers_for(manager, selectors.CustomerFilters(q="华信电子有限")).exists()
    # Its contacts' mobile now finds the survivor; its own keys no longer find it.
    assert [h.customer_id for h in find_duplicates(kind="enterprise", name="", mobiles=("13900001111",))] == [keep.pk]
    assert find_duplicates(kind="enterprise", name="杭州华信电子有限公司", mobiles=("13700001234",)) == []
    from kehu.customers.exporter import export_count

    assert export_count(actor=manager, filters={}) == 1


# --- pages -------------------------------------------------------------------------------------------------
def merge_url(customer, duplicate=None):
    url = reverse("customers:merge", args=[customer.pk])
    return f"{url}?duplicate={duplicate.pk}" if duplicate else url


def test_pages_anonymous_and_without_permission(client, login, sales, make_user, keep, dup):
    for url in (merge_url(keep), merge_url(keep, dup)):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    client = login(sales)  # a salesperson holds no customer.merge
    assert client.get(merge_url(keep, dup)).status_code == 403
    assert client.post(merge_url(keep), {"duplicate": dup.pk}).status_code == 403
    assert not Customer._base_manager.get(pk=dup.pk).merged_into_id


def test_pages_out_of_scope_is_404(make_user, login, keep, dup, outsider):
    elsewhere = make_user(roles.SALES_MANAGER)
    theirs = make_customer(outsider, "宁波恒通物流有限公司")
    client = login(elsewhere)
    assert client.get(merge_url(keep)).status_code == 404
    mine = make_customer(elsewhere, "宁波恒通电子有限公司")
    assert client.get(merge_url(mine, theirs)).status_code == 404
    assert client.post(merge_url(mine), {"duplicate": theirs.pk}).status_code == 404
    assert Customer.objects.filter(pk=theirs.pk, deleted_at=None).exists()


def test_compare_page_masks_and_merge_page_posts(login, manager, colleague, keep, dup, django_assert_max_num_queries):
    # A twin entered before the duplicate check existed (the factory skips the check): the pick page offers it.
    twin = CustomerFactory(owner=colleague, name="杭州华信电子科技股份有限公司")
    client = login(manager)
    html = client.get(reverse("customers:detail", args=[keep.pk])).content.decode()
    assert merge_url(keep) in html and "合并重复客户" in html
    pick = client.get(merge_url(keep)).content.decode()
    assert f"?duplicate={twin.pk}" in pick and "名称相同" in pick
    # Measured 14: both customers with their tags (4), the four counts of what moves, sign-in overhead.
    with django_assert_max_num_queries(14):
        response = client.get(merge_url(keep, dup))
    html = response.content.decode()
    assert response.status_code == 200
    assert "杭州华信电子有限公司" in html and "137****1234" in html and not FULL_MOBILE.search(html)
    response = client.post(merge_url(keep), {"duplicate": dup.pk, "pick_mobile": "duplicate", "pick_remarks": "target"})
    assert response.status_code == 302 and response["Location"] == reverse("customers:detail", args=[keep.pk])
    keep.refresh_from_db()
    assert keep.mobile.reveal() == "13700001234" and keep.remarks == "老客户"
    # Old links lead to the survivor; its timeline says what was merged.
    response = client.get(reverse("customers:detail", args=[dup.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("customers:detail", args=[keep.pk])
    html = client.get(response["Location"]).content.decode()
    assert "合并了重复客户 杭州华信电子有限公司" in html


def test_merge_page_refuses_itself_and_bad_input_with_a_message(login, manager, keep, dup):
    client = login(manager)
    response = client.get(merge_url(keep, keep))
    assert response.status_code == 400 and "自己" in response.content.decode()
    response = client.get(merge_url(keep) + "?duplicate=abc")
    assert response.status_code == 400 and "alert-danger" in response.content.decode()
    response = client.post(merge_url(keep), {"duplicate": dup.pk, "pick_mobile": "both"})
    assert response.status_code == 400 and "手机：" in response.content.decode()
    assert Customer.objects.filter(pk=dup.pk).exists()
    client.post(merge_url(keep), {"duplicate": dup.pk})
    response = client.get(merge_url(keep, dup))
    assert response.status_code == 409 and "已被合并" in response.content.decode()


def test_edit_page_duplicate_hits_offer_the_merge(login, manager, keep, dup, outsider):
    elsewhere = make_customer(outsider, "温州远航机械制造有限公司", credit_code=credit_code(random.Random(7)))
    client = login(manager)
    response = client.post(reverse("customers:edit", args=[keep.pk]), {
        "kind": "enterprise", "name": keep.name, "stage": "potential", "credit_code": "914403001922038216"})
    html = response.content.decode()
    assert "重复" in html and merge_url(keep, dup) in html
    response = client.post(reverse("customers:edit", args=[keep.pk]), {
        "kind": "enterprise", "name": keep.name, "stage": "potential", "credit_code": elsewhere.credit_code})
    html = response.content.decode()
    assert "重复" in html and f"duplicate={elsewhere.pk}" not in html  # out of scope: no merge offered


# --- API ---------------------------------------------------------------------------------------------------
def test_api_anonymous_permission_scope(client, api_client, sales, make_user, outsider, keep, dup):
    url = f"{BASE}/{keep.pk}/merge"
    assert post(client, url, {"duplicate_id": dup.pk}).status_code == 401
    assert post(api_client(sales), url, {"duplicate_id": dup.pk}).status_code == 403
    elsewhere = make_user(roles.SALES_MANAGER)
    assert post(api_client(elsewhere), url, {"duplicate_id": dup.pk}).status_code == 404
    mine = make_customer(elsewhere, "杭州华信精工有限公司")
    assert post(api_client(elsewhere), f"{BASE}/{mine.pk}/merge", {"duplicate_id": dup.pk}).status_code == 404
    assert not AuditEntry.objects.filter(action=actions.CUSTOMER_MERGE).exists()


def test_api_merge(api_client, manager, keep, dup):
    client = api_client(manager)
    assert post(client, f"{BASE}/{keep.pk}/merge", {"duplicate_id": keep.pk}).status_code == 400
    bad = post(client, f"{BASE}/{keep.pk}/merge", {"duplicate_id": dup.pk, "take_from_duplicate": ["tier"]})
    assert bad.status_code == 400 and bad.json()["field"] == "tier" and "tier" in bad.json()["message"]
    response = post(client, f"{BASE}/{keep.pk}/merge", {"duplicate_id": dup.pk, "take_from_duplicate": ["credit_code"]})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["merged_id"] == dup.pk and body["moved"]["contacts"] == 1
    assert body["customer"]["credit_code"] == "914403001922038216" and len(body["customer"]["contacts"]) == 2
    again = post(client, f"{BASE}/{keep.pk}/merge", {"duplicate_id": dup.pk})
    assert again.status_code == 409 and again.json()["code"] == "already_merged"
    gone = client.get(f"{BASE}/{dup.pk}")
    assert gone.status_code == 404 and gone.json()["code"] == "customer_merged"

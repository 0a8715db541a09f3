"""The customer page costs a fixed number of queries however long the customer's history (INFO-11):
the page itself, each of its tabs (loaded on demand with htmx, or inline with ``?tab=``), the timeline
over every registered source, and the API's detail — a customer with hundreds of rows of history
costs what a new one costs. Each tab is a page of its own: anonymous, without permission and out of
scope it answers as the customer page does."""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kehu.core import clock
from kehu.customers import services, timeline
from kehu.customers.factories import ContactFactory, CustomerFactory
from kehu.customers.forms import CustomerForm
from kehu.customers.models import Attachment, ConsentRecord, CustomerReview, FieldChange
from kehu.engagement.models import FollowUp
from kehu.org import roles
from tests.customer_data import API_DETAIL_QUERIES, DETAIL_QUERIES, TAB_QUERIES, cleaned, make_customer

pytestmark = pytest.mark.django_db

TABS = list(TAB_QUERIES)


def long_history(customer, actor, n: int = 300) -> None:
    """Hundreds of field changes, dozens of contacts, files (some deleted), consents, reviews, follow-ups and
    merged duplicates."""
    now = clock.now()
    # The first of each kind a minute after the contacts and merged duplicates made below, so the newest 50
    # events hold a field change and a review whatever order the database gives rows of the same instant.
    at = [now + dt.timedelta(minutes=1 - i) for i in range(n)]
    FieldChange.objects.bulk_create(FieldChange(customer=customer, field="remarks", label="备注", old_value=str(i),
                                                new_value=str(i + 1), changed_by=actor, changed_at=at[i])
                                    for i in range(n))
    contacts = ContactFactory.create_batch(40, customer=customer, mobile="13812345678")
    Attachment.objects.bulk_create(
        Attachment(customer=customer, original_name=f"合同{i}.pdf", stored_name=uuid.uuid4().hex, file_type="pdf",
                   content_type="application/pdf", size=100, sha256="0" * 64, uploaded_by=actor, uploaded_at=at[i],
                   deleted_at=at[i] if i % 3 == 0 else None, deleted_by=actor if i % 3 == 0 else None)
        for i in range(60))
    ConsentRecord.objects.bulk_create(
        ConsentRecord(customer=customer, contact=contacts[i % 40], purpose="marketing", channel="sms",
                      status="granted" if i % 2 else "withdrawn", legal_basis="consent", notice_version="v1",
                      collected_via="paper", collected_by=actor, collected_at=at[i], recorded_at=at[i])
        for i in range(80))
    CustomerReview.objects.bulk_create(CustomerReview(customer=customer, reviewed_by=actor, reviewed_at=at[i],
                                                      note=f"第 {i} 次核实") for i in range(50))
    FollowUp.objects.bulk_create(FollowUp(customer=customer, contact=contacts[i % 40], kind="phone", happened_at=at[i],
                                          by=actor, content=f"第 {i} 次电话") for i in range(80))
    for _i in range(5):
        CustomerFactory(owner=actor, merged_into=customer, deleted_at=now)


def cost(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    return len(queries)


def page_url(customer) -> str:
    return reverse("customers:detail", args=[customer.pk])


def tab_url(customer, tab: str) -> str:
    return reverse("customers:tab", args=[customer.pk, tab])


@pytest.fixture
def fresh_and_long(sales):
    fresh = make_customer(sales, "北京新有限公司")
    long = make_customer(sales, "北京老有限公司", mobile="13900001111")
    long_history(long, sales)
    return fresh, long


@pytest.mark.req("INFO-11")
def test_page_and_every_tab_cost_the_same_for_a_long_history_as_for_a_new_customer(login, sales, fresh_and_long):
    fresh, long = fresh_and_long
    client = login(sales)
    client.get(page_url(fresh))  # the caches a running server holds: field rules, custom-field definitions
    page = [cost(client, page_url(customer)) for customer in (fresh, long)]
    assert page[0] == page[1] <= DETAIL_QUERIES, page
    for tab, budget in TAB_QUERIES.items():
        costs = [cost(client, tab_url(customer, tab)) for customer in (fresh, long)]
        assert costs[0] == costs[1] <= budget, (tab, costs)
    html = client.get(page_url(long)).content.decode()
    assert html.count('class="list-group-item small"') == timeline.DEFAULT_LIMIT  # the newest 50 of ~560 events
    assert "修改了备注" in html and "第 0 次核实" in html


@pytest.mark.req("INFO-11")
def test_cold_caches_add_at_most_two_queries(login, sales, fresh_and_long):
    """Right after a process starts (or a rule changes): the field rules and the custom-field definitions."""
    from django.core.cache import cache

    _fresh, long = fresh_and_long
    client = login(sales)
    cache.clear()
    assert cost(client, page_url(long)) <= DETAIL_QUERIES + 2


@pytest.mark.req("INFO-11")
def test_a_tab_inline_costs_the_page_plus_the_tab(login, sales, fresh_and_long):
    _fresh, long = fresh_and_long
    client = login(sales)
    client.get(page_url(long))
    for tab, budget in TAB_QUERIES.items():
        html = client.get(f"{page_url(long)}?tab={tab}").content.decode()
        assert f'id="tab-{tab}"' in html and "正在加载" not in html
        # the page plus the tab's own reads: its budget less sign-in (4) and the customer (2)
        assert cost(client, f"{page_url(long)}?tab={tab}") <= DETAIL_QUERIES + budget - 6, tab


@pytest.mark.req("INFO-11")
def test_the_timeline_is_one_query_over_every_source(sales, fresh_and_long, django_assert_num_queries):
    _fresh, long = fresh_and_long
    sales.forget_roles()
    from kehu.customers.field_access import for_user

    for_user(sales)  # the reader's field access: the page has it already
    with django_assert_num_queries(1):
        events = timeline.events_for(long, sales)
    assert len(events) == timeline.DEFAULT_LIMIT
    assert events == sorted(events, key=lambda e: e.at, reverse=True)
    kinds = {e.kind for e in timeline.events_for(long, sales, limit=1000)}
    assert kinds == {"created", "field_change", "contact_added", "review", "merged", "attachment_upload",
                     "attachment_delete", "consent_granted", "consent_withdrawn", "followup"}


@pytest.mark.req("INFO-11", "SEC-3")
def test_the_timeline_leaves_out_changes_of_fields_hidden_from_the_reader(make_user, sales):
    person = services.customer_create(actor=sales, data=cleaned(CustomerForm, {
        "kind": "individual", "name": "赵六", "stage": "potential", "birthday": "1990-01-02"}))
    services.customer_update(actor=sales, customer=person, data={"birthday": dt.date(1991, 3, 4),
                                                                "remarks": "生日改了"})
    engineer = make_user(roles.TECHNICAL_ENGINEER)  # the shipped matrix hides the birthday from engineers
    titles = [e.title for e in timeline.events_for(person, engineer)]
    assert "修改了备注" in titles and "修改了生日" not in titles
    assert "修改了生日" in [e.title for e in timeline.events_for(person, sales)]


@pytest.mark.req("INFO-11")
def test_the_api_detail_costs_the_same_for_a_long_history(api_client, sales, fresh_and_long):
    fresh, long = fresh_and_long
    client = api_client(sales)
    client.get(f"/api/v1/customers/{fresh.pk}")
    costs = [cost(client, f"/api/v1/customers/{customer.pk}") for customer in (fresh, long)]
    assert costs[0] == costs[1] <= API_DETAIL_QUERIES, costs
    assert len(client.get(f"/api/v1/customers/{long.pk}").json()["contacts"]) == 41


# --- each tab is a page: the same answers as the customer page ----------------------------------
@pytest.mark.req("SEC-2")
def test_tabs_anonymous_without_permission_and_out_of_scope(client, make_user, login, sales, other):
    theirs = make_customer(other, "上海乙贸易有限公司", mobile="13900001111")
    for tab in TABS:
        response = client.get(tab_url(theirs, tab))
        assert response.status_code == 302 and "login" in response["Location"], tab
    admin = login(make_user(roles.SYSTEM_ADMIN))
    assert all(admin.get(tab_url(theirs, tab)).status_code == 403 for tab in TABS)
    mine = login(sales)
    assert all(mine.get(tab_url(theirs, tab)).status_code == 404 for tab in TABS)
    assert mine.get(f"{page_url(theirs)}?tab=contacts").status_code == 404
    assert mine.get(tab_url(make_customer(sales, "北京甲有限公司"), "nonsense")).status_code == 404


@pytest.mark.req("INFO-2", "INFO-11")
def test_the_page_links_every_tab_and_loads_the_first_on_demand(login, sales):
    customer = make_customer(sales, "北京甲科技有限公司", mobile="13812345678")
    services.customer_update(actor=sales, customer=customer, data={"stage": "intent"})
    client = login(sales)
    html = client.get(page_url(customer)).content.decode()
    assert f'hx-get="{tab_url(customer, "contacts")}" hx-trigger="load"' in html
    for tab in TABS:  # a plain link (no JavaScript, crawlers) and the htmx request
        assert f'href="{page_url(customer)}?tab={tab}#tabs"' in html and f'hx-get="{tab_url(customer, tab)}"' in html
    assert "138****5678" not in html  # the contacts come with their tab
    contacts = client.get(tab_url(customer, "contacts")).content.decode()
    assert "李四" in contacts and "138****5678" in contacts and "<html" not in contacts
    assert 'id="tab-contacts"' in contacts and 'aria-current="page"' in contacts
    assert "阶段" in client.get(tab_url(customer, "history")).content.decode()
    assert "李四" in client.get(f"{page_url(customer)}?tab=contacts").content.decode()

"""Service commitments (服务承诺书, SVC-6): saved and withdrawn by COMMITMENT_MANAGE holders for the customers
they see, in force by date, and tickets measured against their hours on the ticket's SLA calendar (working
hours skip the weekend); the customer page's 服务承诺 tab and /api/v1/service-commitments."""

import datetime as dt

import pytest
from django.urls import reverse

from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from kehu.customers.factories import CustomerFactory
from kehu.org import roles
from kehu.policy.evaluators.base import SHANGHAI
from kehu.policy.selectors import version_in_force
from kehu.service import commitments, services
from kehu.service.models import PRIORITY_RANK, ServiceCommitment, Ticket
from tests.customer_data import TAB_QUERIES

pytestmark = [pytest.mark.django_db, pytest.mark.req("SVC-6")]

JAN_1 = dt.date(2026, 1, 1)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def kam(make_user):
    return make_user(roles.KEY_ACCOUNT_MANAGER, full_name="陈大客户")


@pytest.fixture
def customer(kam):
    return CustomerFactory(owner=kam, department=kam.department, name="杭州华信电子科技有限公司")


@pytest.fixture
def theirs(make_user, kam):
    """A customer of another key-account manager of the same department: out of ``kam``'s scope."""
    owner = make_user(roles.KEY_ACCOUNT_MANAGER, department=kam.department)
    return CustomerFactory(owner=owner, department=owner.department, name="宁波远方机械有限公司")


def promise(actor, customer, **fields) -> ServiceCommitment:
    data = {"content": "4 小时响应，16 小时解决", "valid_from": JAN_1, "response_hours": 4, "resolution_hours": 16,
            **fields}
    return commitments.commitment_save(actor=actor, customer=customer, **data)


def ticket(customer, commitment, *, opened: dt.datetime, priority="medium", **fields) -> Ticket:
    """A ticket row as opening one stores it (the opening itself is the ticket services' and tested there)."""
    return Ticket.objects.create(
        number=f"T{Ticket.objects.count() + 1:06d}", kind="complaint", channel="phone", title="到货延迟",
        description="货物未按期送达", priority=priority, priority_rank=PRIORITY_RANK[priority], customer=customer,
        responsible=customer.owner, commitment=commitment, policy_version=version_in_force(opened), opened_at=opened,
        first_response_due=opened, resolution_due=opened, **fields)


# --- the services -------------------------------------------------------------------------------------
def test_save_edit_and_withdraw_are_audited(kam, customer):
    commitment = promise(kam, customer, standard="按战略客户服务标准", signed_by="李总")
    assert (commitment.customer, commitment.created_by, commitment.response_hours) == (customer, kam, 4)
    commitments.commitment_save(actor=kam, commitment=commitment, content="2 小时响应", valid_from=JAN_1,
                                response_hours=2, resolution_hours=16)
    commitment.refresh_from_db()
    assert commitment.content == "2 小时响应" and commitment.response_hours == 2 and commitment.standard == ""
    saved = list(AuditEntry.objects.filter(action="commitment.save").order_by("id"))
    assert [e.data["created"] for e in saved] == [True, False]
    assert saved[1].data["changed"] == ["content", "response_hours", "signed_by", "standard"]
    with clock.frozen(at("2026-03-01T10:00")):
        commitments.commitment_withdraw(actor=kam, commitment=commitment, reason="合同到期")
    commitment.refresh_from_db()
    assert commitment.withdrawn_at == at("2026-03-01T10:00")
    assert AuditEntry.objects.get(action="commitment.withdraw").data["reason"] == "合同到期"


@pytest.mark.parametrize(("fields", "code"), [
    ({"content": "  "}, "commitment_content_required"),
    ({"valid_until": dt.date(2025, 12, 31)}, "commitment_dates"),
    ({"response_hours": 24, "resolution_hours": 8}, "commitment_hours_order"),
    ({"response_hours": 0}, "commitment_hours_positive"),
])
def test_invalid_commitments_are_refused(kam, customer, fields, code):
    with pytest.raises(DomainError) as refused:
        promise(kam, customer, **fields)
    assert refused.value.code == code
    assert not ServiceCommitment.objects.exists()


def test_permission_scope_and_history_refusals(kam, customer, theirs, sales):
    with pytest.raises(PermissionDenied):
        promise(sales, customer)  # a salesperson does not manage commitments
    with pytest.raises(NotFound):
        promise(kam, theirs)
    commitment = promise(kam, customer)
    commitments.commitment_withdraw(actor=kam, commitment=commitment)
    with pytest.raises(Conflict):
        commitments.commitment_withdraw(actor=kam, commitment=commitment)
    with pytest.raises(Conflict):
        commitments.commitment_save(actor=kam, commitment=commitment, content="改", valid_from=JAN_1)
    assert AuditEntry.objects.filter(action="commitment.withdraw").count() == 1


def test_selectors_follow_the_customers_scope(kam, customer, theirs, make_user):
    mine = promise(kam, customer)
    other = promise(theirs.owner, theirs)
    assert list(commitments.commitments_for(kam)) == [mine]
    with pytest.raises(NotFound):
        commitments.commitment_for(kam, other.pk)
    vp = make_user(roles.MARKETING_VP, department=kam.department)  # the whole company
    assert set(commitments.commitments_for(vp)) == {mine, other}


def test_in_force_by_date_withdrawal_and_latest_first(kam, customer, theirs):
    old = promise(kam, customer, valid_until=dt.date(2026, 6, 30))
    new = promise(kam, customer, valid_from=dt.date(2026, 4, 1))
    assert commitments.in_force(customer, at("2025-12-31T23:00")) is None
    assert commitments.in_force(customer, at("2026-03-01T10:00")) == old
    assert commitments.in_force(customer, at("2026-05-01T10:00")) == new
    with clock.frozen(at("2026-05-02T10:00")):
        commitments.commitment_withdraw(actor=kam, commitment=new)
    assert commitments.in_force(customer, at("2026-05-01T10:00")) == new  # it was in force then
    assert commitments.in_force(customer, at("2026-05-03T10:00")) == old
    assert commitments.in_force(customer, at("2026-07-01T10:00")) is None
    assert commitments.in_force(theirs, at("2026-05-01T10:00")) is None
    assert commitments.in_force(None) is None


def test_a_merged_duplicates_commitments_go_to_the_survivor(kam, customer, make_user):
    from kehu.customers import services as customer_services

    duplicate = CustomerFactory(owner=kam, department=kam.department, name="杭州华信电子科技公司")
    moved = promise(kam, duplicate)
    manager = make_user(roles.SALES_MANAGER, department=kam.department)
    customer_services.customer_merge(actor=manager, target=customer, duplicate=duplicate)
    moved.refresh_from_db()
    assert moved.customer == customer and commitments.in_force(customer, at("2026-05-01T10:00")) == moved


# --- measuring tickets ---------------------------------------------------------------------------------
def test_measured_on_working_hours_across_a_weekend(kam, customer):
    """Medium priority runs on the working calendar (9:00–18:00): a ticket opened on Friday 16:00 has 2 hours
    on Friday, so 4 hours to respond end on Monday 11:00 and 16 to resolve on Tuesday 14:00."""
    commitment = promise(kam, customer)
    friday = at("2026-11-20T16:00")
    t = ticket(customer, commitment, opened=friday, first_response_at=at("2026-11-23T10:30"),
               resolved_at=at("2026-11-24T15:00"))
    result = commitments.measure(t, now=at("2026-11-25T09:00"))
    assert (result.response.due, result.response.state) == (at("2026-11-23T11:00"), commitments.MET)
    assert (result.resolution.due, result.resolution.state) == (at("2026-11-24T14:00"), commitments.MISSED)
    assert result.missed and not result.met


def test_a_ticket_opened_under_a_commitment_carries_it_and_is_measured(kam, customer, theirs):
    """Through the ticket services: opened on Friday 16:00, answered on Monday 10:30, resolved on Tuesday
    15:00 — the response kept the promise, the resolution did not."""
    withdrawn = promise(kam, customer, content="旧承诺")
    commitments.commitment_withdraw(actor=kam, commitment=withdrawn)
    commitment = promise(kam, customer)
    data = {"kind": "complaint", "channel": "phone", "title": "到货延迟", "description": "货物未按期送达"}
    with clock.frozen(at("2026-11-20T16:00")):
        t = services.ticket_open(actor=kam, customer=customer, **data)
        assert services.ticket_open(actor=theirs.owner, customer=theirs, **data).commitment is None
    assert t.commitment == commitment
    with clock.frozen(at("2026-11-23T10:30")):
        t = services.ticket_respond(actor=kam, ticket=t, note="已致电客户")
    assert commitments.measure(t, now=at("2026-11-23T10:31")).resolution.state == commitments.PENDING
    with clock.frozen(at("2026-11-24T15:00")):
        t = services.ticket_transition(actor=kam, ticket=t, to="resolved", cause="物流延误", solution="加急补发")
    result = commitments.measure(t, now=at("2026-11-25T09:00"))
    assert (result.response.state, result.resolution.state) == (commitments.MET, commitments.MISSED)
    assert commitments.tally([commitment], now=at("2026-11-25T09:00"))[commitment.pk] == {"missed": 1}


def test_waiting_on_the_customer_does_not_count_and_pending_until_due(kam, customer):
    commitment = promise(kam, customer, resolution_hours=None)
    t = ticket(customer, commitment, opened=at("2026-11-23T09:00"), first_response_at=at("2026-11-23T15:30"),
               pauses=[["2026-11-23T10:00:00+08:00", "2026-11-23T13:00:00+08:00"]])
    result = commitments.measure(t, now=at("2026-11-23T16:00"))
    assert result.response.due == at("2026-11-23T16:00") and result.response.state == commitments.MET
    assert result.resolution is None and result.met
    waiting = ticket(customer, commitment, opened=at("2026-11-23T09:00"),
                     pauses=[["2026-11-23T10:00:00+08:00", None]])  # still waiting: the clock stands at 1 hour
    assert commitments.measure(waiting, now=at("2026-11-24T17:00")).response.state == commitments.PENDING
    silent = ticket(customer, commitment, opened=at("2026-11-23T09:00"))
    assert commitments.measure(silent, now=at("2026-11-23T12:59")).response.state == commitments.PENDING
    assert commitments.measure(silent, now=at("2026-11-23T13:01")).response.state == commitments.MISSED
    assert commitments.measure(ticket(customer, None, opened=at("2026-11-23T09:00"))) is None


def test_tally_counts_each_commitments_tickets(kam, customer, django_assert_num_queries):
    first, second = promise(kam, customer), promise(kam, customer, valid_from=dt.date(2026, 6, 1))
    monday = at("2026-11-23T09:00")
    ticket(customer, first, opened=monday, first_response_at=monday, resolved_at=monday + dt.timedelta(hours=2))
    ticket(customer, first, opened=monday, first_response_at=monday + dt.timedelta(hours=5))
    ticket(customer, second, opened=monday)
    with django_assert_num_queries(2):
        counts = commitments.tally([first, second], now=monday + dt.timedelta(hours=1))
    assert counts[first.pk] == {"met": 1, "missed": 1}
    assert counts[second.pk] == {"pending": 1}


# --- the customer page's tab ----------------------------------------------------------------------------
def tab_url(customer) -> str:
    return reverse("customers:tab", args=[customer.pk, "commitments"])


def test_the_tab_lists_commitments_with_their_tickets_and_adds_one(login, kam, customer):
    commitment = promise(kam, customer, content="七日内上门")
    ticket(customer, commitment, opened=clock.now(), first_response_at=clock.now(), resolved_at=clock.now())
    c = login(kam)
    html = c.get(tab_url(customer)).content.decode()
    assert "七日内上门" in html and "达成 1，未达成 0，进行中 0" in html
    assert reverse("service_kb:commitment_new", args=[customer.pk]) in html
    response = c.post(reverse("service_kb:commitment_new", args=[customer.pk]), {
        "content": "专人对接", "valid_from": "2026-02-01", "response_hours": "2", "resolution_hours": "24"})
    assert response.status_code == 302 and response.url.endswith("?tab=commitments#tabs")
    assert ServiceCommitment.objects.filter(content="专人对接", response_hours=2).exists()
    response = c.post(reverse("service_kb:commitment_new", args=[customer.pk]), {
        "content": "x", "valid_from": "2026-02-01", "response_hours": "30", "resolution_hours": "24"})
    assert response.status_code == 400 and "响应时限不能长于解决时限" in response.content.decode()


def test_edit_and_withdraw_pages(login, kam, customer):
    commitment = promise(kam, customer)
    c = login(kam)
    url = reverse("service_kb:commitment_edit", args=[commitment.pk])
    assert "4 小时响应" in c.get(url).content.decode()
    assert c.post(url, {"content": "改为 3 小时", "valid_from": "2026-01-01", "response_hours": "3"}).status_code == 302
    commitment.refresh_from_db()
    assert commitment.content == "改为 3 小时" and commitment.resolution_hours is None
    c.post(reverse("service_kb:commitment_withdraw", args=[commitment.pk]), {"reason": "客户要求"})
    commitment.refresh_from_db()
    assert commitment.withdrawn_at is not None
    assert "已撤销" in c.get(tab_url(customer)).content.decode()


def test_pages_anonymous_without_permission_and_out_of_scope(client, login, kam, customer, theirs, sales,
                                                              make_user):
    commitment = promise(kam, customer)
    urls = [reverse("service_kb:commitment_edit", args=[commitment.pk])]
    posts = [reverse("service_kb:commitment_new", args=[customer.pk]),
             reverse("service_kb:commitment_withdraw", args=[commitment.pk])]
    for url in [*urls, tab_url(customer)]:
        assert client.get(url).status_code == 302
    for url in posts:
        assert client.post(url).status_code == 302
    # the customer's salesperson on its team sees the tab, without the forms, and may not write
    customer.team_members.add(sales)
    seller = login(sales)
    html = seller.get(tab_url(customer)).content.decode()
    assert "4 小时响应" in html and "service/customers" not in html
    for url in urls:
        assert seller.get(url).status_code == 403
    for url in posts:
        assert seller.post(url, {"content": "x", "valid_from": "2026-01-01"}).status_code == 403
    # another key-account manager: the customer and its commitment are not theirs
    stranger = login(theirs.owner, on=client)
    assert stranger.get(tab_url(customer)).status_code == 404
    assert stranger.get(urls[0]).status_code == 404
    assert stranger.post(posts[0], {"content": "x", "valid_from": "2026-01-01"}).status_code == 404
    assert stranger.post(posts[1]).status_code == 404
    assert ServiceCommitment.objects.count() == 1 and ServiceCommitment.objects.get().withdrawn_at is None


def test_the_tab_stays_within_its_query_budget(login, kam, customer, django_assert_max_num_queries):
    for month in range(1, 7):
        commitment = promise(kam, customer, valid_from=dt.date(2026, month, 1))
        for _n in range(3):
            ticket(customer, commitment, opened=clock.now())
    c = login(kam)
    with django_assert_max_num_queries(TAB_QUERIES["commitments"] + 2):  # + the tickets and their versions
        assert c.get(tab_url(customer)).status_code == 200


# --- the API -------------------------------------------------------------------------------------------
def test_api_create_list_detail_and_withdraw(api_client, kam, customer):
    api = api_client(kam)
    body = {"customer_id": customer.pk, "content": "2 小时响应", "valid_from": "2026-01-01", "response_hours": 2,
            "resolution_hours": 8}
    created = api.post("/api/v1/service-commitments", body, content_type="application/json",
                       headers={"Idempotency-Key": "c-1"})
    again = api.post("/api/v1/service-commitments", body, content_type="application/json",
                     headers={"Idempotency-Key": "c-1"})
    assert created.status_code == 201 and again.json() == created.json()
    assert ServiceCommitment.objects.count() == 1
    pk = created.json()["id"]
    ticket(customer, ServiceCommitment.objects.get(), opened=clock.now(), first_response_at=clock.now())
    listed = api.get(f"/api/v1/service-commitments?customer_id={customer.pk}").json()
    assert [row["id"] for row in listed["items"]] == [pk]
    detail = api.get(f"/api/v1/service-commitments/{pk}").json()
    assert (detail["tickets_met"], detail["tickets_missed"], detail["tickets_pending"]) == (0, 0, 1)
    withdrawn = api.post(f"/api/v1/service-commitments/{pk}/withdraw", {"reason": "到期"},
                         content_type="application/json")
    assert withdrawn.status_code == 200 and withdrawn.json()["withdrawn_at"]
    refused = api.post("/api/v1/service-commitments", {**body, "resolution_hours": 1},
                       content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "commitment_hours_order"


def test_api_anonymous_without_permission_and_out_of_scope(client, api_client, kam, customer, theirs, sales,
                                                           django_assert_max_num_queries):
    commitment = promise(kam, customer)
    for n in range(10):
        promise(kam, customer, valid_from=dt.date(2026, 2, n + 1))
    assert client.get("/api/v1/service-commitments").status_code == 401
    body = {"customer_id": customer.pk, "content": "x", "valid_from": "2026-01-01"}
    customer.team_members.add(sales)
    seller = api_client(sales)
    assert seller.get(f"/api/v1/service-commitments/{commitment.pk}").status_code == 200
    assert seller.post("/api/v1/service-commitments", body, content_type="application/json").status_code == 403
    assert seller.post(f"/api/v1/service-commitments/{commitment.pk}/withdraw", {},
                       content_type="application/json").status_code == 403
    stranger = api_client(theirs.owner)
    assert stranger.get(f"/api/v1/service-commitments/{commitment.pk}").status_code == 404
    assert stranger.get(f"/api/v1/service-commitments?customer_id={customer.pk}").status_code == 404
    assert stranger.get("/api/v1/service-commitments").json()["count"] == 0
    assert stranger.post("/api/v1/service-commitments", body, content_type="application/json").status_code == 404
    assert stranger.post(f"/api/v1/service-commitments/{commitment.pk}/withdraw", {},
                         content_type="application/json").status_code == 404
    own = api_client(kam)
    with django_assert_max_num_queries(7):  # token, roles, department, shared ids, count, page (+ a savepoint)
        assert own.get("/api/v1/service-commitments").json()["count"] == 11

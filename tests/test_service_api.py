"""/api/v1/tickets (SVC-1..5, FB-2) and the analysis endpoints (SVC-9, SVC-3, POL-3, FB-2): anonymous (401),
without the permission (403), out of scope (404), in scope; a ticket's whole life through the API; the
figures as on the pages; query budgets on the lists."""

from __future__ import annotations

import pytest

from kehu.core import clock
from kehu.org import roles
from tests.customer_data import make_customer
from tests.service_figures import at, category, ticket

pytestmark = [pytest.mark.django_db, pytest.mark.req("SVC-4")]
# The rating closes the loop of FB-2: its figure is in the satisfaction endpoint below.

NOW = at("2026-10-20", 10)
# Sign-in by token and the caller's roles, then the figures' own queries (analysis: totals, one grouping of
# category × kind × channel, cause, product, customer, the trend, the handling times; SLA: team and person for
# both periods, the complaint rule's two aggregates, the commitments' tickets). A ticket's detail: token, roles,
# the ticket with what it shows, its events.
ANALYSIS_QUERIES = 11
DETAIL_QUERIES = 5
SLA_QUERIES = 10


@pytest.fixture
def frozen():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def customer(sales):
    return make_customer(sales, "甲公司")


def new_ticket(client, customer, **extra):
    body = {"kind": "complaint", "channel": "phone", "title": "包装破损", "description": "到货时外箱破损",
            "customer_id": customer.pk, **extra}
    return client.post("/api/v1/tickets", body, content_type="application/json", headers={"Idempotency-Key": "k1"})


def test_anonymous_callers_get_401(client, frozen):
    for url in ("/api/v1/tickets", "/api/v1/tickets/1", "/api/v1/service-analysis", "/api/v1/service-sla-compliance",
                "/api/v1/service-satisfaction"):
        assert client.get(url).status_code == 401, url
    assert client.post("/api/v1/tickets/1/respond", {"note": "x"}, content_type="application/json").status_code == 401


def test_without_the_permission_403(api_client, make_user, sales, customer, frozen):
    mine = ticket(sales, NOW, customer=customer)
    nobody = api_client(make_user())
    assert nobody.get("/api/v1/tickets").status_code == 403
    assert nobody.get(f"/api/v1/tickets/{mine.pk}").status_code == 403
    assert new_ticket(nobody, customer).status_code == 403
    # A salesperson handles tickets but does not read the analysis.
    handler = api_client(sales)
    for url in ("/api/v1/service-analysis", "/api/v1/service-sla-compliance", "/api/v1/service-satisfaction"):
        response = handler.get(url)
        assert (response.status_code, response.json()["code"]) == (403, "permission_denied"), url


def test_out_of_scope_404(api_client, sales, other, customer, frozen):
    theirs = ticket(sales, NOW, customer=customer)
    outsider = api_client(other)
    assert outsider.get(f"/api/v1/tickets/{theirs.pk}").status_code == 404
    for step, body in (("respond", {"note": "收到"}), ("feedback", {"feedback": "已处理"}),
                       ("transition", {"to": "in_progress"})):
        assert outsider.post(f"/api/v1/tickets/{theirs.pk}/{step}", body,
                             content_type="application/json").status_code == 404, step
    assert outsider.get("/api/v1/tickets").json()["count"] == 0
    # Nor may they open a ticket on a customer they do not see.
    assert new_ticket(outsider, customer).status_code == 404


def test_a_ticket_goes_through_its_life_on_the_api(api_client, sales, customer, frozen, django_assert_max_num_queries):
    caller = api_client(sales)
    opened = new_ticket(caller, customer, category_id=category("t-pack", "包装").pk, product="A型泵")
    assert opened.status_code == 201, opened.json()
    data = opened.json()
    assert (data["status"], data["responsible_id"], data["customer"], data["category"]) == ("new", sales.pk, "甲公司",
                                                                                            "包装")
    assert data["events"][0]["action"] == "open" and "reporter_phone" not in data
    again = new_ticket(caller, customer, category_id=data["category_id"], product="A型泵")
    assert again.headers["Idempotent-Replayed"] == "true" and again.json()["id"] == data["id"]
    url = f"/api/v1/tickets/{data['id']}"
    responded = caller.post(f"{url}/respond", {"note": "已联系客户"}, content_type="application/json").json()
    assert (responded["status"], responded["response_state"]) == ("in_progress", "met")
    assert responded["available"] == ["waiting", "resolved"]
    refused = caller.post(f"{url}/transition", {"to": "resolved"}, content_type="application/json")
    assert refused.status_code == 400 and refused.json()["field"] in ("cause", "solution")
    resolved = caller.post(f"{url}/transition", {"to": "resolved", "cause": "运输", "solution": "补发"},
                           content_type="application/json").json()
    assert (resolved["status"], resolved["cause"], resolved["solution"]) == ("resolved", "运输", "补发")
    fed = caller.post(f"{url}/feedback", {"feedback": "已补发"}, content_type="application/json").json()
    assert fed["customer_feedback"] == "已补发"
    closed = caller.post(f"{url}/transition", {"to": "closed", "by_customer": True}, content_type="application/json")
    assert closed.json()["status"] == "closed"
    out_of_range = caller.post(f"{url}/rate", {"satisfaction": 6}, content_type="application/json")
    assert out_of_range.status_code == 422
    rated = caller.post(f"{url}/rate", {"satisfaction": 4, "comment": "满意"}, content_type="application/json").json()
    assert (rated["satisfaction"], rated["rating_comment"]) == (4, "满意")
    again = caller.post(f"{url}/rate", {"satisfaction": 1}, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (409, "ticket_already_rated")
    with django_assert_max_num_queries(DETAIL_QUERIES):  # however long the history
        history = caller.get(url).json()["events"]
    assert [e["action"] for e in history] == ["open", "respond", "transition", "feedback", "transition", "rate"]


def test_assigning_needs_the_right(api_client, make_user, sales, customer, frozen):
    mine = ticket(sales, NOW, customer=customer)
    colleague = make_user(roles.SALESPERSON, department=sales.department)
    refused = api_client(sales).post(f"/api/v1/tickets/{mine.pk}/assign", {"responsible_id": colleague.pk},
                                     content_type="application/json")
    assert refused.status_code == 403
    manager = make_user(roles.SALES_MANAGER, department=sales.department)
    moved = api_client(manager).post(f"/api/v1/tickets/{mine.pk}/assign", {"responsible_id": colleague.pk},
                                     content_type="application/json")
    assert moved.status_code == 200 and moved.json()["responsible_id"] == colleague.pk
    stranger = make_user(roles.SALESPERSON)
    unknown = api_client(manager).post(f"/api/v1/tickets/{mine.pk}/assign", {"responsible_id": stranger.pk},
                                       content_type="application/json")
    assert (unknown.status_code, unknown.json()["field"]) == (422, "responsible_id")


def test_the_list_filters_like_the_queue_within_its_query_budget(api_client, sales, customer, frozen,
                                                                 django_assert_max_num_queries):
    for hours in range(6):
        ticket(sales, at("2026-10-19", 9 + hours), customer=customer, kind="complaint" if hours % 2 else "inquiry")
    ticket(sales, at("2026-10-18"), customer=customer, respond_hours=1, resolve_hours=2, status="closed")
    caller = api_client(sales)
    with django_assert_max_num_queries(8):
        listed = caller.get("/api/v1/tickets").json()
    assert listed["count"] == 6  # closed ones are not in the queue by default
    assert caller.get("/api/v1/tickets", {"kind": "complaint"}).json()["count"] == 3
    assert caller.get("/api/v1/tickets", {"status": "closed"}).json()["count"] == 1
    assert caller.get("/api/v1/tickets", {"status": "nonsense"}).status_code == 422


@pytest.fixture
def team(make_user, sales):
    manager = make_user(roles.SALES_MANAGER, department=sales.department)
    return manager


@pytest.mark.req("SVC-9")
@pytest.mark.req("SVC-3")
@pytest.mark.req("POL-3")
@pytest.mark.req("FB-2")
def test_the_analysis_endpoints_give_the_pages_figures(api_client, team, sales, other, customer, frozen,
                                                       django_assert_max_num_queries):
    ticket(sales, at("2026-10-05"), respond_hours=2, resolve_hours=10, customer=customer, cause="包装破损",
           rating=5)
    ticket(sales, at("2026-10-08"), respond_hours=30, customer=customer, cause="包装破损", resolve_hours=20)
    ticket(sales, at("2026-09-08"), respond_hours=1, customer=customer)
    ticket(other, at("2026-10-08"), respond_hours=1, customer=make_customer(other, "乙公司"))  # another department
    caller = api_client(team)
    with django_assert_max_num_queries(ANALYSIS_QUERIES):
        found = caller.get("/api/v1/service-analysis", {"month": "2026-10"}).json()
    assert (found["total"], found["previous_total"], found["period"]["start"]) == (2, 1, "2026-10-01")
    assert found["by_cause"] == [{"key": "包装破损", "label": "包装破损", "count": 2, "previous": 0, "link": ""}]
    assert found["by_customer"][0]["label"] == "甲公司" and len(found["by_customer"]) == 1
    with django_assert_max_num_queries(SLA_QUERIES):
        sla = caller.get("/api/v1/service-sla-compliance", {"month": "2026-10"}).json()
    assert sla["total"]["current"]["response_share"] == 50.0
    assert sla["total"]["previous"]["response_share"] == 100.0 and sla["total"]["response_change"] == -50.0
    assert [row["label"] for row in sla["people"]] == [sales.full_name]
    assert sla["complaints_answered_in_time"]["current"]["responded_in_time"] == 1
    rated = caller.get("/api/v1/service-satisfaction", {"month": "2026-10"}).json()
    assert (rated["total"]["rated"], rated["total"]["average"], rated["distribution"]["5"]) == (1, 5.0, 1)
    bad = caller.get("/api/v1/service-analysis", {"month": "2026-13"})
    assert (bad.status_code, bad.json()["field"]) == (422, "month")

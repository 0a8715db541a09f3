"""Departure handover (OWN-5, SECURITY.md AC-8): one operation moves everything a leaving user holds to one or
more receivers in one transaction, then disables the user; a record lists what moved; nothing is left behind."""

from __future__ import annotations

import json
import time

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from kehu.customers import departure, services
from kehu.customers.factories import company_name
from kehu.customers.models import Customer, OwnershipChange, OwnershipKind
from kehu.org import handover, roles
from kehu.org import services as org_services
from kehu.org.factories import DepartmentFactory
from kehu.org.models import ApiToken, HandoverItem, HandoverRecord, User, UserSession
from kehu.org.selectors import orphaned_records

pytestmark = [pytest.mark.django_db, pytest.mark.req("OWN-5", "AC-8")]

CUSTOMERS = departure.CODE


def seed_customers(actor, owner, n: int, start: int = 0) -> list[int]:
    """``n`` customers owned by ``owner``, created in bulk as an import would."""
    entries = [({"kind": "enterprise", "name": company_name(start + i), "stage": "potential"}, ()) for i in range(n)]
    created, _refused = services.customer_create_many(actor=actor, entries=entries, owner=owner)
    return sorted(created)


@pytest.fixture
def team(make_user):
    """A sales department: its manager, the leaving salesperson, two colleagues; and another department."""
    east = DepartmentFactory(name="华东销售部")
    west = DepartmentFactory(name="华西销售部", company=east.company)
    return {
        "manager": make_user(roles.SALES_MANAGER, department=east, full_name="钱经理"),
        "leaver": make_user(roles.SALESPERSON, department=east, full_name="孙离职"),
        "a": make_user(roles.SALESPERSON, department=east, full_name="赵接手"),
        "b": make_user(roles.SALESPERSON, department=east, full_name="李接手"),
        "west_manager": make_user(roles.SALES_MANAGER, department=west, full_name="周经理"),
        "west_sales": make_user(roles.SALESPERSON, department=west, full_name="吴销售"),
    }


def owned(user) -> int:
    return Customer._base_manager.filter(owner=user).count()


# --- the operation ---------------------------------------------------------------------------------


def test_a_leaving_salespersons_3000_customers_move_to_two_colleagues_in_one_step(team, bearer, login, client):
    """The issue's "done when": 3,000 customers, two receivers, one step, a record, nothing left behind."""
    manager, leaver, a, b = team["manager"], team["leaver"], team["a"], team["b"]
    ids = seed_customers(manager, leaver, 3000)
    bearer(leaver)
    login(leaver)
    assert UserSession.objects.filter(user=leaver).exists()
    started = time.perf_counter()
    record = org_services.user_handover(actor=manager, leaver=leaver, receivers=[a, b], reason="离职")
    elapsed = time.perf_counter() - started
    print(f"\nhandover of 3,000 customers to two receivers: {elapsed:.2f} s")
    assert (owned(leaver), owned(a), owned(b)) == (0, 1500, 1500)
    assert record.counts == {CUSTOMERS: 3000}
    assert record.per_receiver == {str(a.pk): {CUSTOMERS: 1500}, str(b.pk): {CUSTOMERS: 1500}}
    items = HandoverItem.objects.filter(handover=record)
    assert sorted(items.values_list("object_id", flat=True)) == ids
    assert set(items.filter(receiver=a).values_list("object_id", flat=True)) == set(ids[0::2])
    leaver.refresh_from_db()
    assert not leaver.is_active and leaver.deactivated_at is not None
    assert not UserSession.objects.filter(user=leaver).exists()
    assert not ApiToken.objects.filter(user=leaver, revoked_at__isnull=True).exists()
    # History and audit come from the one ownership service: one row each per customer, one batch a receiver.
    changes = OwnershipChange.objects.filter(kind=OwnershipKind.HANDOVER, from_owner=leaver)
    assert changes.count() == 3000 and changes.values("batch").distinct().count() == 2
    assert AuditEntry.objects.filter(action=actions.CUSTOMER_HANDOVER).count() == 3000
    summary = AuditEntry.objects.get(action=actions.USER_HANDOVER)
    assert summary.data["counts"] == {CUSTOMERS: 3000} and summary.target_id == str(leaver.pk)
    assert AuditEntry.objects.filter(action=actions.USER_DISABLE, target_id=str(leaver.pk)).count() == 1
    # Nothing is left with an inactive user: the admin check says 0.
    assert sum(handover.orphaned().values()) == 0
    call_command("handover_check")


def test_even_split_is_deterministic_and_duties_go_to_the_first_receiver(team):
    manager, leaver, a, b = team["manager"], team["leaver"], team["a"], team["b"]
    ids = seed_customers(manager, leaver, 5)
    department = leaver.department
    department.head = leaver
    department.save()
    record = org_services.user_handover(actor=manager, leaver=leaver, receivers=[a, b], reason="离职")
    assert sorted(Customer._base_manager.filter(owner=a).values_list("pk", flat=True)) == ids[0::2]
    assert sorted(Customer._base_manager.filter(owner=b).values_list("pk", flat=True)) == ids[1::2]
    department.refresh_from_db()
    assert department.head == a
    assert record.counts == {"org.department_head": 1, CUSTOMERS: 5}
    assert record.per_receiver[str(b.pk)] == {CUSTOMERS: 2}


def test_a_rule_may_split_and_a_wrong_rule_is_refused(team):
    manager, leaver, a, b = team["manager"], team["leaver"], team["a"], team["b"]
    ids = seed_customers(manager, leaver, 4)

    def drops_one(code, found, receivers):
        return {receivers[0].pk: found[1:]}

    with pytest.raises(ValueError):
        org_services.user_handover(actor=manager, leaver=leaver, receivers=[a, b], reason="离职", split=drops_one)
    with pytest.raises(DomainError):
        org_services.user_handover(actor=manager, leaver=leaver, receivers=[a, b], reason="离职", split="by_region")
    assert owned(leaver) == 4

    def all_to_the_last(code, found, receivers):
        return {receivers[-1].pk: found}

    record = org_services.user_handover(actor=manager, leaver=leaver, receivers=[a, b], reason="离职",
                                        split=all_to_the_last)
    assert owned(b) == 4 and record.split == "all_to_the_last"
    assert sorted(HandoverItem.objects.filter(receiver=b).values_list("object_id", flat=True)) == ids


def test_a_refusal_midway_moves_nothing(team, make_user):
    manager, leaver, a = team["manager"], team["leaver"], team["a"]
    seed_customers(manager, leaver, 6)
    engineer = make_user(roles.SECURITY_ADMIN, department=leaver.department)  # an administrator holds no customers
    with pytest.raises(DomainError):
        org_services.user_handover(actor=manager, leaver=leaver, receivers=[a, engineer], reason="离职")
    leaver.refresh_from_db()
    assert leaver.is_active and owned(leaver) == 6 and owned(a) == 0
    assert not HandoverRecord.objects.exists() and not OwnershipChange.objects.filter(kind="handover").exists()


def test_a_record_that_stays_behind_refuses_the_whole_handover(team):
    manager, leaver, a = team["manager"], team["leaver"], team["a"]
    seed_customers(manager, leaver, 3)
    original = handover.HANDOVERS[CUSTOMERS]
    handover.register(handover.Handover(CUSTOMERS, original.label, original.open_rows, "owner",
                                        move=lambda ids, receiver, **_: 0, split=True))
    try:
        with pytest.raises(Conflict) as refused:
            org_services.user_handover(actor=manager, leaver=leaver, receivers=[a], reason="离职")
    finally:
        handover.register(original)
    assert refused.value.code == "handover_incomplete" and refused.value.details == {"left": {CUSTOMERS: 3}}
    leaver.refresh_from_db()
    assert leaver.is_active and not HandoverRecord.objects.exists()


def test_who_may_hand_over_whom(team, make_user):
    manager, leaver, a = team["manager"], team["leaver"], team["a"]
    seed_customers(manager, leaver, 2)
    with pytest.raises(PermissionDenied):
        org_services.user_handover(actor=a, leaver=leaver, receivers=[team["b"]], reason="离职")
    with pytest.raises(NotFound):  # out of scope: another department's manager
        org_services.user_handover(actor=team["west_manager"], leaver=leaver, receivers=[a], reason="离职")
    with pytest.raises(DomainError) as outside:  # a receiver out of the manager's scope
        org_services.user_handover(actor=manager, leaver=leaver, receivers=[team["west_sales"]], reason="离职")
    assert outside.value.code == "receiver_invalid"
    for receivers, code in (([], "receivers_required"), ([leaver], "receiver_invalid")):
        with pytest.raises(DomainError) as refused:
            org_services.user_handover(actor=manager, leaver=leaver, receivers=receivers, reason="离职")
        assert refused.value.code == code
    with pytest.raises(DomainError):
        org_services.user_handover(actor=manager, leaver=leaver, receivers=[a], reason=" ")
    with pytest.raises(DomainError):
        org_services.user_handover(actor=manager, leaver=manager, receivers=[a], reason="离职")
    # The system administrator manages accounts, not customers (三员分立): moving customers is refused.
    sysadmin = make_user(roles.SYSTEM_ADMIN)
    with pytest.raises(PermissionDenied) as administrator:
        org_services.user_handover(actor=sysadmin, leaver=leaver, receivers=[a], reason="离职")
    assert administrator.value.code == "handover_needs_transfer"
    with pytest.raises(PermissionDenied):  # disabling with a successor moves the same way
        org_services.user_disable(actor=sysadmin, user=leaver, reason="离职", successor=a)
    assert owned(leaver) == 2 and User.objects.get(pk=leaver.pk).is_active
    # A leaver holding only duties: the system administrator hands them over.
    duty_holder = make_user(roles.SALESPERSON, department=leaver.department)
    make_user(roles.SALESPERSON, department=leaver.department, manager=duty_holder)
    record = org_services.user_handover(actor=sysadmin, leaver=duty_holder, receivers=[a], reason="离职")
    assert record.counts == {"org.direct_reports": 1}


def test_the_check_names_inactive_holders(team, make_user):
    manager, leaver = team["manager"], team["leaver"]
    seed_customers(manager, leaver, 2)
    User.objects.filter(pk=leaver.pk).update(is_active=False)  # disabled behind the application's back
    found = {o.kind: o for o in orphaned_records(make_user(roles.SYSTEM_ADMIN))}
    assert found[CUSTOMERS].count == 2 and found[CUSTOMERS].holders == [(leaver, 2)]
    with pytest.raises(PermissionDenied):
        orphaned_records(manager)
    with pytest.raises(CommandError, match="2 open records"):
        call_command("handover_check")


# --- the command line --------------------------------------------------------------------------------


def test_cli_hands_over_to_several_receivers(team, capsys):
    manager, leaver, a, b = team["manager"], team["leaver"], team["a"], team["b"]
    seed_customers(manager, leaver, 3)
    call_command("handover", "--from", leaver.username, "--to", a.username, "--to", b.username,
                 "--reason", "合同到期离职", "--as", manager.username)
    out = capsys.readouterr().out
    assert f"{leaver.username} disabled, 3 records moved" in out and f"{a.username}: 客户 2" in out
    record = HandoverRecord.objects.get()
    assert record.reason == "合同到期离职" and record.channel == "cli" and record.actor == manager
    with pytest.raises(CommandError, match="已经停用"):
        call_command("handover", "--from", leaver.username, "--to", a.username, "--as", manager.username)
    with pytest.raises(CommandError, match="no user"):
        call_command("handover", "--from", "nobody", "--to", a.username, "--as", manager.username)


# --- pages ---------------------------------------------------------------------------------------------


def test_pages_permissions_and_scope(client, login, team, make_user):
    manager, leaver, a = team["manager"], team["leaver"], team["a"]
    seed_customers(manager, leaver, 2)
    record = org_services.user_handover(actor=manager, leaver=leaver, receivers=[a], reason="离职")
    pages = [reverse("org:handovers"), reverse("org:handover_new"), reverse("org:handover_detail", args=[record.pk])]
    check = reverse("org:handover_check")
    for url in [*pages, check]:
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    salesperson = login(a)
    assert all(salesperson.get(url).status_code == 403 for url in [*pages, check])
    salesperson.logout()
    west = login(team["west_manager"])  # holds the permission, but the record's leaver is out of scope
    assert west.get(pages[0]).status_code == 200 and west.get(pages[2]).status_code == 404
    assert leaver.full_name not in west.get(pages[0]).content.decode()
    assert west.get(check).status_code == 403
    west.logout()
    own = login(manager)
    assert all(own.get(url).status_code == 200 for url in pages)
    own.logout()
    sysadmin = login(make_user(roles.SYSTEM_ADMIN))
    assert all(sysadmin.get(url).status_code == 200 for url in [*pages, check])
    assert "合计 0 条" in sysadmin.get(check).content.decode()


def test_form_previews_then_hands_over(login, team):
    manager, leaver, a, b = team["manager"], team["leaver"], team["a"], team["b"]
    seed_customers(manager, leaver, 5)
    client = login(manager)
    url = reverse("org:handover_new")
    form = client.get(url).context["form"]
    assert team["west_sales"] not in form.fields["receivers"].queryset and manager not in form.fields["leaver"].queryset
    posted = {"leaver": leaver.pk, "receivers": [a.pk, b.pk], "reason": "离职"}
    preview = client.post(url, {**posted, "preview": "1"})
    assert preview.status_code == 200 and owned(leaver) == 5
    assert [(row["total"], [n for _r, n in row["shares"]]) for row in preview.context["preview"]] == [(5, [3, 2])]
    done = client.post(url, {**posted, "confirm": "1"})
    record = HandoverRecord.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse("org:handover_detail", args=[record.pk])
    page = client.get(done["Location"]).content.decode()
    assert "客户 5" in page and a.full_name in page and owned(leaver) == 0
    first = HandoverItem.objects.order_by("object_id").first().object_id
    assert f'href="{reverse("customers:detail", args=[first])}"' in page  # each moved customer links to its page
    refused = client.post(url, {**posted, "leaver": a.pk, "receivers": [a.pk], "confirm": "1"})
    assert refused.status_code == 200 and "接收人" in refused.content.decode() and a.is_active


@pytest.mark.parametrize("size", [3, 30])
def test_query_budgets(login, team, make_user, django_assert_max_num_queries, size):
    manager = team["manager"]
    for i in range(3):
        leaver = make_user(roles.SALESPERSON, department=manager.department)
        seed_customers(manager, leaver, size, start=i * size)
        org_services.user_handover(actor=manager, leaver=leaver, receivers=[team["a"], team["b"]], reason="离职")
    client = login(manager)
    # Measured the same for 3 and 30 rows a receiver. List 10: session, user, roles, scope (department); the
    # count, the records with leaver and actor, their receivers (one prefetch); session save (savepoint, update,
    # release). Detail 11: session, user, roles, scope; the record, its receivers; the items' count and page
    # (receivers joined); session save.
    with django_assert_max_num_queries(10):
        assert client.get(reverse("org:handovers")).status_code == 200
    record = HandoverRecord.objects.first()
    with django_assert_max_num_queries(11):
        assert client.get(reverse("org:handover_detail", args=[record.pk])).status_code == 200


# --- API ---------------------------------------------------------------------------------------------------


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_api(client, api_client, team, make_user):
    manager, leaver, a, b = team["manager"], team["leaver"], team["a"], team["b"]
    seed_customers(manager, leaver, 4)
    body = {"leaver_id": leaver.pk, "receiver_ids": [a.pk, b.pk], "reason": "离职"}
    assert client.get("/api/v1/handovers").status_code == 401
    assert post(client, "/api/v1/handovers", body).status_code == 401
    assert post(api_client(a), "/api/v1/handovers", body).status_code == 403
    assert post(api_client(team["west_manager"]), "/api/v1/handovers", body).status_code == 404
    created = post(api_client(manager), "/api/v1/handovers", body)
    assert created.status_code == 201, created.content
    record = created.json()
    assert record["counts"] == {CUSTOMERS: 4} and record["receiver_ids"] == sorted([a.pk, b.pk])
    caller = api_client(manager)
    assert caller.get(f"/api/v1/handovers/{record['id']}").json()["per_receiver"][str(a.pk)] == {CUSTOMERS: 2}
    assert caller.get(f"/api/v1/handovers/{record['id']}/items").json()["count"] == 4
    assert api_client(team["west_manager"]).get(f"/api/v1/handovers/{record['id']}").status_code == 404
    assert caller.get("/api/v1/admin/handover-check").status_code == 403
    check = api_client(make_user(roles.SYSTEM_ADMIN)).get("/api/v1/admin/handover-check").json()
    assert {row["kind"]: row["count"] for row in check}[CUSTOMERS] == 0


def test_pages_in_english(client, login, team, make_user):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = login(team["manager"]).get(reverse("org:handover_new")).content.decode()
    assert "Hand over a leaving colleague" in page and "Preview counts" in page
    client.logout()
    check = login(make_user(roles.SYSTEM_ADMIN)).get(reverse("org:handover_check")).content.decode()
    assert "Records held by disabled accounts" in check and "0 in total" in check

"""Customer ownership (OWN-1, OWN-2, OWN-4): one owner or one pool, transfers in bulk, locks, soft delete."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core.errors import Conflict, DomainError, PermissionDenied
from kehu.customers import ownership, timeline
from kehu.customers.factories import ContactFactory, CustomerFactory
from kehu.customers.models import Customer, OwnershipChange, OwnershipKind, Pool, TeamMember
from kehu.org import roles
from kehu.org.factories import DepartmentFactory
from tests.customer_data import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user):
    return make_user(roles.SALES_MANAGER, full_name="李经理")


@pytest.fixture
def receiver(make_user):
    return make_user(roles.SALESPERSON, full_name="赵接手", department=DepartmentFactory(name="华东销售部"))


@pytest.mark.req("OWN-1")
def test_the_database_refuses_a_customer_with_neither_or_both_owner_and_pool(sales):
    customer = make_customer(sales, "北京甲科技有限公司")
    pool = Pool.objects.get(is_default=True)
    for owner, pool_id in ((None, None), (sales.pk, pool.pk)):
        with pytest.raises(IntegrityError), transaction.atomic():
            Customer._base_manager.filter(pk=customer.pk).update(owner_id=owner, pool_id=pool_id)
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer._base_manager.create(name="无主客户", name_normalized="无主客户")
    assert Customer.objects.get(pk=customer.pk).owner == sales


@pytest.mark.req("OWN-1")
def test_customers_without_an_owner_sit_in_the_default_pool():
    pool = Pool.objects.get(is_default=True)
    assert pool.name == "公共公海" and pool.active
    assert CustomerFactory().pool == pool and ContactFactory().customer.pool == pool


@pytest.mark.req("OWN-1")
def test_the_search_triggers_survive_the_ownership_migration():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite keeps its search index in triggers")
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'customers_customer'")
        names = {row[0] for row in cursor.fetchall()}
    assert {"customers_customer_fts_insert", "customers_customer_bigrams_update",
            "customers_owner_xor_pool_insert", "customers_owner_xor_pool_update"} <= names


@pytest.mark.req("OWN-4", "SEC-5")
def test_transfer_moves_owner_department_history_and_audit_and_keeps_the_old_owner_on(manager, sales, receiver):
    customer = make_customer(sales, "北京甲科技有限公司", mobile="13812345678")
    TeamMember.objects.create(customer=customer, user=receiver)
    result = ownership.customer_transfer(actor=manager, customers=[customer], to_owner=receiver,
                                         reason="区域调整", keep_as_team_member=True)
    customer.refresh_from_db()
    assert (customer.owner, customer.department, customer.pool) == (receiver, receiver.department, None)
    assert result.count == 1 and result.carried["contacts"] == 1
    # The receiver's own membership ended; the old owner stays on, read-write.
    assert list(TeamMember.objects.filter(customer=customer).values_list("user", "access")) == [
        (sales.pk, TeamMember.WRITE)]
    change = OwnershipChange.objects.get(customer=customer)
    assert (change.kind, change.from_owner, change.to_owner, change.actor, change.reason, change.batch) == (
        OwnershipKind.TRANSFER, sales, receiver, manager, "区域调整", result.batch)
    entry = AuditEntry.objects.get(action=actions.CUSTOMER_TRANSFER, target_id=str(customer.pk))
    assert entry.reason == "区域调整" and entry.data["to_owner"] == receiver.pk and entry.data["from_owner"] == sales.pk
    event = next(e for e in timeline.events_for(customer, manager) if e.kind == "ownership_transfer")
    assert event.title == "从张销售转移给赵接手" and event.detail == "区域调整" and event.actor_name == "李经理"


@pytest.mark.req("OWN-4")
def test_transfer_of_many_customers_is_set_based(manager, sales, receiver, django_assert_max_num_queries):
    ids = [make_customer(sales, f"批量客户{n}有限公司").pk for n in range(60)]
    ownership.CHUNK, saved = 25, ownership.CHUNK
    try:
        # Per chunk of 25: lock, update, membership, carriers, history, audit (head, insert, advance).
        with django_assert_max_num_queries(40):
            result = ownership.customer_transfer(actor=manager, customers=Customer.objects.filter(pk__in=ids),
                                                 to_owner=receiver, reason="离职交接", kind=OwnershipKind.HANDOVER)
    finally:
        ownership.CHUNK = saved
    assert result.count == 60 and Customer.objects.filter(owner=receiver).count() == 60
    assert OwnershipChange.objects.filter(batch=result.batch, kind=OwnershipKind.HANDOVER).count() == 60
    assert AuditEntry.objects.filter(action=actions.CUSTOMER_HANDOVER).count() == 60


@pytest.mark.req("OWN-4")
def test_transfer_is_all_or_nothing_and_refuses_with_reasons(manager, sales, receiver):
    mine = make_customer(sales, "北京甲科技有限公司")
    theirs = make_customer(receiver, "上海乙贸易有限公司")
    with pytest.raises(Conflict) as refused:
        ownership.customer_transfer(actor=manager, customers=[mine, theirs], to_owner=receiver, reason="调整")
    assert refused.value.code == "already_owner" and "上海乙贸易有限公司" in str(refused.value.message)
    assert Customer.objects.get(pk=mine.pk).owner == sales and not OwnershipChange.objects.exists()
    with pytest.raises(DomainError) as no_reason:
        ownership.customer_transfer(actor=manager, customers=[mine], to_owner=receiver, reason=" ")
    assert no_reason.value.field == "reason"
    with pytest.raises(PermissionDenied):
        ownership.customer_transfer(actor=sales, customers=[mine], to_owner=receiver, reason="我想给他")
    receiver.is_active = False
    receiver.save()
    with pytest.raises(DomainError) as inactive:
        ownership.customer_transfer(actor=manager, customers=[mine], to_owner=receiver, reason="调整")
    assert inactive.value.code == "invalid_owner"


@pytest.mark.req("OWN-4")
def test_a_registered_carrier_moves_what_the_customer_owns(manager, sales, receiver):
    seen = []

    def carrier(*, customer_ids, to_owner, actor):
        seen.append((sorted(customer_ids), to_owner, actor))
        return 7

    ownership.register_carrier("test_things", carrier)
    try:
        customer = make_customer(sales, "北京甲科技有限公司")
        result = ownership.customer_transfer(actor=manager, customers=[customer.pk], to_owner=receiver, reason="调整")
    finally:
        ownership.CARRIERS.pop("test_things")
    assert seen == [([customer.pk], receiver, manager)] and result.carried["test_things"] == 7
    assert AuditEntry.objects.get(action=actions.CUSTOMER_TRANSFER).data["kind"] == "transfer"


@pytest.mark.req("OWN-3", "OWN-4")
def test_only_permitted_roles_lock_and_a_lock_is_on_the_history(manager, sales):
    customer = make_customer(sales, "北京甲科技有限公司")
    with pytest.raises(PermissionDenied):
        ownership.customer_lock(actor=sales, customer=customer, reason="重要客户")
    ownership.customer_lock(actor=manager, customer=customer, reason="重要客户")
    assert Customer.objects.get(pk=customer.pk).locked
    with pytest.raises(Conflict):
        ownership.customer_lock(actor=manager, customer=customer, reason="重要客户")
    ownership.customer_unlock(actor=manager, customer=customer, reason="已转为常规跟进")
    assert not Customer.objects.get(pk=customer.pk).locked
    assert list(OwnershipChange.objects.filter(customer=customer).values_list("kind", "from_owner", "to_owner")) == [
        (OwnershipKind.UNLOCK, sales.pk, sales.pk), (OwnershipKind.LOCK, sales.pk, sales.pk)]
    assert AuditEntry.objects.filter(action__in=[actions.CUSTOMER_LOCK, actions.CUSTOMER_UNLOCK]).count() == 2


@pytest.mark.req("OWN-2")
def test_deletion_is_privileged_audited_soft_and_never_by_the_owner(make_user, sales):
    vp = make_user(roles.MARKETING_VP)
    customer = make_customer(sales, "北京甲科技有限公司")
    with pytest.raises(PermissionDenied):
        ownership.customer_delete(actor=sales, customer=customer, reason="不想要了")
    mine = make_customer(vp, "上海乙贸易有限公司")
    with pytest.raises(PermissionDenied) as own:
        ownership.customer_delete(actor=vp, customer=mine, reason="不想要了")
    assert own.value.code == "owner_cannot_delete"
    ownership.customer_delete(actor=vp, customer=customer, reason="重复录入的测试数据")
    row = Customer._base_manager.get(pk=customer.pk)
    assert row.deleted_at is not None and row.owner == sales  # kept for retention, out of every list
    assert not Customer.objects.visible_to(sales).filter(pk=customer.pk, deleted_at=None).exists()
    entry = AuditEntry.objects.get(action=actions.CUSTOMER_DELETE)
    assert entry.reason == "重复录入的测试数据" and entry.actor == vp


@pytest.mark.req("OWN-1")
def test_team_members_with_access_and_expiry_set_by_the_owner(make_user, sales, other):
    from kehu.core import clock
    from kehu.customers.tasks import end_expired_memberships

    customer = make_customer(sales, "北京甲科技有限公司")
    now = clock.now()
    with pytest.raises(PermissionDenied):
        ownership.team_member_set(actor=other, customer=customer, user=other, access=TeamMember.READ)
    with pytest.raises(DomainError) as past:
        ownership.team_member_set(actor=sales, customer=customer, user=other, access=TeamMember.READ,
                                  expires_at=now - dt.timedelta(hours=1))
    assert past.value.code == "expiry_in_past"
    with pytest.raises(DomainError):
        ownership.team_member_set(actor=sales, customer=customer, user=sales, access=TeamMember.READ)
    ownership.team_member_set(actor=sales, customer=customer, user=other, access=TeamMember.WRITE,
                              expires_at=now + dt.timedelta(days=2))
    assert Customer.objects.visible_to(other).filter(pk=customer.pk).exists()  # shared scope
    with clock.frozen(now + dt.timedelta(days=1)):
        assert end_expired_memberships.call() == 0
    with clock.frozen(now + dt.timedelta(days=2)):
        assert end_expired_memberships.call() == 1
        assert end_expired_memberships.call() == 0
    assert not Customer.objects.visible_to(other).filter(pk=customer.pk).exists()
    assert AuditEntry.objects.filter(action=actions.TEAM_MEMBER_EXPIRE, actor=None).count() == 1
    ownership.team_member_set(actor=sales, customer=customer, user=other, access=TeamMember.READ)
    ownership.team_member_remove(actor=sales, customer=customer, user=other)
    assert AuditEntry.objects.filter(action__in=[actions.TEAM_MEMBER_SET, actions.TEAM_MEMBER_REMOVE]).count() == 3

"""Public pools and their rules (OWN-3): claims within the limits, releases, assignments, the return sweep."""

import copy
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from kehu.customers import ownership, pools, services, timeline
from kehu.customers.models import Customer, OwnershipChange, OwnershipKind, Pool, TeamMember
from kehu.customers.tasks import return_customers_to_pools
from kehu.org import roles
from kehu.org.factories import DepartmentFactory
from kehu.policy import services as policy_services
from kehu.policy.evaluators import pools as rules
from kehu.policy.models import Policy
from tests import customer_data
from tests.customer_data import make_customer

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 11, 2, 10, 0, tzinfo=SH)


def day(n: int, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(T0.date() + dt.timedelta(days=n), dt.time(hour), tzinfo=SH)


@pytest.fixture
def manager(make_user, sales):
    return make_user(roles.SALES_MANAGER, full_name="李经理", department=sales.department)


def policy_with(make_user, **pool_rules):
    """Publish a version whose pool rules differ as given, in force from before T0."""
    drafter, approver = make_user(roles.SYSTEM_ADMIN), make_user(roles.GENERAL_MANAGER)
    policy = Policy.objects.get(code="customer_management")
    with clock.frozen(T0 - dt.timedelta(days=3)):
        version = policy_services.policy_version_draft(actor=drafter, policy=policy)
        changed = copy.deepcopy(version.rules)
        changed["pools"].update(pool_rules)
        policy_services.policy_version_update(actor=drafter, version=version, rules=changed,
                                              effective_from=T0 - dt.timedelta(days=2), summary="公海规则调整")
        policy_services.policy_version_submit(actor=drafter, version=version)
        return policy_services.policy_version_publish(actor=approver, version=version)


def pooled(owner, name: str, **extra) -> Customer:
    return customer_data.pooled(owner, name, T0, **extra)


@pytest.mark.req("OWN-3", "OWN-4")
def test_claim_takes_a_customer_from_the_pool(sales, other):
    customer = pooled(other, "北京甲科技有限公司")
    assert (customer.owner, customer.pool.is_default, customer.received_at) == (None, True, None)
    with clock.frozen(day(8)):
        result = ownership.customer_claim(actor=sales, customer=customer)
    customer.refresh_from_db()
    assert (customer.owner, customer.pool, customer.department, customer.received_at) == (
        sales, None, sales.department, day(8))
    change = OwnershipChange.objects.get(batch=result.batch)
    assert (change.kind, change.from_owner, change.to_owner, change.pool.is_default) == (
        OwnershipKind.CLAIM, None, sales, True)
    assert AuditEntry.objects.filter(action=actions.CUSTOMER_CLAIM, target_id=str(customer.pk)).count() == 1
    titles = [e.title for e in timeline.events_for(customer, sales)]
    assert titles[:2] == ["从公共公海领取", "王五退回公共公海"]
    with pytest.raises(NotFound):  # claimed: no longer in the pool
        ownership.customer_claim(actor=other, customer=customer)


@pytest.mark.req("OWN-3")
def test_holding_cap_refuses_with_the_count_and_won_customers_do_not_count(make_user, sales, other):
    policy_with(make_user, holding_cap=2)
    with clock.frozen(T0):
        make_customer(sales, "自有甲有限公司")
        make_customer(sales, "自有乙有限公司", stage="customer")  # won: not counted by default
    first, second = pooled(other, "北京甲科技有限公司"), pooled(other, "上海乙贸易有限公司")
    with clock.frozen(day(1)):
        ownership.customer_claim(actor=sales, customer=first)
        with pytest.raises(Conflict) as refused:
            ownership.customer_claim(actor=sales, customer=second)
    assert refused.value.code == rules.HOLDING_CAP
    assert str(refused.value.message) == "您已持有 2/2 个客户，达到持有上限，请先跟进或退回部分客户。"
    assert refused.value.details == {"rule": rules.HOLDING_CAP, "policy_version": 2}
    assert Customer.objects.get(pk=second.pk).owner is None


@pytest.mark.req("OWN-3")
def test_daily_claim_cap_resets_the_next_day(make_user, sales, other):
    policy_with(make_user, daily_claim_cap=2)
    waiting = [pooled(other, f"待领取{n}有限公司") for n in range(3)]
    with clock.frozen(day(1, 9)):
        ownership.customer_claim(actor=sales, customer=waiting[0])
        ownership.customer_claim(actor=sales, customer=waiting[1])
    with clock.frozen(day(1, 23)), pytest.raises(Conflict) as refused:
        ownership.customer_claim(actor=sales, customer=waiting[2])
    assert refused.value.code == rules.DAILY_CAP and "2/2" in str(refused.value.message)
    with clock.frozen(day(2, 0)):
        ownership.customer_claim(actor=sales, customer=waiting[2])


@pytest.mark.req("OWN-3")
def test_a_former_owner_waits_out_the_cooldown_others_do_not(sales, other):
    customer = pooled(sales, "北京甲科技有限公司")
    with clock.frozen(day(6, 23)), pytest.raises(Conflict) as refused:
        ownership.customer_claim(actor=sales, customer=customer)
    assert refused.value.code == rules.COOLDOWN
    assert str(refused.value.message) == "您 6 天前退回了该客户，11-09 起可重新领取（冷却期 7 天）。"
    with clock.frozen(day(7, 0)):
        ownership.customer_claim(actor=sales, customer=customer)
    assert Customer.objects.get(pk=customer.pk).owner == sales


@pytest.mark.req("OWN-3", "OWN-4")
def test_release_needs_the_owner_a_reason_and_no_lock_and_ends_the_team(manager, sales, other):
    customer = make_customer(sales, "北京甲科技有限公司")
    TeamMember.objects.create(customer=customer, user=other)
    with pytest.raises(DomainError) as no_reason:
        ownership.customer_release(actor=sales, customer=customer, reason="")
    assert no_reason.value.field == "reason"
    with pytest.raises(PermissionDenied):
        ownership.customer_release(actor=other, customer=customer, reason="不是我的")
    ownership.customer_lock(actor=manager, customer=customer, reason="重点跟进")
    with pytest.raises(Conflict) as locked:
        ownership.customer_release(actor=sales, customer=customer, reason="不想跟了")
    assert locked.value.code == "locked"
    ownership.customer_unlock(actor=manager, customer=customer, reason="可以放开")
    ownership.customer_release(actor=sales, customer=customer, reason="客户无采购计划")
    customer.refresh_from_db()
    assert customer.owner is None and customer.pool.is_default and not TeamMember.objects.exists()
    assert customer.department == sales.department  # managers above still see where it came from
    assert AuditEntry.objects.get(action=actions.CUSTOMER_RELEASE).reason == "客户无采购计划"


@pytest.mark.req("OWN-3")
def test_pools_by_membership_and_a_department_pool_takes_its_members_releases(make_user, sales, other):
    east = Pool.objects.create(code="east", name="华东公海", name_en="East China pool")
    east.member_departments.add(sales.department)
    assert pools.home_pool(sales) == east and pools.home_pool(other).is_default
    below = make_user(roles.SALESPERSON, department=DepartmentFactory(parent=sales.department,
                                                                      company=sales.department.company))
    assert set(pools.pools_for(below)) == {east, Pool.objects.get(is_default=True)}  # the default is open
    assert set(pools.pools_for(other)) == {Pool.objects.get(is_default=True)}
    customer = make_customer(sales, "北京甲科技有限公司")
    ownership.customer_release(actor=sales, customer=customer, reason="无意向")
    assert Customer.objects.get(pk=customer.pk).pool == east
    with pytest.raises(NotFound):
        ownership.customer_claim(actor=other, customer=customer)
    ownership.customer_claim(actor=below, customer=customer)


@pytest.mark.req("OWN-3", "OWN-4")
def test_assign_by_a_manager_or_a_pool_admin_within_the_holding_cap(make_user, manager, sales, other):
    policy_with(make_user, holding_cap=1)
    first, second = pooled(other, "北京甲科技有限公司"), pooled(other, "上海乙贸易有限公司")
    with clock.frozen(day(1)):
        with pytest.raises(PermissionDenied):
            ownership.customer_assign(actor=other, customers=[first], to_owner=sales, reason="请跟进")
        Pool.objects.get(is_default=True).admins.add(other)
        ownership.customer_assign(actor=other, customers=[first], to_owner=sales, reason="请跟进")
        with pytest.raises(Conflict) as full:
            ownership.customer_assign(actor=manager, customers=[second], to_owner=sales, reason="请跟进")
    assert str(full.value.message) == "张销售已持有 1/1 个客户，不能再分配 1 个。"
    assert OwnershipChange.objects.get(customer=first, kind=OwnershipKind.ASSIGN).actor == other


@pytest.mark.req("OWN-3")
def test_pool_customers_hide_contact_details_until_claimed(manager, sales):
    customer = pooled(sales, "北京甲科技有限公司", mobile="13812345678")
    seen = Customer.objects.visible_to(manager).get(pk=customer.pk)  # the department's manager sees it…
    with pytest.raises(PermissionDenied) as masked:  # …but not its contact's number while it is in the pool
        services.pii_reveal(actor=manager, obj=seen.contacts.get(), field="mobile", reason="核对号码")
    assert masked.value.code == "masked_in_pool"
    row = pools.pool_customers(manager).get(pk=customer.pk)
    assert str(row.primary_contacts[0].mobile) == "138****5678" and row.former_owner_id == sales.pk
    with clock.frozen(day(8)):
        ownership.customer_claim(actor=manager, customer=customer)
    contact = Customer.objects.visible_to(manager).get(pk=customer.pk).contacts.get()
    assert services.pii_reveal(actor=manager, obj=contact, field="mobile", reason="电话回访") == "13812345678"


# --- the return sweep ---------------------------------------------------------------------------------------
@pytest.mark.req("OWN-3")
def test_sweep_day_29_stays_day_30_returns_with_rule_and_version(sales):
    with clock.frozen(T0):
        customer = make_customer(sales, "北京甲科技有限公司")
    with clock.frozen(day(29, 23)):
        assert ownership.pool_return_sweep().returned == 0
    with clock.frozen(day(30, 0)):
        result = ownership.pool_return_sweep()
        assert (result.returned, result.by_rule, result.policy_version) == (1, {rules.NO_FOLLOWUP: 1}, 1)
        assert ownership.pool_return_sweep().returned == 0  # idempotent
    customer.refresh_from_db()
    assert customer.owner is None and customer.pool.is_default
    change = OwnershipChange.objects.get(customer=customer, kind=OwnershipKind.RETURN)
    assert (change.rule, change.policy_version, change.actor, change.from_owner) == (rules.NO_FOLLOWUP, 1, None, sales)
    assert "30 天无跟进" in change.reason
    entry = AuditEntry.objects.get(action=actions.CUSTOMER_RETURN)
    assert entry.actor is None and entry.data["rule"] == rules.NO_FOLLOWUP and entry.data["policy_version"] == 1
    event = next(e for e in timeline.events_for(customer, sales) if e.kind == "ownership_return_to_pool")
    assert event.title == "按规则退回公共公海" and "制度第 1 版" in event.detail and event.actor_name == "系统"


@pytest.mark.req("OWN-3")
def test_sweep_counts_from_the_last_contact_and_spares_locked_strategic_and_key(manager, sales):
    with clock.frozen(T0):
        contacted = make_customer(sales, "北京甲科技有限公司")
        locked = make_customer(sales, "上海乙贸易有限公司")
        ownership.customer_lock(actor=manager, customer=locked, reason="战略合作洽谈中")
        strategic = make_customer(sales, "深圳丙电子有限公司")
        key = make_customer(sales, "广州丁物流有限公司")
    Customer.objects.filter(pk=strategic.pk).update(tier="strategic")
    Customer.objects.filter(pk=key.pk).update(tier="key")
    Customer.objects.filter(pk=contacted.pk).update(last_contact_at=day(10))
    with clock.frozen(day(39)):
        assert ownership.pool_return_sweep().returned == 0
    with clock.frozen(day(400)):
        assert ownership.pool_return_sweep().returned == 1
    assert set(Customer.objects.filter(owner=sales).values_list("pk", flat=True)) == {locked.pk, strategic.pk, key.pk}


@pytest.mark.req("OWN-3")
def test_warning_window_and_the_database_condition_agree_with_the_evaluator(sales):
    with clock.frozen(T0):
        made = [make_customer(sales, f"客户{n}有限公司") for n in range(4)]
    Customer.objects.filter(pk=made[1].pk).update(last_contact_at=day(3))
    Customer.objects.filter(pk=made[2].pk).update(stage="customer", last_contact_at=day(70))
    Customer.objects.filter(pk=made[3].pk).update(tier="general", last_contact_at=day(85))
    for n in [*range(25, 35), *range(85, 101)]:
        for hour in (0, 23):
            now = day(n, hour)
            with clock.frozen(now):
                rows = list(Customer.objects.filter(owner=sales))
                decisions = pools.return_decisions(rows, now)
                expected_due = {pk for pk, d in decisions.items() if d.due}
                expected_soon = {pk for pk, d in decisions.items() if d.due or d.warn}
                policy = pools.return_window_q(ownership.pool_rules(now)[0], now)
                assert set(Customer.objects.filter(policy).values_list("pk", flat=True)) == expected_due, now
                assert set(pools.returning_soon(sales, now).values_list("pk", flat=True)) == expected_soon, now
    with clock.frozen(day(26)):
        assert not pools.returning_soon(sales).filter(pk=made[0].pk).exists()
    with clock.frozen(day(27)):
        assert pools.returning_soon(sales).filter(pk=made[0].pk).exists()  # 3 days before day 30


@pytest.mark.req("OWN-3")
def test_the_nightly_task_runs_the_sweep(sales):
    from kehu.core import schedule

    assert schedule.REGISTRY[return_customers_to_pools.module_path].daily_at == dt.time(2, 0)
    with clock.frozen(T0):
        make_customer(sales, "北京甲科技有限公司")
    with clock.frozen(day(30)):
        assert return_customers_to_pools.call() == 1
    assert AuditEntry.objects.get(action=actions.CUSTOMER_RETURN).channel == "task"

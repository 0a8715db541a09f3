"""Reads of the public pools and of where each customer stands under the pool rules (OWN-3).

Who may use a pool: its members (named users, or departments with everything below them), its admins,
holders of ``customer.pool.manage``, and everyone holding ``customer.pool.use`` when the pool names no
members at all (an open pool, like the default one). Pool customers are read here, not through the
archive's data scope: a salesperson sees the pool's customers without seeing their contact details
(masked until claimed, when the policy says so).

When a customer returns is decided by the pure evaluator ``policy.evaluators.pools.return_due``; the
lists ask it for the rows they show. ``return_window_q`` is the same rule as a database condition, for
counts and for the sweep's first cut; a test holds the two together at every boundary.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.core.errors import NotFound
from kehu.customers import permissions as perms
from kehu.customers.models import Contact, Customer, OwnershipChange, OwnershipKind, Pool, Stage
from kehu.customers.search import apply_search
from kehu.org.access import require_any_permission, require_permission
from kehu.policy.evaluators.base import SHANGHAI
from kehu.policy.evaluators.pools import ClaimDecision, ReturnDecision, claim_allowed, return_due
from kehu.policy.schemas import PoolsRules

WON = Stage.CUSTOMER  # 成交: a won customer (deals are not recorded yet; see return_due's ``won``)
LOST = (OwnershipKind.RELEASE, OwnershipKind.RETURN)  # how a former owner loses a customer to a pool


# --- membership -------------------------------------------------------------------------------------------
def department_prefixes(user) -> list[str]:
    """The paths of the user's department and every department above it (``c1.ab.cd.`` → ``c1.ab.``, …)."""
    if not user.department_id:
        return []
    parts = user.department.path.rstrip(".").split(".")
    return [".".join(parts[:n]) + "." for n in range(2, len(parts) + 1)]


def _through(name: str):
    return Pool._meta.get_field(name).remote_field.through


def member_condition(user) -> Q:
    """Pools naming ``user``, or their department or one above it, as a member."""
    users, departments = _through("member_users"), _through("member_departments")
    return (Q(Exists(users.objects.filter(pool_id=OuterRef("pk"), user_id=user.pk)))
            | Q(Exists(departments.objects.filter(pool_id=OuterRef("pk"),
                                                  department__path__in=department_prefixes(user)))))


def _open_condition() -> Q:
    users, departments = _through("member_users"), _through("member_departments")
    return (~Q(Exists(users.objects.filter(pool_id=OuterRef("pk"))))
            & ~Q(Exists(departments.objects.filter(pool_id=OuterRef("pk")))))


def _admin_condition(user) -> Q:
    return Q(Exists(_through("admins").objects.filter(pool_id=OuterRef("pk"), user_id=user.pk)))


def pools_for(user) -> QuerySet[Pool]:
    """The active pools ``user`` may browse and claim from (assign from, for their admins)."""
    require_any_permission(user, [perms.POOL_USE, perms.TRANSFER, perms.POOL_MANAGE])
    pools = Pool.objects.filter(active=True)
    if user.has_permission(perms.POOL_MANAGE):
        return pools
    return pools.filter(member_condition(user) | _open_condition() | _admin_condition(user))


def pool_for(user, pk: int) -> Pool:
    pool = pools_for(user).filter(pk=pk).first()
    if pool is None:
        raise NotFound("not_found", _("公海不存在，或您无权查看。"))
    return pool


def administers(user, pools_) -> bool:
    """Does ``user`` administer at least one of ``pools_`` (all of them, with ``customer.pool.manage``)?"""
    ids = [p.pk for p in pools_]
    return bool(ids) and (user.has_permission(perms.POOL_MANAGE)
                          or Pool.admins.through.objects.filter(pool_id__in=ids, user_id=user.pk).exists())


def administers_all(user, pool_ids) -> bool:
    ids = set(pool_ids)
    return user.has_permission(perms.POOL_MANAGE) or Pool.admins.through.objects.filter(
        pool_id__in=ids, user_id=user.pk).count() == len(ids)


def home_pool(user) -> Pool:
    """Where ``user``'s customers go when released or returned: their first pool, else the default."""
    if user is not None:
        pool = Pool.objects.filter(member_condition(user), active=True).order_by("-is_default", "code").first()
        if pool is not None:
            return pool
    return Pool.objects.get(is_default=True)


def pools_to_manage(user) -> QuerySet[Pool]:
    """Every pool, with how many customers wait in it (``customer.pool.manage``)."""
    require_permission(user, perms.POOL_MANAGE)
    return Pool.objects.annotate(waiting=Count("customers", filter=Q(customers__deleted_at=None))).order_by(
        "-is_default", "code")


# --- pool customers ---------------------------------------------------------------------------------------
def _last_change(field: str) -> Subquery:
    return Subquery(OwnershipChange.objects.filter(customer=OuterRef("pk")).order_by("-at", "-id").values(field)[:1])


def pool_customers(user, *, pool: Pool | None = None, q: str = "", filters: dict | None = None) -> QuerySet[Customer]:
    """The customers waiting in ``pool`` (or in every pool ``user`` may use), newest first, narrowed by
    ``filters`` (tier, industry, province), each with when and why it entered (``pooled_at``,
    ``pooled_reason``, ``pooled_rule``), its former owner's id (``former_owner_id``) and its primary
    contact (``primary_contacts``, to be shown masked)."""
    pools = [pool.pk] if pool is not None else pools_for(user).values("pk")
    rows = Customer._base_manager.filter(pool__in=pools, deleted_at=None, **(filters or {}))
    rows = apply_search(rows, q)
    return (rows.select_related("pool").order_by("-id")
            .annotate(pooled_at=_last_change("at"), pooled_reason=_last_change("reason"),
                      pooled_rule=_last_change("rule"), former_owner_id=_last_change("from_owner"))
            .prefetch_related(Prefetch("contacts", queryset=Contact.objects.filter(is_primary=True),
                                       to_attr="primary_contacts")))


def pool_customer_for(user, pk: int) -> Customer:
    """One customer waiting in a pool ``user`` may use; NotFound otherwise (claimed meanwhile, say)."""
    customer = (Customer._base_manager.filter(pk=pk, deleted_at=None, pool__in=pools_for(user).values("pk"))
                .select_related("pool").first())
    if customer is None:
        raise NotFound("not_in_pool", _("该客户不在您可领取的公海中（可能已被领取）。"))
    return customer


# --- claims -----------------------------------------------------------------------------------------------
def ownership_history(customer) -> QuerySet:
    """Who held ``customer`` and how it changed hands, newest first (the caller loaded the customer
    through the reader's scope)."""
    return OwnershipChange.objects.filter(customer=customer).select_related("from_owner", "to_owner", "pool", "actor")


def start_of_day(now: dt.datetime) -> dt.datetime:
    local = now.astimezone(SHANGHAI)
    return dt.datetime.combine(local.date(), dt.time(0), tzinfo=SHANGHAI)


@dataclass(frozen=True)
class Holding:
    total: int
    won: int
    claimed_today: int

    def counted(self, rules: PoolsRules) -> int:
        return self.total if rules.holding_cap_counts_won else self.total - self.won


def holding_of(user, now: dt.datetime) -> Holding:
    """How many live customers ``user`` owns (and how many are won), and how many they claimed today."""
    counts = Customer._base_manager.filter(owner=user, deleted_at=None).aggregate(
        total=Count("pk"), won=Count("pk", filter=Q(stage=WON)))
    claimed = OwnershipChange.objects.filter(to_owner=user, kind=OwnershipKind.CLAIM,
                                             at__gte=start_of_day(now)).count()
    return Holding(total=counts["total"], won=counts["won"], claimed_today=claimed)


def lost_at(user, customer_id: int) -> dt.datetime | None:
    """When ``user`` last lost this customer to a pool (released or returned), None if never."""
    return (OwnershipChange.objects.filter(customer_id=customer_id, from_owner=user, kind__in=LOST)
            .order_by("-at").values_list("at", flat=True).first())


def claim_decision(user, customer: Customer, rules: PoolsRules, version: int, now: dt.datetime) -> ClaimDecision:
    held = holding_of(user, now)
    return claim_allowed(rules, held.total, held.won, held.claimed_today, lost_at(user, customer.pk), now,
                         version=version)


# --- where owned customers stand ----------------------------------------------------------------------------
def received(customer) -> dt.datetime:
    """When the owner got the customer: ``received_at``, else (rows older than ownership) its creation."""
    return customer.received_at or customer.created_at


def decide_return(rules: PoolsRules, customer, now: dt.datetime, version: int) -> ReturnDecision:
    """The evaluator on one customer's facts; ``last_contact_at`` is the newest follow-up's time (kehu.engagement)."""
    return return_due(rules, customer.tier, customer.last_contact_at, received(customer), customer.locked, now,
                      won=customer.stage == WON, version=version)


def return_decisions(customers, now: dt.datetime | None = None, *, version=None) -> dict[int, ReturnDecision]:
    """{customer id: decision} for the owned customers among ``customers`` (a list page's rows), by the
    policy ``version`` in force (read here when the caller has not read it already)."""
    from kehu.policy.selectors import version_in_force

    now = now or clock.now()
    owned = [c for c in customers if c.owner_id]
    if not owned:
        return {}
    version = version or version_in_force(now)
    rules = version.section("pools")
    return {c.pk: decide_return(rules, c, now, version.number) for c in owned}


def _day_start(now: dt.datetime, days_back: int) -> dt.datetime:
    """Midnight (Shanghai) ``days_back`` days before today: an anchor before it is more than that many days old."""
    return start_of_day(now) - dt.timedelta(days=days_back)


def return_window_q(rules: PoolsRules, now: dt.datetime, within_days: int = 0) -> Q:
    """Owned customers the rules return within ``within_days`` days (0: due now), as a database condition:
    locked customers and the never-returning tiers are out; each tier's rule (or the default rule) is
    "days since the later of the event and receipt ≥ limit - within_days". Matches ``decide_return``."""
    def received_before(cutoff: dt.datetime) -> Q:
        return Q(received_at__lt=cutoff) | Q(received_at=None, created_at__lt=cutoff)

    def rule_q(rule) -> Q:
        condition = Q(pk__in=[])
        if rule.no_followup_days is not None:
            cutoff = _day_start(now, rule.no_followup_days - within_days - 1)
            condition |= received_before(cutoff) & (Q(last_contact_at=None) | Q(last_contact_at__lt=cutoff))
        if rule.no_deal_days is not None:
            condition |= received_before(_day_start(now, rule.no_deal_days - within_days - 1)) & ~Q(stage=WON)
        if rule.no_opportunity_days is not None:  # no opportunities are recorded yet: counted from receipt
            condition |= received_before(_day_start(now, rule.no_opportunity_days - within_days - 1))
        return condition

    overridden = [t for t in rules.tier_overrides if t not in rules.never_return_tiers]
    by_tier = Q(pk__in=[])
    for tier in overridden:
        by_tier |= Q(tier=tier) & rule_q(rules.tier_overrides[tier])
    by_tier |= ~Q(tier__in=overridden) & rule_q(rules.return_rule)
    return (Q(owner__isnull=False, locked=False, deleted_at=None) & ~Q(tier__in=rules.never_return_tiers)
            & by_tier)


def returning_soon_q(now: dt.datetime, rules: PoolsRules | None = None) -> Q:
    """Owned customers the rules in force (``rules``, when the caller read them already) return within the
    warning period (or due now)."""
    from kehu.policy.selectors import rules_in_force

    rules = rules or rules_in_force("pools", now)
    return return_window_q(rules, now, rules.warn_days_before)


def returning_soon(user, now: dt.datetime | None = None, *, rules: PoolsRules | None = None) -> QuerySet[Customer]:
    """``user``'s own customers the rules return within the warning period (or due now)."""
    return Customer._base_manager.filter(returning_soon_q(now or clock.now(), rules), owner=user)

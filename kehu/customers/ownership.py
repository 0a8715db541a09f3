"""Who holds a customer, and every way that changes (客户产权, OWN-1..4).

A customer has exactly one owner or sits in one pool (a database constraint). Every change of hands
goes through this module's services, which write the customer rows set-based, one ``OwnershipChange``
history row and one audit entry per customer, in one transaction; a departure handover moving
thousands of customers costs a few queries per 500 of them, not per customer.

What a customer owns travels with it. Rows that simply point at the customer (contacts, its files,
its history) need nothing: they follow the foreign key. Rows that have an owner of their own (open
opportunities, contracts, open tickets, …) are re-pointed by a *carrier* their app registers from its
``AppConfig.ready()``::

    from kehu.customers import ownership

    ownership.register_carrier("opportunities", carry_open_opportunities)

A carrier is ``carrier(*, customer_ids, to_owner, actor) -> int``: it gives the rows of ONE relation
belonging to ``customer_ids`` to ``to_owner`` (set-based) and returns how many it moved; the counts end
up in the operation's result (a handover record lists them). Carriers run before the customer rows change
hands, so a carrier can still tell the old owner's rows from others (``customer__owner``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext as _

from kehu.compliance import actions, audit
from kehu.core import clock
from kehu.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from kehu.core.i18n import pick
from kehu.customers import hooks, pools
from kehu.customers import permissions as perms
from kehu.customers.models import Contact, Customer, OwnershipChange, OwnershipKind, Pool, TeamMember
from kehu.customers.timeline import TimelineEvent, columns
from kehu.org.access import require_permission
from kehu.policy.evaluators.pools import HOLDING_CAP

Carrier = Callable[..., int]
CARRIERS: dict[str, Carrier] = {}
CHUNK = 500  # customers per set-based step (and per bound-parameter list)
REASON_MIN_LENGTH = 2
REASON_MAX_LENGTH = 500


def register_carrier(name: str, carrier: Carrier) -> Carrier:
    """Add (or replace, by ``name``) what moves with a customer when it changes hands."""
    CARRIERS[name] = carrier
    return carrier


def _contacts(*, customer_ids: list[int], to_owner, actor) -> int:
    # Contacts belong to the customer (a foreign key): they move with it. Counted for the record.
    return Contact.objects.filter(customer_id__in=customer_ids).count()


register_carrier("contacts", _contacts)


def carry_all(*, customer_ids: list[int], to_owner, actor) -> dict[str, int]:
    return {name: carrier(customer_ids=customer_ids, to_owner=to_owner, actor=actor)
            for name, carrier in CARRIERS.items()}


# --- changing hands ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OwnershipResult:
    """What one ownership operation did: its kind, the batch id its history rows share, how many
    customers changed hands and what moved with them ({carrier name: rows})."""

    kind: str
    batch: uuid.UUID
    count: int
    carried: dict[str, int] = field(default_factory=dict)


_ACTIONS = {
    OwnershipKind.CLAIM: actions.CUSTOMER_CLAIM,
    OwnershipKind.ASSIGN: actions.CUSTOMER_ASSIGN,
    OwnershipKind.TRANSFER: actions.CUSTOMER_TRANSFER,
    OwnershipKind.HANDOVER: actions.CUSTOMER_HANDOVER,
    OwnershipKind.RELEASE: actions.CUSTOMER_RELEASE,
    OwnershipKind.RETURN: actions.CUSTOMER_RETURN,
    OwnershipKind.LOCK: actions.CUSTOMER_LOCK,
    OwnershipKind.UNLOCK: actions.CUSTOMER_UNLOCK,
}
TO_OWNER_KINDS = (OwnershipKind.CLAIM, OwnershipKind.ASSIGN, OwnershipKind.TRANSFER, OwnershipKind.HANDOVER)


def clean_reason(reason: str | None, *, required: bool = True) -> str:
    reason = (reason or "").strip()
    if required and len(reason) < REASON_MIN_LENGTH:
        raise DomainError("reason_required", _("请填写原因（至少 %(n)d 个字）。") % {"n": REASON_MIN_LENGTH},
                          field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError("reason_too_long", _("原因不超过 %(n)d 个字。") % {"n": REASON_MAX_LENGTH}, field="reason")
    return reason


def _check_receiver(user) -> None:
    """Customers go to active business users who may see customers, never to an administrator duty."""
    if user is None or not user.is_active or user.admin_duty or not user.has_permission(perms.VIEW):
        raise DomainError("invalid_owner", _("只能交给在职、可查看客户的业务人员。"), field="to_owner")


def _ids(customers) -> list[int]:
    if isinstance(customers, QuerySet):
        return sorted(customers.order_by().values_list("pk", flat=True))  # id order: chunks lock as rows do
    if isinstance(customers, Customer | int):
        customers = [customers]
    return sorted({c.pk if isinstance(c, Customer) else int(c) for c in customers})


def _locked_rows(chunk: list[int]) -> list[tuple]:
    """(id, owner id, pool id, name) of the customers in ``chunk``, locked, in id order (no deadlock)."""
    rows = list(Customer._base_manager.select_for_update().filter(pk__in=chunk, deleted_at=None).order_by("pk")
                .values_list("pk", "owner_id", "pool_id", "name"))
    if len(rows) != len(chunk):
        raise NotFound("not_found", _("客户不存在，或您无权查看。"))
    return rows


def _target(pk: int, name: str) -> tuple[str, int, str]:
    return ("customers.customer", pk, name)


def _record(*, actor, kind: str, rows, batch, now, reason: str, to_owner=None, pool=None, rules=None,
            extra: dict | None = None) -> None:
    """History rows and audit entries for ``rows`` (id, owner id, pool id, name) leaving their holder.
    ``pool``: the pool entered (release, return); else each row's own pool is the one left.
    ``rules``: {customer id: (rule, policy version)} for a rule's return."""
    rules = rules or {}
    changes, items = [], []
    for pk, owner_id, pool_id, name in rows:
        rule, version = rules.get(pk, ("", None))
        to_id = to_owner.pk if to_owner is not None else (owner_id if kind in (OwnershipKind.LOCK,
                                                                                 OwnershipKind.UNLOCK) else None)
        pool_id = pool.pk if pool is not None else pool_id
        changes.append(OwnershipChange(customer_id=pk, kind=kind, from_owner_id=owner_id, to_owner_id=to_id,
                                       pool_id=pool_id, reason=reason, rule=rule, policy_version=version,
                                       actor=actor if getattr(actor, "is_authenticated", False) else None,
                                       at=now, batch=batch))
        data = {"kind": kind, "batch": str(batch), "from_owner": owner_id, "to_owner": to_id, "pool": pool_id,
                **({"rule": rule, "policy_version": version} if rule else {}), **(extra or {})}
        items.append((_target(pk, name), data))
    OwnershipChange.objects.bulk_create(changes, batch_size=CHUNK)
    audit.record_many(actor, _ACTIONS[kind], items, reason=reason)


@transaction.atomic
def customer_transfer(*, actor, customers, to_owner, reason: str, keep_as_team_member: bool = False,
                      kind: str = OwnershipKind.TRANSFER) -> OwnershipResult:
    """Give one or many customers to ``to_owner``: from their owners (transfer, handover) or from a
    pool (claim, assign). ``customers`` are Customer objects, ids or a queryset the caller has
    loaded within the actor's scope.

    Set-based in chunks of CHUNK: the rows are locked, owner and pool set, the department follows
    the new owner (department scopes follow the customer), ``received_at`` restarts the pool rules'
    clock, the new owner's team membership ends (an owner needs none) and, with
    ``keep_as_team_member``, the old owner stays on with read-write access. Every registered carrier
    moves what the customers own. One history row and one audit entry per customer, all sharing
    one batch id. A reason is required except for a claim."""
    if kind not in TO_OWNER_KINDS:
        raise ValueError(f"customer_transfer cannot do {kind!r}")
    pool_admin = kind == OwnershipKind.ASSIGN and not actor.has_permission(perms.TRANSFER)
    require_permission(actor, perms.POOL_USE if kind == OwnershipKind.CLAIM or pool_admin else perms.TRANSFER)
    reason = clean_reason(reason, required=kind != OwnershipKind.CLAIM)
    _check_receiver(to_owner)
    ids = _ids(customers)
    if not ids:
        raise DomainError("no_customers", _("请选择客户。"), field="customers")
    batch, now = uuid.uuid4(), clock.now()
    carried: dict[str, int] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        rows = _locked_rows(chunk)
        _check_source(actor, kind, rows, pool_admin=pool_admin)
        already = next((name for _pk, owner_id, _pool, name in rows if owner_id == to_owner.pk), None)
        if already is not None:
            raise Conflict("already_owner", _("客户“%(name)s”的负责人已是%(owner)s。") % {
                "name": already, "owner": to_owner.full_name or to_owner.username}, field="to_owner")
        moved = carry_all(customer_ids=chunk, to_owner=to_owner, actor=actor)  # before: carriers see the old owner
        Customer._base_manager.filter(pk__in=chunk).update(
            owner=to_owner, pool=None, department_id=to_owner.department_id, received_at=now, updated_at=now)
        TeamMember.objects.filter(customer_id__in=chunk, user=to_owner).delete()
        if keep_as_team_member:
            TeamMember.objects.bulk_create(
                [TeamMember(customer_id=pk, user_id=owner_id, access=TeamMember.WRITE, added_by=actor, added_at=now)
                 for pk, owner_id, _pool, _name in rows if owner_id], ignore_conflicts=True)
        for name, count in moved.items():
            carried[name] = carried.get(name, 0) + count
        _record(actor=actor, kind=kind, rows=rows, batch=batch, now=now, reason=reason, to_owner=to_owner,
                extra={"kept_as_team_member": keep_as_team_member} if keep_as_team_member else None)
    if getattr(actor, "pk", None) != to_owner.pk:  # a claim is the receiver's own doing: nothing to announce
        hooks.emit(hooks.CUSTOMERS_RECEIVED, to_owner=to_owner, actor=actor, kind=kind, count=len(ids), batch=batch)
    return OwnershipResult(kind=kind, batch=batch, count=len(ids), carried=carried)


def _check_source(actor, kind: str, rows, *, pool_admin: bool) -> None:
    """A claim takes customers still in a pool; an assignment without ``customer.transfer`` takes them
    only from pools the actor administers."""
    taken = next((row for row in rows if row[1] is not None), None)
    if kind == OwnershipKind.CLAIM and taken is not None:
        raise Conflict("already_claimed", _("客户“%(name)s”已被他人领取。") % {"name": taken[3]})
    if pool_admin and (taken is not None or not pools.administers_all(actor, {row[2] for row in rows})):
        raise PermissionDenied("not_pool_admin", _("只能从您管理的公海分配客户。"))


def _one_owned(customer: Customer) -> tuple:
    row = _locked_rows([customer.pk])[0]
    if row[1] is None:
        raise Conflict("in_pool", _("客户在公海中，没有负责人。"))
    return row


def _set_locked(*, actor, customer: Customer, reason: str, locked: bool) -> Customer:
    require_permission(actor, perms.LOCK)
    reason = clean_reason(reason)
    row = _one_owned(customer)
    current = Customer._base_manager.filter(pk=customer.pk).values_list("locked", flat=True).get()
    if current == locked:
        raise Conflict("already_locked" if locked else "not_locked",
                       _("客户已锁定。") if locked else _("客户未锁定。"))
    now = clock.now()
    Customer._base_manager.filter(pk=customer.pk).update(locked=locked, updated_at=now)
    _record(actor=actor, kind=OwnershipKind.LOCK if locked else OwnershipKind.UNLOCK, rows=[row],
            batch=uuid.uuid4(), now=now, reason=reason)
    customer.locked = locked
    return customer


@transaction.atomic
def customer_lock(*, actor, customer: Customer, reason: str) -> Customer:
    """Lock a customer to its owner: it never returns to a pool on its own (OWN-3), and its owner
    cannot release it. Only roles holding ``customer.lock``; a reason is required."""
    return _set_locked(actor=actor, customer=customer, reason=reason, locked=True)


@transaction.atomic
def customer_unlock(*, actor, customer: Customer, reason: str) -> Customer:
    return _set_locked(actor=actor, customer=customer, reason=reason, locked=False)


@transaction.atomic
def customer_delete(*, actor, customer: Customer, reason: str) -> Customer:
    """Soft-delete a customer (OWN-2): privileged (``customer.delete``), never by its owner, with a
    reason, audited. The row and everything under it stay for the retention rules; it leaves every
    list, page and count."""
    require_permission(actor, perms.DELETE)
    reason = clean_reason(reason)
    row = _locked_rows([customer.pk])[0]
    if row[1] == actor.pk:
        raise PermissionDenied("owner_cannot_delete",
                               _("负责人不能删除自己的客户：客户资料属于公司，请交由有删除权限的管理人员处理。"))
    customer.deleted_at = clock.now()
    Customer._base_manager.filter(pk=customer.pk).update(deleted_at=customer.deleted_at,
                                                         updated_at=customer.deleted_at)
    audit.record(actor, actions.CUSTOMER_DELETE, _target(customer.pk, row[3]),
                 {"owner": row[1], "pool": row[2]}, reason=reason)
    return customer



# --- pools: claim, release, assign, the return sweep (OWN-3) ----------------------------------------------
def _to_pool(*, actor, rows, pool: Pool, kind: str, reason: str, batch, now, rules=None) -> None:
    """Put ``rows`` (locked: id, owner id, pool id, name) into ``pool``: no owner, no team (their access
    ends with the ownership), the department stays for the managers above it."""
    ids = [row[0] for row in rows]
    Customer._base_manager.filter(pk__in=ids).update(owner=None, pool=pool, received_at=None, updated_at=now)
    TeamMember.objects.filter(customer_id__in=ids).delete()
    _record(actor=actor, kind=kind, rows=rows, batch=batch, now=now, reason=reason, pool=pool, rules=rules)


def pool_rules(now):
    """The pool rules in force at ``now`` and their policy version number."""
    from kehu.policy.selectors import version_in_force

    version = version_in_force(now)
    return version.section("pools"), version.number


def _refusal(decision) -> Conflict:
    return Conflict(decision.rule, decision.reason,
                    details={"rule": decision.rule, "policy_version": decision.policy_version})


@transaction.atomic
def customer_claim(*, actor, customer: Customer, reason: str = "") -> OwnershipResult:
    """Take a customer from a pool the actor may use, within the policy's limits: the holding cap, the
    daily claim cap and a former owner's cooldown. A refusal says which limit and by how much."""
    require_permission(actor, perms.POOL_USE)
    customer = pools.pool_customer_for(actor, customer.pk)
    get_user_model()._base_manager.select_for_update().filter(pk=actor.pk).first()  # one claim at a time per user
    now = clock.now()
    rules, version = pool_rules(now)
    decision = pools.claim_decision(actor, customer, rules, version, now)
    if not decision.allowed:
        raise _refusal(decision)
    return customer_transfer(actor=actor, customers=[customer], to_owner=actor, reason=reason,
                             kind=OwnershipKind.CLAIM)


@transaction.atomic
def customer_release(*, actor, customer: Customer, reason: str, pool: Pool | None = None) -> OwnershipResult:
    """The owner gives a customer back to a pool (theirs by default), with a reason. A locked customer
    stays; a manager holding ``customer.transfer`` may release someone else's."""
    require_permission(actor, perms.POOL_USE)
    reason = clean_reason(reason)
    row = _one_owned(customer)
    if row[1] != actor.pk and not actor.has_permission(perms.TRANSFER):
        raise PermissionDenied("not_owner", _("只有负责人可以把客户退回公海。"))
    if Customer._base_manager.filter(pk=row[0], locked=True).exists():
        raise Conflict("locked", _("客户已锁定，不能退回公海；请先由经理解锁。"))
    owner = get_user_model()._base_manager.get(pk=row[1])
    if pool is None:
        pool = pools.home_pool(owner)
    elif not pools.pools_for(actor).filter(pk=pool.pk).exists():
        raise NotFound("not_found", _("公海不存在，或您无权查看。"))
    batch, now = uuid.uuid4(), clock.now()
    _to_pool(actor=actor, rows=[row], pool=pool, kind=OwnershipKind.RELEASE, reason=reason, batch=batch, now=now)
    return OwnershipResult(kind=OwnershipKind.RELEASE, batch=batch, count=1)


@transaction.atomic
def customer_assign(*, actor, customers, to_owner, reason: str) -> OwnershipResult:
    """A manager (``customer.transfer``) or a pool's admin gives customers to a salesperson, from a pool
    or from another owner, with a reason. The receiver's holding cap holds here as for a claim."""
    ids = _ids(customers)
    now = clock.now()
    rules, version = pool_rules(now)
    held = pools.holding_of(to_owner, now)
    if held.counted(rules) + len(ids) > rules.holding_cap:
        raise Conflict(HOLDING_CAP, _("%(name)s已持有 %(n)s/%(cap)s 个客户，不能再分配 %(m)s 个。") % {
            "name": to_owner.full_name or to_owner.username, "n": held.counted(rules), "cap": rules.holding_cap,
            "m": len(ids)}, field="to_owner", details={"rule": HOLDING_CAP, "policy_version": version})
    return customer_transfer(actor=actor, customers=ids, to_owner=to_owner, reason=reason, kind=OwnershipKind.ASSIGN)


@dataclass(frozen=True)
class SweepResult:
    policy_version: int
    returned: int
    by_rule: dict[str, int] = field(default_factory=dict)


def pool_return_sweep(*, now=None) -> SweepResult:
    """Return every customer the pool rules in force say is due (OWN-3) to its owner's pool.

    The database condition (``pools.return_window_q``) finds the candidates; the pure evaluator decides
    each one again on the locked row, so a follow-up recorded meanwhile keeps the customer. Each chunk
    commits on its own; a second run finds nothing left (idempotent). Every return records the rule
    and the policy version, on the history row and in the audit entry, with the system as the actor."""
    now = now or clock.now()
    rules, version = pool_rules(now)
    candidates = list(Customer._base_manager.filter(pools.return_window_q(rules, now)).order_by("pk")
                      .values_list("pk", flat=True))
    by_rule: dict[str, int] = {}
    by_owner: dict[int, int] = {}
    home: dict[int, Pool] = {}
    for start in range(0, len(candidates), CHUNK):
        with transaction.atomic():
            rows = (Customer._base_manager.select_for_update(of=("self",))
                    .filter(pk__in=candidates[start:start + CHUNK], owner__isnull=False, deleted_at=None)
                    .select_related("owner", "owner__department").order_by("pk"))
            groups: dict[tuple[int, str], list] = {}
            rule_of = {}
            for customer in rows:
                decision = pools.decide_return(rules, customer, now, version)
                if not decision.due:
                    continue
                if customer.owner_id not in home:
                    home[customer.owner_id] = pools.home_pool(customer.owner)
                groups.setdefault((customer.owner_id, decision.reason), []).append(
                    (customer.pk, customer.owner_id, customer.pool_id, customer.name))
                rule_of[customer.pk] = (decision.rule, version)
                by_owner[customer.owner_id] = by_owner.get(customer.owner_id, 0) + 1
                by_rule[decision.rule] = by_rule.get(decision.rule, 0) + 1
            for (owner_id, reason), group in groups.items():
                _to_pool(actor=None, rows=group, pool=home[owner_id], kind=OwnershipKind.RETURN, reason=reason,
                         batch=uuid.uuid4(), now=now, rules=rule_of)
    if by_owner:  # one notice per owner for the whole sweep, not per chunk
        hooks.emit(hooks.CUSTOMERS_RETURNED, counts=by_owner)
    return SweepResult(policy_version=version, returned=sum(by_rule.values()), by_rule=by_rule)


# --- team members (协作人, OWN-1) ---------------------------------------------------------------------------
def _require_owner_or_manager(actor, customer: Customer) -> None:
    if customer.owner_id != actor.pk and not actor.has_permission(perms.TRANSFER):
        raise PermissionDenied("not_owner", _("只有负责人或有“分配和转移客户”权限的经理可以设置协作人。"))


@transaction.atomic
def team_member_set(*, actor, customer: Customer, user, access: str, expires_at=None) -> TeamMember:
    """Let a colleague work on the customer beside its owner, read-only or read-write, optionally until
    ``expires_at`` (the hourly sweep ends it then). The owner, or a manager with customer.transfer."""
    require_permission(actor, perms.EDIT)
    row = _one_owned(customer)
    _require_owner_or_manager(actor, customer)
    _check_receiver(user)
    if user.pk == row[1]:
        raise DomainError("owner_is_member", _("负责人本人不需要设为协作人。"), field="user")
    if access not in (TeamMember.READ, TeamMember.WRITE):
        raise DomainError("invalid_access", _("权限须为只读或读写。"), field="access")
    if expires_at is not None and expires_at <= clock.now():
        raise DomainError("expiry_in_past", _("到期时间必须晚于现在。"), field="expires_at")
    member, _created = TeamMember.objects.update_or_create(
        customer_id=row[0], user=user,
        defaults={"access": access, "expires_at": expires_at, "added_by": actor, "added_at": clock.now()})
    audit.record(actor, actions.TEAM_MEMBER_SET, _target(row[0], row[3]),
                 {"user": user.username, "access": access, "expires_at": expires_at})
    return member


@transaction.atomic
def team_member_remove(*, actor, customer: Customer, user) -> None:
    require_permission(actor, perms.EDIT)
    row = _one_owned(customer)
    _require_owner_or_manager(actor, customer)
    if not TeamMember.objects.filter(customer_id=row[0], user=user).delete()[0]:
        raise NotFound("not_found", _("该用户不是此客户的协作人。"))
    audit.record(actor, actions.TEAM_MEMBER_REMOVE, _target(row[0], row[3]), {"user": user.username})


@transaction.atomic
def end_expired_memberships(*, now=None) -> int:
    """Remove the team memberships whose expiry has passed (one audit entry each); idempotent."""
    now = now or clock.now()
    expired = list(TeamMember.objects.filter(expires_at__lte=now).select_related("customer", "user")
                   .order_by("pk"))
    if not expired:
        return 0
    TeamMember.objects.filter(pk__in=[m.pk for m in expired]).delete()
    audit.record_many(None, actions.TEAM_MEMBER_EXPIRE, [
        (_target(m.customer_id, m.customer.name), {"user": m.user.username, "expires_at": m.expires_at})
        for m in expired])
    return len(expired)


# --- pool settings ------------------------------------------------------------------------------------------
POOL_FIELDS = ("code", "name", "name_en", "description", "active")
POOL_MEMBERS = ("member_users", "member_departments", "admins")


def _pool_state(pool: Pool) -> dict:
    return {**{name: getattr(pool, name) for name in POOL_FIELDS},
            **{name: sorted(getattr(pool, name).values_list("pk", flat=True)) for name in POOL_MEMBERS}}


@transaction.atomic
def pool_save(*, actor, data: dict, pool: Pool | None = None) -> Pool:
    """Create or change a pool from a PoolForm's cleaned data (``customer.pool.manage``); audited with
    old → new. The default pool stays active, and a pool that still holds customers cannot be switched off."""
    require_permission(actor, perms.POOL_MANAGE)
    creating = pool is None
    pool = Pool() if creating else Pool.objects.select_for_update().get(pk=pool.pk)
    before = {} if creating else _pool_state(pool)
    if Pool.objects.exclude(pk=pool.pk).filter(code=data["code"]).exists():
        raise Conflict("pool_code_taken", _("公海编码“%(code)s”已被使用。") % {"code": data["code"]}, field="code")
    if not data["active"] and not creating:
        if pool.is_default:
            raise DomainError("default_pool_active", _("默认公海不能停用。"), field="active")
        waiting = Customer._base_manager.filter(pool=pool, deleted_at=None).count()
        if waiting:
            raise Conflict("pool_not_empty", _("公海中还有 %(n)s 个客户，请先分配或领取后再停用。") % {"n": waiting},
                           field="active")
    for name in POOL_FIELDS:
        setattr(pool, name, data[name])
    pool.save()
    for name in POOL_MEMBERS:
        getattr(pool, name).set(data[name])
    after = _pool_state(pool)
    changes = {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}
    audit.record(actor, actions.POOL_CREATE if creating else actions.POOL_UPDATE, pool, {"changes": changes})
    return pool


# --- the ownership history on the customer timeline -------------------------------------------------------
def _titles() -> dict[str, str]:
    return {
        OwnershipKind.CLAIM: _("从%(pool)s领取"),
        OwnershipKind.ASSIGN: _("分配给%(to)s"),
        OwnershipKind.TRANSFER: _("从%(from)s转移给%(to)s"),
        OwnershipKind.HANDOVER: _("离职交接：从%(from)s交接给%(to)s"),
        OwnershipKind.RELEASE: _("%(from)s退回%(pool)s"),
        OwnershipKind.RETURN: _("按规则退回%(pool)s"),
        OwnershipKind.LOCK: _("锁定客户（不自动退回公海）"),
        OwnershipKind.UNLOCK: _("解锁客户"),
    }


def _person(path: str):
    """A user's name as the timeline shows people: full name, else user name."""
    return Coalesce(NullIf(F(f"{path}__full_name"), Value("")), F(f"{path}__username"), Value(""))


def history_rows(customer, user):
    """Timeline source (kehu.customers.timeline): the customer's ownership changes."""
    return OwnershipChange.objects.filter(customer=customer).values(**columns(
        "ownership", at="at", actor="actor", t1="kind", t2=_person("from_owner"), t3=_person("to_owner"),
        t4="pool__name", t5="pool__name_en", t6="reason", t7="policy_version"))


def history_event(customer, row) -> TimelineEvent:
    names = {"from": row["t2"], "to": row["t3"], "pool": pick(row["t4"], row["t5"]) if row["t4"] else _("公海")}
    detail = row["t6"]
    if row["t7"]:
        detail = _("%(reason)s（制度第 %(version)s 版）") % {"reason": detail, "version": row["t7"]}
    return TimelineEvent(at=row["at"], kind="ownership_" + row["t1"], title=_titles()[row["t1"]] % names,
                         detail=detail, actor_name=row["actor"] or _("系统"))

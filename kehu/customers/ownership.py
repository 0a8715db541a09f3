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
up in the audit entry and in the result (a handover record lists them).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kehu.compliance import actions, audit
from kehu.core import clock
from kehu.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from kehu.customers import permissions as perms
from kehu.customers.models import Contact, Customer, OwnershipChange, OwnershipKind, Pool, TeamMember
from kehu.org.access import require_permission

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


# --- pools ------------------------------------------------------------------------------------------------
def default_pool() -> Pool:
    """The pool customers return to when their owner belongs to no pool (created by migration 0010)."""
    return Pool.objects.get(is_default=True)


def _department_prefixes(user) -> list[str]:
    """The paths of the user's department and every department above it (``c1.ab.cd.`` → ``c1.ab.``, …)."""
    if not user.department_id:
        return []
    path = user.department.path
    parts = path.rstrip(".").split(".")
    return [".".join(parts[:n]) + "." for n in range(2, len(parts) + 1)]


def member_q(user) -> Q:
    """Pools ``user`` is a member of: named, or through their department or one above it."""
    return Q(member_users=user) | Q(member_departments__path__in=_department_prefixes(user))


def home_pool(user) -> Pool:
    """Where ``user``'s customers go when released or returned: their first pool, else the default."""
    if user is not None:
        pool = Pool.objects.filter(member_q(user), active=True).distinct().order_by("-is_default", "code").first()
        if pool is not None:
            return pool
    return default_pool()


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
        return list(customers.order_by().values_list("pk", flat=True))
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
    require_permission(actor, perms.POOL_USE if kind == OwnershipKind.CLAIM else perms.TRANSFER)
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
        already = next((name for _pk, owner_id, _pool, name in rows if owner_id == to_owner.pk), None)
        if already is not None:
            raise Conflict("already_owner", _("客户“%(name)s”的负责人已是%(owner)s。") % {
                "name": already, "owner": to_owner.full_name or to_owner.username}, field="to_owner")
        Customer._base_manager.filter(pk__in=chunk).update(
            owner=to_owner, pool=None, department_id=to_owner.department_id, received_at=now, updated_at=now)
        TeamMember.objects.filter(customer_id__in=chunk, user=to_owner).delete()
        if keep_as_team_member:
            TeamMember.objects.bulk_create(
                [TeamMember(customer_id=pk, user_id=owner_id, access=TeamMember.WRITE, added_by=actor, added_at=now)
                 for pk, owner_id, _pool, _name in rows if owner_id], ignore_conflicts=True)
        moved = carry_all(customer_ids=chunk, to_owner=to_owner, actor=actor)
        for name, count in moved.items():
            carried[name] = carried.get(name, 0) + count
        _record(actor=actor, kind=kind, rows=rows, batch=batch, now=now, reason=reason, to_owner=to_owner,
                extra={"kept_as_team_member": keep_as_team_member} if keep_as_team_member else None)
    return OwnershipResult(kind=kind, batch=batch, count=len(ids), carried=carried)


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


def _person(user) -> str:
    return (user.full_name or user.username) if user is not None else ""


def history_events(customer, user, limit: int):
    """Timeline source (kehu.customers.timeline): the customer's ownership changes, one query."""
    from kehu.customers.timeline import TimelineEvent

    rows = (OwnershipChange.objects.filter(customer=customer)
            .select_related("from_owner", "to_owner", "pool", "actor")[:limit])
    titles = _titles()
    events = []
    for change in rows:
        names = {"from": _person(change.from_owner), "to": _person(change.to_owner),
                 "pool": change.pool.display_name if change.pool_id else _("公海")}
        detail = change.reason
        if change.policy_version:
            detail = _("%(reason)s（制度第 %(version)s 版）") % {"reason": detail, "version": change.policy_version}
        events.append(TimelineEvent(at=change.at, kind="ownership_" + change.kind, title=titles[change.kind] % names,
                                    detail=detail, actor_name=_person(change.actor) or _("系统")))
    return events

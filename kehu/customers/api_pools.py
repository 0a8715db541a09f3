"""/api/v1/pools (list, create, update, a pool's customers) and
/api/v1/customers/{id}/claim|release|transfer|assign|lock|unlock|delete|ownership|team-members (OWN-1..4): the same
selectors, forms and services as the pages.

Pool customers leave with their contacts masked; a claim refused by a limit is a 409 whose ``code``
names the rule (``holding_cap``, ``daily_claim_cap``, ``reclaim_cooldown``) and whose message gives
the numbers. Receivers are users in the caller's scope (``to_owner_id``), as on the pages.
"""

import datetime as dt
import uuid
from typing import ClassVar, Literal

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from kehu.core.errors import DomainError, NotFound
from kehu.core.idempotency import idempotent
from kehu.core.pagination import LimitOffsetPagination
from kehu.customers import ownership, pools, selectors
from kehu.customers import permissions as perms
from kehu.customers.api import _validated, _WithoutHidden
from kehu.customers.field_access import CONTACT
from kehu.customers.forms import PoolForm, colleagues_for, receivers_for
from kehu.customers.models import Customer
from kehu.org.access import require_any_permission, require_permission

router = Router(tags=["pools"])
pools_router = Router(tags=["pools"])


class PoolOut(Schema):
    id: int
    code: str
    name: str = Field(description="当前语言的名称")
    is_default: bool

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.display_name


class PrimaryContactOut(_WithoutHidden):
    entity: ClassVar[str] = CONTACT

    name: str
    mobile: str = Field("", description="脱敏")


class PoolCustomerOut(_WithoutHidden):
    """Fields hidden from the caller's roles are left out (SEC-3), as in /api/v1/customers."""

    id: int
    name: str
    kind: str
    tier: str
    stage: str = ""
    industry: str = ""
    province: str = ""
    city: str = ""
    pool_id: int
    pooled_at: dt.datetime | None = Field(description="进入公海的时间")
    pooled_reason: str | None = Field(description="退回原因")
    primary_contact: PrimaryContactOut | None

    @staticmethod
    def resolve_primary_contact(obj) -> dict | None:
        contact = next(iter(obj.primary_contacts), None)
        return {"name": contact.name, "mobile": str(contact.mobile) if contact.mobile else ""} if contact else None


@pools_router.get("", response=list[PoolOut])
def pool_list(request):
    """The pools the caller may browse and claim from."""
    return list(pools.pools_for(request.auth))


class PoolIn(Schema):
    code: str = Field(description="编码（字母、数字、连字符）")
    name: str
    name_en: str = ""
    description: str = ""
    active: bool = True
    member_user_ids: list[int] = Field([], description="成员用户")
    member_department_ids: list[int] = Field([], description="成员部门（含下级部门）；成员都不设则对所有人开放")
    admin_ids: list[int] = Field([], description="管理员：可从本公海分配客户")


class PoolDetailOut(PoolOut):
    name_en: str
    description: str
    active: bool
    member_user_ids: list[int]
    member_department_ids: list[int]
    admin_ids: list[int]

    @staticmethod
    def resolve_member_user_ids(obj) -> list[int]:
        return sorted(obj.member_users.values_list("pk", flat=True))

    @staticmethod
    def resolve_member_department_ids(obj) -> list[int]:
        return sorted(obj.member_departments.values_list("pk", flat=True))

    @staticmethod
    def resolve_admin_ids(obj) -> list[int]:
        return sorted(obj.admins.values_list("pk", flat=True))


def _pool_data(actor, payload: PoolIn) -> dict:
    """The payload through the page's PoolForm (one set of input rules)."""
    return _validated(PoolForm({**payload.dict(exclude={"member_user_ids", "member_department_ids", "admin_ids"}),
                                "member_users": payload.member_user_ids,
                                "member_departments": payload.member_department_ids,
                                "admins": payload.admin_ids}, actor=actor))


@pools_router.post("", response={201: PoolDetailOut})
@idempotent
def pool_create(request, payload: PoolIn):
    """A new pool with its members and admins (customer.pool.manage); audited."""
    require_permission(request.auth, perms.POOL_MANAGE)
    return Status(201, ownership.pool_save(actor=request.auth, data=_pool_data(request.auth, payload)))


@pools_router.get("/{int:pool_id}", response=PoolDetailOut)
def pool_detail(request, pool_id: int):
    """One pool the caller may use, with its members and admins."""
    return pools.pool_for(request.auth, pool_id)


@pools_router.put("/{int:pool_id}", response=PoolDetailOut)
def pool_update(request, pool_id: int, payload: PoolIn):
    """Replace a pool's settings, members and admins (customer.pool.manage); audited old → new."""
    pool = pools.pools_to_manage(request.auth).filter(pk=pool_id).first()
    if pool is None:
        raise NotFound("not_found", _("公海不存在，或您无权查看。"))
    return ownership.pool_save(actor=request.auth, data=_pool_data(request.auth, payload), pool=pool)


@pools_router.get("/{int:pool_id}/customers", response=list[PoolCustomerOut])
@paginate(LimitOffsetPagination)
def pool_customer_list(request, pool_id: int):
    """Customers waiting in one pool, newest first; contact details masked until claimed."""
    return pools.pool_customers(request.auth, pool=pools.pool_for(request.auth, pool_id))


class OwnershipOut(Schema):
    customer_ids: list[int]
    kind: str
    batch: uuid.UUID
    count: int
    carried: dict[str, int] = Field(description="随客户转移的数据（名称：条数）")


def _result(ids, result) -> dict:
    return {"customer_ids": sorted(ids), "kind": result.kind, "batch": result.batch, "count": result.count,
            "carried": result.carried}


class ReasonIn(Schema):
    reason: str = Field(description="原因（必填，至少 2 个字）")


class ClaimIn(Schema):
    reason: str = Field("", description="领取说明（可不填）")


class ReleaseIn(ReasonIn):
    pool_id: int | None = Field(None, description="退回到哪个公海；不填为负责人所属公海")


class TransferIn(ReasonIn):
    to_owner_id: int = Field(description="新负责人（调用者数据范围内的业务人员）")
    keep_as_team_member: bool = Field(False, description="原负责人留作协作人（读写）")


class AssignIn(ReasonIn):
    to_owner_id: int = Field(description="新负责人（调用者数据范围内的业务人员）")


class BulkTransferIn(TransferIn):
    customer_ids: list[int] = Field(min_length=1, max_length=5000, description="要转移的客户")


def _receiver(actor, pk: int):
    found = next((u for u in receivers_for(actor) if u.pk == pk), None)
    if found is None:
        raise DomainError("invalid_owner", _("只能交给在职、可查看客户的业务人员。"), field="to_owner_id", status=422)
    return found


@router.post("/{int:customer_id}/claim", response=OwnershipOut)
def customer_claim(request, customer_id: int, payload: ClaimIn):
    """Claim a pool customer within the holding cap, the daily claim cap and the former owner's cooldown."""
    require_permission(request.auth, perms.POOL_USE)
    customer = pools.pool_customer_for(request.auth, customer_id)
    return _result([customer.pk], ownership.customer_claim(actor=request.auth, customer=customer,
                                                           reason=payload.reason))


@router.post("/{int:customer_id}/release", response=OwnershipOut)
def customer_release(request, customer_id: int, payload: ReleaseIn):
    """Give the customer back to a pool (the owner, or a manager holding customer.transfer); not when locked."""
    require_permission(request.auth, perms.POOL_USE)
    customer = selectors.customer_for(request.auth, customer_id)
    pool = pools.pool_for(request.auth, payload.pool_id) if payload.pool_id else None
    return _result([customer.pk], ownership.customer_release(actor=request.auth, customer=customer,
                                                             reason=payload.reason, pool=pool))


@router.post("/{int:customer_id}/transfer", response=OwnershipOut)
def customer_transfer(request, customer_id: int, payload: TransferIn):
    """Give the customer, and what it owns, to another owner, with a reason (customer.transfer)."""
    require_permission(request.auth, perms.TRANSFER)
    customer = selectors.customer_for(request.auth, customer_id)
    return _result([customer.pk], ownership.customer_transfer(
        actor=request.auth, customers=[customer], to_owner=_receiver(request.auth, payload.to_owner_id),
        reason=payload.reason, keep_as_team_member=payload.keep_as_team_member))


@router.post("/transfer", response=OwnershipOut)
def customer_transfer_many(request, payload: BulkTransferIn):
    """Transfer many customers at once (set-based; one history row and audit entry each)."""
    require_permission(request.auth, perms.TRANSFER)
    ids = set(payload.customer_ids)
    visible = selectors.visible_ids(request.auth, ids)
    if visible != ids:
        raise DomainError("not_found", _("客户不存在，或您无权查看。"), field="customer_ids", status=404,
                          details={"missing": sorted(ids - visible)})
    return _result(ids, ownership.customer_transfer(
        actor=request.auth, customers=sorted(ids), to_owner=_receiver(request.auth, payload.to_owner_id),
        reason=payload.reason, keep_as_team_member=payload.keep_as_team_member))


@router.post("/{int:customer_id}/assign", response=OwnershipOut)
def customer_assign(request, customer_id: int, payload: AssignIn):
    """Assign a customer from a pool (its admins, or customer.transfer) or from another owner (customer.transfer),
    within the receiver's holding cap."""
    require_any_permission(request.auth, [perms.TRANSFER, perms.POOL_USE])
    try:
        customer = pools.pool_customer_for(request.auth, customer_id)
    except DomainError:
        require_permission(request.auth, perms.TRANSFER)
        customer = selectors.customer_for(request.auth, customer_id)
    return _result([customer.pk], ownership.customer_assign(
        actor=request.auth, customers=[customer], to_owner=_receiver(request.auth, payload.to_owner_id),
        reason=payload.reason))


class LockOut(Schema):
    customer_id: int
    locked: bool


def _lock(request, customer_id: int, reason: str, service) -> dict:
    require_permission(request.auth, perms.LOCK)
    customer = service(actor=request.auth, customer=selectors.customer_for(request.auth, customer_id), reason=reason)
    return {"customer_id": customer.pk, "locked": customer.locked}


@router.post("/{int:customer_id}/lock", response=LockOut)
def customer_lock(request, customer_id: int, payload: ReasonIn):
    """Lock the customer to its owner: it never returns to a pool on its own (customer.lock)."""
    return _lock(request, customer_id, payload.reason, ownership.customer_lock)


@router.post("/{int:customer_id}/unlock", response=LockOut)
def customer_unlock(request, customer_id: int, payload: ReasonIn):
    return _lock(request, customer_id, payload.reason, ownership.customer_unlock)


@router.post("/{int:customer_id}/delete", response={204: None})
def customer_delete(request, customer_id: int, payload: ReasonIn):
    """Soft-delete the customer (customer.delete; never its owner); kept for retention, audited."""
    require_permission(request.auth, perms.DELETE)
    ownership.customer_delete(actor=request.auth, customer=selectors.customer_for(request.auth, customer_id),
                              reason=payload.reason)
    return Status(204, None)


class OwnershipChangeOut(Schema):
    id: int
    kind: str
    at: dt.datetime
    from_owner: str | None
    to_owner: str | None
    pool: str | None
    reason: str
    rule: str
    policy_version: int | None
    actor: str | None = Field(description="空：系统按规则执行")

    @staticmethod
    def resolve_from_owner(obj) -> str | None:
        return obj.from_owner.full_name if obj.from_owner_id else None

    @staticmethod
    def resolve_to_owner(obj) -> str | None:
        return obj.to_owner.full_name if obj.to_owner_id else None

    @staticmethod
    def resolve_pool(obj) -> str | None:
        return obj.pool.display_name if obj.pool_id else None

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return obj.actor.full_name if obj.actor_id else None


@router.get("/{int:customer_id}/ownership", response=list[OwnershipChangeOut])
@paginate(LimitOffsetPagination)
def ownership_history(request, customer_id: int):
    """Who held the customer and how it changed hands, newest first."""
    customer: Customer = selectors.customer_for(request.auth, customer_id)
    return pools.ownership_history(customer)


class TeamMemberOut(Schema):
    user_id: int
    user: str
    access: str = Field(description="read 只读 / write 读写")
    expires_at: dt.datetime | None

    @staticmethod
    def resolve_user(obj) -> str:
        return obj.user.full_name or obj.user.username


class TeamMemberIn(Schema):
    access: Literal["read", "write"] = "read"
    expires_at: dt.datetime | None = Field(None, description="到期时间；不填为长期")


@router.get("/{int:customer_id}/team-members", response=list[TeamMemberOut])
def team_member_list(request, customer_id: int):
    """The customer's team members (协作人) with their access and expiry."""
    customer = selectors.customer_for(request.auth, customer_id)
    return list(customer.memberships.select_related("user").order_by("added_at"))


def _membership(request, customer_id: int, user_id: int):
    customer = selectors.customer_for(request.auth, customer_id)
    member = customer.memberships.select_related("user").filter(user_id=user_id).first()
    if member is None:
        raise NotFound("not_found", _("该用户不是此客户的协作人。"))
    return customer, member


@router.get("/{int:customer_id}/team-members/{int:user_id}", response=TeamMemberOut)
def team_member_detail(request, customer_id: int, user_id: int):
    return _membership(request, customer_id, user_id)[1]


@router.put("/{int:customer_id}/team-members/{int:user_id}", response=TeamMemberOut)
def team_member_set(request, customer_id: int, user_id: int, payload: TeamMemberIn):
    """Add or change a team member (the owner, or a manager with customer.transfer); colleagues of the
    caller's company only."""
    require_permission(request.auth, perms.EDIT)
    customer = selectors.customer_for(request.auth, customer_id)
    user = next((u for u in colleagues_for(request.auth) if u.pk == user_id), None)
    if user is None:
        raise NotFound("not_found", _("用户不存在，或不是本公司的业务人员。"))
    return ownership.team_member_set(actor=request.auth, customer=customer, user=user, access=payload.access,
                                     expires_at=payload.expires_at)


@router.delete("/{int:customer_id}/team-members/{int:user_id}", response={204: None})
def team_member_remove(request, customer_id: int, user_id: int):
    require_permission(request.auth, perms.EDIT)
    customer, member = _membership(request, customer_id, user_id)
    ownership.team_member_remove(actor=request.auth, customer=customer, user=member.user)
    return Status(204, None)

"""/api/v1/handovers: departure handover (OWN-5) over the API — the same selectors and service as the
pages; /api/v1/admin/handover-check: open records still held by disabled accounts (AC-8)."""

import datetime as dt

from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from kehu.core.idempotency import idempotent
from kehu.core.pagination import LimitOffsetPagination
from kehu.org import selectors, services
from kehu.org.api_admin import _get, actor_of
from kehu.org.api_auth import ApiTokenAuth, SessionAuth

router = Router(tags=["org"])
check_router = Router(tags=["admin"], auth=[ApiTokenAuth(), SessionAuth()])


class HandoverIn(Schema):
    leaver_id: int
    receiver_ids: list[int]
    reason: str


class HandoverOut(Schema):
    id: int
    leaver_id: int
    actor_id: int | None
    receiver_ids: list[int]
    split: str
    reason: str
    counts: dict[str, int]
    per_receiver: dict[str, dict[str, int]]
    created_at: dt.datetime

    @staticmethod
    def resolve_receiver_ids(record) -> list[int]:
        return sorted(r.pk for r in record.receivers.all())


class HandoverItemOut(Schema):
    kind: str
    object_id: int
    receiver_id: int


class OrphanedOut(Schema):
    kind: str
    label: str
    count: int
    holders: dict[str, int]

    @staticmethod
    def resolve_holders(found) -> dict[str, int]:
        return {user.username: n for user, n in found.holders}


@router.get("", response=list[HandoverOut], summary="离职交接记录")
@paginate(LimitOffsetPagination)
def handover_list(request):
    return selectors.handovers_for(request.auth)


@router.post("", response={201: HandoverOut}, summary="办理离职交接（移交后停用账号）")
@idempotent
def handover_create(request, payload: HandoverIn):
    """Everything the leaver holds moves to the receivers (split evenly, in id order) in one transaction;
    then the account is disabled and its sessions and tokens end."""
    candidates = selectors.handover_candidates(request.auth)
    leaver = _get(candidates, _("离职人员"), pk=payload.leaver_id)
    receivers = [_get(candidates, _("接收人"), pk=pk) for pk in payload.receiver_ids]
    record = services.user_handover(actor=request.auth, leaver=leaver, receivers=receivers, reason=payload.reason)
    return Status(201, selectors.handover_for(request.auth, record.pk))


@router.get("/{int:handover_id}", response=HandoverOut, summary="一次离职交接")
def handover_detail(request, handover_id: int):
    return selectors.handover_for(request.auth, handover_id)


@router.get("/{int:handover_id}/items", response=list[HandoverItemOut], summary="离职交接移交的记录")
@paginate(LimitOffsetPagination)
def handover_items(request, handover_id: int):
    return selectors.handover_items(selectors.handover_for(request.auth, handover_id))


@check_router.get("", response=list[OrphanedOut], summary="停用账号名下的未结记录（应为 0）")
def handover_check(request):
    return selectors.orphaned_records(actor_of(request))

"""Customers in the departure handover (OWN-5, AC-8): a leaving user's customers are one kind of the
org handover registry, split among the receivers and moved through ``ownership.customer_transfer`` (kind
handover), so the ownership history, the per-customer audit entries and what travels with a customer
(contacts, and later opportunities, contracts, tickets) come from the one place every change of hands uses.
Moving customers needs ``customer.transfer``: the handover's actor must be a manager who holds it (the
system administrator never does: 三员分立 keeps administrators out of business data)."""

from __future__ import annotations

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kehu.core.errors import PermissionDenied
from kehu.customers import ownership
from kehu.customers import permissions as perms
from kehu.customers.models import Customer, OwnershipKind
from kehu.org import handover

CODE = "customers.customer"


def _open_customers():
    # A deleted or merged customer is nobody's business any more; one in a pool has no owner.
    return Customer._base_manager.filter(deleted_at=None, merged_into=None)


def _move(ids: list[int], receiver, *, actor, reason: str) -> int:
    if not (actor and actor.has_permission(perms.TRANSFER)):
        # Said here in the handover's words; customer_transfer would refuse too, naming only the permission.
        raise PermissionDenied("handover_needs_transfer",
                               gettext("该用户仍负责客户：须由有“分配和转移客户”权限的经理办理离职交接。"))
    return ownership.customer_transfer(actor=actor, customers=ids, to_owner=receiver, reason=reason,
                                       kind=OwnershipKind.HANDOVER).count


def register_handover() -> None:
    handover.register(handover.Handover(CODE, _("客户"), _open_customers, "owner", move=_move, split=True,
                                        url_name="customers:detail"))

"""Every read of the customer archive: scoped to what the user may see (SEC-2), customer.view required."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _

from kehu.core.errors import NotFound
from kehu.customers import permissions as perms
from kehu.customers.models import Contact, Customer, FieldChange
from kehu.customers.search import apply_search
from kehu.org.access import require_permission

# Names sort by pinyin, the order Chinese readers expect. Counting every visible row is the slowest part of a big list; past this the page says "10,000+".
SORTS = {"name": "name_pinyin", "stage": "stage", "tier": "tier", "last_contact": "last_contact_at",
         "created": "created_at"}


@dataclass(frozen=True)
class CustomerFilters:
    q: str = ""
    tier: str = ""
    owner: int | None = None
    stage: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    industry: str = ""
    tag: str = ""
    last_contact_before: dt.date | None = None
    last_contact_after: dt.date | None = None
    sort: str = ""


def _primary_contacts() -> Prefetch:
    return Prefetch("contacts", queryset=Contact.objects.filter(is_primary=True), to_attr="primary_contacts")


def customers_for(user, filters: CustomerFilters | None = None) -> QuerySet:
    """The customers ``user`` may see, narrowed by ``filters``, ordered by ``filters.sort`` (``-`` = descending)."""
    require_permission(user, perms.VIEW)
    f = filters or CustomerFilters()
    rows = Customer.objects.visible_to(user).filter(deleted_at=None)
    exact = {"tier": f.tier, "owner_id": f.owner, "stage": f.stage, "province": f.province, "city": f.city,
             "district": f.district, "industry": f.industry, "tags__name": f.tag,
             "last_contact_at__date__lt": f.last_contact_before, "last_contact_at__date__gte": f.last_contact_after}
    rows = rows.filter(**{key: value for key, value in exact.items() if value not in ("", None)})
    rows = apply_search(rows, f.q)
    field = SORTS.get(f.sort.lstrip("-"))
    if field:
        rows = rows.order_by(f"-{field}" if f.sort.startswith("-") else field, "-id")
    return rows.select_related("owner").prefetch_related("tags", _primary_contacts())


def customer_for(user, pk: int) -> Customer:
    """One visible customer with its owner and tags; NotFound (404) when absent or out of scope."""
    require_permission(user, perms.VIEW)
    customer = (Customer.objects.visible_to(user).filter(deleted_at=None, pk=pk)
                .select_related("owner", "department", "created_by").prefetch_related("tags").first())
    if customer is None:
        raise NotFound("not_found", _("客户不存在，或您无权查看。"))
    return customer


HISTORY_LIMIT = 200


def customer_detail_for(user, pk: int) -> Customer:
    """``customer_for`` plus what the detail page shows, each in one prefetch query whatever the history:
    the contacts (tab and timeline) and the newest HISTORY_LIMIT field changes (tab and timeline)."""
    customer = customer_for(user, pk)
    prefetch_related_objects([customer], "contacts", Prefetch(
        "field_changes", queryset=FieldChange.objects.select_related("changed_by")[:HISTORY_LIMIT],
        to_attr="recent_changes"))
    return customer


def contacts_of(customer: Customer) -> QuerySet:
    return customer.contacts.all()


def contact_for(user, customer_pk: int, contact_pk: int) -> Contact:
    customer = customer_for(user, customer_pk)
    contact = customer.contacts.filter(pk=contact_pk).first()
    if contact is None:
        raise NotFound("not_found", _("联系人不存在，或您无权查看。"))
    contact.customer = customer
    return contact


def field_history(customer: Customer, limit: int = HISTORY_LIMIT):
    """The newest field changes; those prefetched by ``customer_detail_for`` when they are there."""
    recent = getattr(customer, "recent_changes", None)
    if recent is not None and limit <= HISTORY_LIMIT:
        return recent[:limit]
    return FieldChange.objects.filter(customer=customer).select_related("changed_by")[:limit]

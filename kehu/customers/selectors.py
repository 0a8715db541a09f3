"""Every read of the customer archive: scoped to what the user may see (SEC-2), customer.view required."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Aggregate, F, JSONField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.core.errors import NotFound
from kehu.customers import custom_fields
from kehu.customers import permissions as perms
from kehu.customers.listing import CappedCount, capped_count
from kehu.customers.models import (
    Attachment,
    ConsentRecord,
    Contact,
    Customer,
    CustomerReview,
    CustomField,
    FieldChange,
)
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
    stale: bool = False  # only customers whose data is due for review (INFO-7)
    sort: str = ""
    custom: tuple[tuple[str, str], ...] = ()  # (key, value) of ``cf_<key>=value`` (INFO-8)


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
    if f.stale:
        rows = rows.filter(stale_condition())
    rows = apply_search(rows, f.q)
    if f.custom:
        rows = custom_fields.apply_filters(rows, f.custom, custom_fields.definitions())
    field = SORTS.get(f.sort.lstrip("-"))
    if field:
        rows = rows.order_by(f"-{field}" if f.sort.startswith("-") else field, "-id")
    return rows.select_related("owner").prefetch_related("tags", _primary_contacts())


def _visible(user, pk: int) -> QuerySet:
    require_permission(user, perms.VIEW)
    return (Customer.objects.visible_to(user).filter(deleted_at=None, pk=pk)
            .select_related("owner", "department", "created_by"))


def _found(user, pk: int, customer: Customer | None) -> Customer:
    if customer is None:
        survivor = _merged_survivor(user, pk)
        if survivor is not None:
            raise NotFound("customer_merged", _("该客户已合并到另一客户。"), details={"merged_into": survivor})
        raise NotFound("not_found", _("客户不存在，或您无权查看。"))
    return customer


def customer_for(user, pk: int) -> Customer:
    """One visible customer with its owner and tags; NotFound (404) when absent or out of scope.

    A customer merged into another (INFO-5) is not found either; when ``user`` could see it, the
    NotFound has code ``customer_merged`` and names the survivor (``details["merged_into"]``), so
    old links can lead there (the survivor's own scope is checked when it is opened)."""
    return _found(user, pk, _visible(user, pk).prefetch_related("tags").first())


MAX_MERGE_HOPS = 10


def _merged_survivor(user, pk: int) -> int | None:
    """The id a visible merged customer now lives on (following later merges), or None."""
    survivor = Customer.objects.visible_to(user).filter(pk=pk).values_list("merged_into", flat=True).first()
    for _hop in range(MAX_MERGE_HOPS):
        if survivor is None:
            return None
        onward = Customer._base_manager.filter(pk=survivor).values_list("merged_into", flat=True).first()
        if onward is None:
            return survivor
        survivor = onward
    return survivor


def visible_ids(user, ids) -> set[int]:
    """Which of ``ids`` (say, duplicate-check hits, found scope-blind) ``user`` may open."""
    if not user.has_permission(perms.VIEW):
        return set()
    return set(Customer.objects.visible_to(user).filter(deleted_at=None, pk__in=list(ids))
               .values_list("pk", flat=True))


class _JSONArray(Aggregate):
    """The values as one JSON array: json_group_array on SQLite, jsonb_agg on PostgreSQL."""

    function = "JSON_GROUP_ARRAY"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSONB_AGG", **extra_context)


def _tag_names() -> Subquery:
    tagged = Customer.tags.through.objects.filter(customer_id=OuterRef("pk")).values("customer_id")
    return Subquery(tagged.annotate(names=_JSONArray("tag__name")).values("names"))


def customer_detail_for(user, pk: int) -> Customer:
    """``customer_for`` for the customer page and its tabs: the owner, department, creator and the tags'
    names (``tag_names``, sorted) in ONE query."""
    customer = _found(user, pk, _visible(user, pk).annotate(tag_list=_tag_names()).first())
    customer.tag_names = sorted(customer.tag_list or ())
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


HISTORY_LIMIT = 200


def history_hidden(user) -> frozenset[str]:
    """The field-history names of the fields hidden from ``user`` (``contact.x`` for a contact's)."""
    from kehu.customers import field_access

    access = field_access.for_user(user)
    return access.hidden(field_access.CUSTOMER) | {f"contact.{f}" for f in access.hidden(field_access.CONTACT)}


def field_history(customer: Customer, limit: int = HISTORY_LIMIT, *, hidden: frozenset[str] = frozenset()) -> QuerySet:
    """The newest field changes without the fields hidden from the reader (``history_hidden``), one query."""
    return FieldChange.objects.filter(customer=customer).exclude(field__in=hidden).select_related(
        "changed_by")[:limit]


@dataclass(frozen=True)
class MatrixCell:
    entity: str
    field: str
    label: str
    access: str
    mask: str
    explicit: bool  # a stored row, not the role's default
    protected: bool

    @property
    def access_label(self) -> str:
        from kehu.customers.field_access import access_label

        return access_label(self.access)

    @property
    def mask_label(self) -> str:
        from kehu.customers.models import FieldPermission

        return str(dict(FieldPermission.MASK_CHOICES)[self.mask])


def field_matrix_roles(user) -> QuerySet:
    """The business roles whose field permissions the security administrator sets (SEC-3)."""
    from kehu.org.models import Role
    from kehu.org.permissions import BUSINESS

    require_permission(user, perms.FIELD_POLICY)
    return Role.objects.filter(duty=BUSINESS).prefetch_related("field_permissions").order_by("id")


def field_matrix_role(user, pk: int):
    role = field_matrix_roles(user).filter(pk=pk).first()
    if role is None:
        raise NotFound("not_found", _("角色不存在，或不是业务角色。"))
    return role


def field_matrix_cells(role) -> list[MatrixCell]:
    """Every customer and contact field with the role's level and mask mode (its row or the default)."""
    from kehu.customers import field_access

    rows = {(r.entity, r.field): r for r in role.field_permissions.all()}
    cells = []
    for entity in field_access.ENTITIES:
        for name in field_access.fields_of(entity):
            row = rows.get((entity, name))
            cells.append(MatrixCell(entity, name, field_access.label(entity, name), field_access.role_level(role, row),
                                    row.mask if row else field_access.EVERYWHERE, row is not None,
                                    name in field_access.PROTECTED[entity]))
    return cells


def reviews_of(customer: Customer, limit: int = 50) -> QuerySet:
    return CustomerReview.objects.filter(customer=customer).select_related("reviewed_by")[:limit]


# --- stale data (信息更新提醒, INFO-7) ------------------------------------------------------------------
# Staleness is computed when read, from the policy in force, not stored by a sweep: a new policy
# version or a recorded review changes every list at once, and there is nothing to keep in step.
@dataclass(frozen=True)
class Reminders:
    """The reminders section of the policy version in force, and that version's number."""

    rules: object  # kehu.policy.schemas.RemindersRules
    version: int


def reminders_in_force(version=None) -> Reminders:
    """One query (none given the ``version`` in force the caller read already); load it once per request
    and pass it on (no cache outlives a request: a publication shows at once)."""
    from kehu.policy.selectors import version_in_force

    version = version or version_in_force()
    return Reminders(version.section("reminders"), version.number)


def _cutoff(interval_days: int, today: dt.date) -> dt.datetime:
    """Data last checked before this moment is due: the evaluator counts calendar days in Asia/Shanghai,
    so day ``interval`` starts at midnight ``interval`` days after the review's date."""
    from kehu.policy.evaluators.base import SHANGHAI

    return dt.datetime.combine(today - dt.timedelta(days=interval_days - 1), dt.time(), tzinfo=SHANGHAI)


def _checked_before(moment: dt.datetime) -> Q:
    return Q(last_reviewed_at__lt=moment) | Q(last_reviewed_at=None, created_at__lt=moment)


def stale_condition(reminders: Reminders | None = None) -> Q:
    """Customers whose data is older than their tier's review interval (RemindersRules.review_interval)."""
    rules = (reminders or reminders_in_force()).rules
    today = clock.today()
    per_tier = rules.review_interval_days
    condition = ~Q(tier__in=list(per_tier)) & _checked_before(_cutoff(rules.review_interval_default_days, today))
    for tier, days in per_tier.items():
        condition |= Q(tier=tier) & _checked_before(_cutoff(days, today))
    return condition


@dataclass(frozen=True)
class StaleRow:
    customer: Customer
    checked_at: dt.datetime  # last review, or creation when never reviewed
    interval_days: int
    days_overdue: int  # 0: due today; negative: not due yet
    policy_version: int

    @property
    def days_left(self) -> int:
        return -self.days_overdue


def stale_customers_for(user, *, mine: bool = True, reminders: Reminders | None = None) -> QuerySet:
    """Visible customers due for review, the longest unchecked first; ``mine``: only those ``user`` owns."""
    require_permission(user, perms.VIEW)
    rows = Customer.objects.visible_to(user).filter(deleted_at=None)
    if mine:
        rows = rows.filter(owner=user)
    return (rows.filter(stale_condition(reminders)).select_related("owner")
            .order_by(Coalesce("last_reviewed_at", "created_at").asc(), F("id").asc()))


def stale_rows(customers, reminders: Reminders | None = None) -> list[StaleRow]:
    """How overdue each (already loaded) customer is, as the policy evaluator says: no queries but the policy."""
    from kehu.policy.evaluators.reminders import review_due

    reminders = reminders or reminders_in_force()
    rules, number = reminders.rules, reminders.version
    now = clock.now()
    rows = []
    for customer in customers:
        decision = review_due(rules, customer.tier, customer.last_reviewed_at, now, created_at=customer.created_at,
                              version=number)
        rows.append(StaleRow(customer, customer.last_reviewed_at or customer.created_at, decision.interval_days,
                             -decision.days_left, number))
    return rows


def stale_count(user, *, mine: bool = True, reminders: Reminders | None = None) -> CappedCount:
    return capped_count(stale_customers_for(user, mine=mine, reminders=reminders))


def attachments_of(user, customer: Customer) -> QuerySet:
    """The customer's files ``user`` may see (the customer loaded through ``customer_for``), newest first."""
    require_permission(user, perms.VIEW)
    return (Attachment.objects.visible_to(user).filter(customer=customer, deleted_at=None)
            .select_related("uploaded_by"))


def attachment_for(user, customer_pk: int, attachment_pk: int) -> Attachment:
    customer = customer_for(user, customer_pk)
    attachment = attachments_of(user, customer).filter(pk=attachment_pk).first()
    if attachment is None:
        raise NotFound("not_found", _("附件不存在，或您无权查看。"))
    attachment.customer = customer
    return attachment


CONSENT_HISTORY_LIMIT = 200


def consent_history(user, customer: Customer, contact: Contact | None = None) -> list[ConsentRecord]:
    """The customer's consent rows (or one contact's), newest first, in one query."""
    require_permission(user, perms.VIEW)
    rows = ConsentRecord.objects.visible_to(user).filter(customer=customer)
    if contact is not None:
        rows = rows.filter(contact=contact)
    return list(rows.select_related("contact", "collected_by")[:CONSENT_HISTORY_LIMIT])


def custom_fields_for(user) -> QuerySet:
    """Every custom-field definition, inactive ones included (the system admin's list)."""
    require_permission(user, perms.CUSTOM_FIELDS)
    return CustomField.objects.order_by("order", "id")


def custom_field_for(user, pk: int) -> CustomField:
    field = custom_fields_for(user).filter(pk=pk).first()
    if field is None:
        raise NotFound("not_found", _("自定义字段不存在。"))
    return field

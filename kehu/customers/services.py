"""Every write to the customer archive: validated, permission-checked, audited in its transaction."""

from __future__ import annotations

import hashlib
from contextlib import closing
from datetime import timedelta
from functools import cache
from itertools import chain

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.compliance import actions, audit
from kehu.compliance.models import AuditEntry
from kehu.core import bulk, clock, masking, parallel
from kehu.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from kehu.customers import consent, field_access, filetypes, storage
from kehu.customers import permissions as perms
from kehu.customers.duplicates import ArchiveKeys, DuplicateHit, claimed_keys, find_duplicates, identity_keys
from kehu.customers.keys import set_contact_keys, set_customer_keys
from kehu.customers.models import (
    Attachment,
    AttachmentKind,
    CollectedVia,
    ConsentPurpose,
    ConsentRecord,
    Contact,
    Customer,
    CustomField,
    FieldChange,
    Kind,
    LegalBasis,
    MarketingChannel,
    Tag,
)
from kehu.org.access import require_permission

# Fields a customer form may set, in display order. Protected ones are stored encrypted.
CUSTOMER_FIELDS = (
    "kind", "name", "short_name", "credit_code", "industry", "scale", "province", "city", "district",
    "address", "source", "website", "stage", "preferences", "service_needs", "remarks",
    "id_number", "gender", "birthday", "mobile", "email",
)
CONTACT_FIELDS = (
    "name", "title", "department_name", "decision_role", "mobile", "phone", "email", "wechat",
    "birthday", "birthday_is_lunar", "preferred_channel", "is_primary", "remarks",
)
PROTECTED = {"address", "id_number", "mobile", "email"}
ENTRY_POINTS = ("web", "api", "import")


def _duplicate_refusal(hits: list[DuplicateHit], *, blocking: bool) -> Conflict:
    listed = "；".join(
        _("%(name)s（负责人：%(owner)s，%(reasons)s）")
        % {"name": h.display_name, "owner": h.owner_name, "reasons": "、".join(h.reason_labels)}
        for h in hits
    )
    message = (_("与已有客户重复，不能新建：%(hits)s") if blocking else _("可能与已有客户重复：%(hits)s。确认不是同一客户后可继续保存。")) % {"hits": listed}
    return Conflict("duplicate" if blocking else "duplicate_warning", message, field="name",
                    details={"hits": [{"customer_id": h.customer_id, "name": h.display_name, "owner": h.owner_name,
                                       "reasons": h.reasons} for h in hits]})


def check_duplicates(*, actor, data: dict, entry_point: str, confirmed: bool, exclude_id: int | None = None) -> None:
    """Refuse or warn as the policy in force says for this entry point (INFO-5)."""
    from kehu.policy.selectors import rules_in_force

    hits = find_duplicates(kind=data.get("kind", Kind.ENTERPRISE), name=data.get("name", ""),
                           credit_code=data.get("credit_code", ""), mobiles=(data.get("mobile", ""),),
                           exclude_id=exclude_id)
    if not hits:
        return
    action = rules_in_force("duplicates").action_by_entry_point[entry_point]
    if action == "warn" and confirmed:
        return
    raise _duplicate_refusal(hits, blocking=action == "block")


def _set_tags(customer: Customer, names: list[str]) -> None:
    tags = [Tag.objects.get_or_create(name=name)[0] for name in names]
    customer.tags.set(tags)


def _shown(customer_or_contact, field: str) -> str:
    value = getattr(customer_or_contact, field)
    if field in PROTECTED:
        return value.masked() if value else ""
    if value is None:
        return ""
    return str(value)


def _new_customer(*, actor, owner, data: dict) -> Customer:
    """An unsaved customer from a validated CustomerForm's cleaned_data, keys computed."""
    values = {field: data[field] if data[field] is not None else "" for field in CUSTOMER_FIELDS if field in data}
    if values.get("birthday") == "":
        values["birthday"] = None
    values.update(custom=data.get("custom") or {}, received_at=clock.now())
    customer = bulk.new(Customer, values, created_by=actor, owner=owner, department=owner.department)
    set_customer_keys(customer)
    return customer


def _primary_index(contacts: tuple[dict, ...]) -> int:
    """A customer's first contact is its primary one unless one is marked."""
    marked = [i for i, c in enumerate(contacts) if c.get("is_primary")]
    return marked[0] if marked else 0


def _create_audit_data(customer: Customer, *, entry_point: str, owner, contacts: int, confirmed: bool) -> dict:
    return {"kind": customer.kind, "entry_point": entry_point, "owner": owner.username,
            "contacts": contacts, "duplicate_confirmed": confirmed}


@transaction.atomic
def customer_create(*, actor, data: dict, entry_point: str = "web", confirmed_duplicate: bool = False,
                    owner=None, contacts: tuple[dict, ...] = ()) -> Customer:
    """Create a customer from a validated CustomerForm's cleaned_data. The creator owns it unless
    an ``owner`` is given (imports and managers assign)."""
    require_permission(actor, perms.CREATE)
    _require_writable_on_create(actor, field_access.CUSTOMER, data)
    for contact_data in contacts:
        _require_writable_on_create(actor, field_access.CONTACT, contact_data)
    check_duplicates(actor=actor, data=data, entry_point=entry_point, confirmed=confirmed_duplicate)
    owner = owner or actor
    customer = _new_customer(actor=actor, owner=owner, data=data)
    customer.save()
    _set_tags(customer, data.get("tags", []))
    primary = _primary_index(contacts)
    for index, contact_data in enumerate(contacts):
        _contact_insert(customer, {**contact_data, "is_primary": index == primary})
    audit.record(actor, actions.CUSTOMER_CREATE, customer,
                 _create_audit_data(customer, entry_point=entry_point, owner=owner, contacts=len(contacts),
                                    confirmed=confirmed_duplicate))
    return customer


class BatchRefused(Conflict):
    """Some customers of an all-or-nothing batch are refused; ``refusals`` maps their index in
    the batch to the refusal (the same error ``customer_create`` would raise for each)."""

    def __init__(self, refusals: dict[int, DomainError]):
        first = refusals[min(refusals)]
        super().__init__("batch_refused", first.message, field=first.field,
                         details={"refused": sorted(refusals)})
        self.refusals = refusals


def _batch_refusals(*, actor, entries, entry_point: str) -> dict[int, DomainError]:
    """What ``customer_create`` would refuse if the entries were created one after another:
    the archive is read on whole batches (``ArchiveKeys``), only candidates get the full check
    (so the message and the policy's action are the same), and an entry that repeats an earlier
    entry of the batch is refused as a duplicate of it."""
    refusals: dict[int, DomainError] = {}
    archive = ArchiveKeys([data for data, _contacts in entries])
    claimed: dict[tuple[str, str], int] = {}
    for index, (data, contacts) in enumerate(entries):
        earlier = next((claimed[k] for k in identity_keys(data) if k in claimed), None)
        if earlier is not None:
            refusals[index] = Conflict("duplicate", _("与同批第 %(n)d 条重复，不能新建。") % {"n": earlier + 1},
                                       field="name")
            continue
        if archive.may_match(data):
            try:
                check_duplicates(actor=actor, data=data, entry_point=entry_point, confirmed=False)
            except DomainError as exc:
                refusals[index] = exc
                continue
        for key in claimed_keys(data, contacts):
            claimed.setdefault(key, index)
    return refusals


def _link_tags(customer_ids: list[int], names_of: list[list[str]]) -> None:
    wanted = sorted({name for names in names_of for name in names})
    tags = {tag.name: tag for tag in Tag.objects.filter(name__in=wanted)}
    for name in wanted:
        if name not in tags:
            tags[name] = Tag.objects.get_or_create(name=name)[0]
    links = [Customer.tags.through(customer_id=pk, tag_id=tags[name].pk)
             for pk, names in zip(customer_ids, names_of, strict=True) for name in names]
    Customer.tags.through.objects.bulk_create(links, batch_size=BULK_BATCH)


BULK_BATCH = 500


def _row_maker(*, actor, owner, entries, entry_point: str):
    """``make(index)``: what ``customer_create`` would insert for ``entries[index]``, as database
    values (the customer's row, its contacts' rows without the customer's id, its name and its
    CUSTOMER_CREATE audit data), built by the same helpers. A pure function of the entry, so
    ``parallel.chunks`` may run it in worker processes."""
    connection = bulk.connection_for(Customer)
    customer_columns, contact_columns = bulk.columns(Customer), bulk.columns(Contact)

    def make(index: int) -> tuple[list, list[list], str, dict]:
        data, given = entries[index]
        customer = _new_customer(actor=actor, owner=owner, data=data)
        primary = _primary_index(given)
        contacts = [bulk.row(_new_contact(customer, {**contact, "is_primary": n == primary}), contact_columns, connection)
                    for n, contact in enumerate(given)]
        return (bulk.row(customer, customer_columns, connection), contacts, customer.name,
                _create_audit_data(customer, entry_point=entry_point, owner=owner, contacts=len(given), confirmed=False))

    return make


@transaction.atomic
def customer_create_many(*, actor, entries: list[tuple[dict, tuple[dict, ...]]], entry_point: str = "import",
                         owner=None, all_or_nothing: bool = True) -> tuple[list[int | None], dict[int, DomainError]]:
    """Create many customers, each exactly as ``customer_create`` would (same fields, keys,
    contacts, tags, duplicate policy and one CUSTOMER_CREATE audit entry each), in bulk: the
    duplicate check runs on whole batches; the rows are prepared (cleaned values to encrypted,
    indexed database values) by ``_row_maker``, in worker processes for a large batch
    (``parallel.chunks``), while this process checks the duplicates, then inserts them
    ``BULK_BATCH`` at a time (``bulk.insert_rows``) and appends their audit entries in one locked
    pass per batch. The customers of one call share their creation instant.

    ``entries`` are (cleaned customer data, cleaned contacts). Returns the new customer's id for
    each entry (None where refused) and the refusals by index. ``all_or_nothing``: any refusal
    raises :class:`BatchRefused` and nothing is written."""
    require_permission(actor, perms.CREATE)
    # the field matrix (SEC-3) holds here as in customer_create
    _require_writable_on_create_many(actor, field_access.CUSTOMER, [data for data, _contacts in entries])
    _require_writable_on_create_many(actor, field_access.CONTACT, [c for _data, contacts in entries for c in contacts])
    owner = owner or actor
    owner.department  # noqa: B018 - every row reads it: loaded once here, before worker processes fork
    created: list[int | None] = [None] * len(entries)
    customer_id = [column.attname for column in bulk.columns(Contact)].index("customer_id")
    with clock.pinned():
        make = _row_maker(actor=actor, owner=owner, entries=entries, entry_point=entry_point)
        # Every entry's rows are prepared (by worker processes, for a large batch) while this
        # process checks the duplicates; nothing is written before that check.
        with closing(parallel.chunks(make, list(range(len(entries))), chunk=BULK_BATCH)) as prepared_batches:
            first = next(prepared_batches, [])
            refusals = _batch_refusals(actor=actor, entries=entries, entry_point=entry_point)
            if refusals and all_or_nothing:
                raise BatchRefused(refusals)
            batches = chain([first], prepared_batches)  # first is [] when there are no entries: not strict
            for start, prepared in zip(range(0, len(entries), BULK_BATCH), batches, strict=False):
                kept = [(i, made) for i, made in enumerate(prepared, start) if i not in refusals]
                ids = bulk.insert_rows(Customer, [customer for _i, (customer, _rows, _name, _audit) in kept])
                contacts = []
                for pk, (_i, (_customer, rows, _name, _audit)) in zip(ids, kept, strict=True):
                    for row in rows:
                        row[customer_id] = pk
                    contacts += rows
                bulk.insert_rows(Contact, contacts)
                _link_tags(ids, [entries[i][0].get("tags", []) for i, _made in kept])
                audit.record_many(actor, actions.CUSTOMER_CREATE, [
                    ((Customer._meta.label_lower, pk, name), data) for pk, (_i, (_customer, _rows, name, data))
                    in zip(ids, kept, strict=True)])
                for pk, (i, _made) in zip(ids, kept, strict=True):
                    created[i] = pk
    return created, refusals


@transaction.atomic
def customer_update(*, actor, customer: Customer, data: dict, entry_point: str = "web",
                    confirmed_duplicate: bool = False) -> list[FieldChange]:
    """Apply the changed fields; write field history (INFO-11) and one audit entry with old → new."""
    require_permission(actor, perms.EDIT)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    _require_writable_changes(actor, field_access.CUSTOMER, customer, data, CUSTOMER_FIELDS)
    identity_changed = any(
        f in data and _comparable(customer, f) != _normal(data[f]) for f in ("name", "credit_code", "mobile", "kind"))
    if identity_changed:
        merged = {f: data.get(f, _comparable(customer, f)) for f in ("kind", "name", "credit_code", "mobile")}
        check_duplicates(actor=actor, data=merged, entry_point=entry_point, confirmed=confirmed_duplicate,
                         exclude_id=customer.pk)
    changes: list[FieldChange] = []
    for field in CUSTOMER_FIELDS:
        if field not in data or _comparable(customer, field) == _normal(data[field]):
            continue
        old = _shown(customer, field)
        setattr(customer, field, data[field] if data[field] is not None else ("" if field != "birthday" else None))
        changes.append(FieldChange(customer=customer, field=field, label=str(Customer._meta.get_field(field).verbose_name),
                                   old_value=old, new_value=_shown(customer, field), changed_by=actor))
    if "custom" in data:
        changes.extend(_custom_changes(customer, data["custom"], actor))
    if "tags" in data:
        old_tags = sorted(customer.tags.values_list("name", flat=True))
        if old_tags != sorted(data["tags"]):
            _set_tags(customer, data["tags"])
            changes.append(FieldChange(customer=customer, field="tags", label=str(_("标签")),
                                       old_value="、".join(old_tags), new_value="、".join(sorted(data["tags"])),
                                       changed_by=actor))
    if not changes:
        return []
    set_customer_keys(customer)
    customer.save()
    FieldChange.objects.bulk_create(changes)
    audit.record(actor, actions.CUSTOMER_UPDATE, customer,
                 {"changes": {c.field: [c.old_value, c.new_value] for c in changes}, "entry_point": entry_point})
    return changes


def _normal(value):
    return "" if value is None else value


def _set_on_create(entity: str, data: dict) -> list[str]:
    """The matrix fields a new record sets away from their default."""
    defaults = _create_defaults(entity)
    return [name for name, value in data.items()
            if name in defaults and _normal(value) not in ("", [], False, defaults[name])]


@cache
def _create_defaults(entity: str) -> dict:
    model = field_access.MODELS[entity]
    return {name: _normal(None if name == "tags" else model._meta.get_field(name).get_default())
            for name in field_access.fields_of(entity)}


def _require_writable_on_create(actor, entity: str, data: dict) -> None:
    """A new record may carry a non-writable field only at its default (SEC-3: the trusted layer)."""
    field_access.for_user(actor).require_writable(entity, _set_on_create(entity, data), None)


def _require_writable_on_create_many(actor, entity: str, records: list[dict]) -> None:
    """As ``_require_writable_on_create`` for each record, checked once on the fields any of them
    sets; when that fails, record by record, so the refusal names what the first bad record's would."""
    try:
        field_access.for_user(actor).require_writable(
            entity, {name for data in records for name in _set_on_create(entity, data)}, None)
    except field_access.FieldForbidden:
        for data in records:
            _require_writable_on_create(actor, entity, data)
        raise


def _require_writable_changes(actor, entity: str, obj, data: dict, names) -> None:
    """An update may change only the fields the actor may write; an unchanged value is no change."""
    changed = [f for f in names if f in data and _comparable(obj, f) != _normal(data[f])]
    if entity == field_access.CUSTOMER and "tags" in data and sorted(
            obj.tags.values_list("name", flat=True)) != sorted(data["tags"]):
        changed.append("tags")
    field_access.for_user(actor).require_writable(entity, changed, obj)


def _custom_changes(customer: Customer, values: dict, actor) -> list[FieldChange]:
    """Field history of the custom values, one row per changed key (personal values masked)."""
    from kehu.customers.custom_fields import by_key, definitions, display

    fields = by_key(definitions(include_inactive=True))
    old = customer.custom or {}
    changes = []
    for key in sorted(set(old) | set(values)):
        if old.get(key) == values.get(key):
            continue
        field = fields.get(key)

        def shown(value, field=field):
            return display(field, value) if field else ("" if value is None else str(value))

        changes.append(FieldChange(customer=customer, field=f"custom.{key}",
                                   label=field.label if field else key,
                                   old_value=shown(old.get(key)), new_value=shown(values.get(key)), changed_by=actor))
    customer.custom = values
    return changes


def _comparable(obj, field: str):
    value = getattr(obj, field)
    if field in PROTECTED:
        return value.reveal() if value else ""
    return _normal(value)


def _new_contact(customer: Customer, data: dict) -> Contact:
    """An unsaved contact of ``customer`` from a validated ContactForm's cleaned_data, keys computed."""
    contact = bulk.new(Contact, {field: data[field] if data[field] is not None else ("" if field != "birthday" else None)
                                 for field in CONTACT_FIELDS if field in data}, customer=customer)
    set_contact_keys(contact)
    return contact


def _contact_insert(customer: Customer, data: dict) -> Contact:
    contact = _new_contact(customer, data)
    if contact.is_primary:
        customer.contacts.filter(is_primary=True).update(is_primary=False)
    contact.save()
    return contact


@transaction.atomic
def contact_create(*, actor, customer: Customer, data: dict) -> Contact:
    require_permission(actor, perms.EDIT)
    _require_writable_on_create(actor, field_access.CONTACT, data)
    if not customer.contacts.exists():
        data = {**data, "is_primary": True}
    contact = _contact_insert(customer, data)
    audit.record(actor, actions.CONTACT_CREATE, contact,
                 {"customer": customer.pk, "mobile": masking.mask_mobile(data["mobile"]) if data.get("mobile") else ""})
    return contact


@transaction.atomic
def contact_update(*, actor, contact: Contact, data: dict) -> list[FieldChange]:
    require_permission(actor, perms.EDIT)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    _require_writable_changes(actor, field_access.CONTACT, contact, data, CONTACT_FIELDS)
    changes = []
    for field in CONTACT_FIELDS:
        if field not in data or _comparable(contact, field) == _normal(data[field]):
            continue
        old = _shown(contact, field)
        if field == "is_primary" and data[field]:
            contact.customer.contacts.exclude(pk=contact.pk).filter(is_primary=True).update(is_primary=False)
        setattr(contact, field, data[field] if data[field] is not None else ("" if field != "birthday" else None))
        changes.append(FieldChange(customer=contact.customer, contact=contact, field=f"contact.{field}",
                                   label=f"{contact.name}·{Contact._meta.get_field(field).verbose_name}",
                                   old_value=old, new_value=_shown(contact, field), changed_by=actor))
    if not changes:
        return []
    set_contact_keys(contact)
    contact.save()
    FieldChange.objects.bulk_create(changes)
    audit.record(actor, actions.CONTACT_UPDATE, contact,
                 {"customer": contact.customer_id, "changes": {c.field: [c.old_value, c.new_value] for c in changes}})
    return changes


# Revealing a protected value (SEC-3, SECURITY.md PI-4): a stated reason, an audit row, a rate cap.
REVEAL_FIELDS = {Customer: ("mobile", "id_number", "email", "address"), Contact: ("mobile", "email")}
REVEALS_PER_HOUR = 50
REASON_MIN_LENGTH = 2


@transaction.atomic
def pii_reveal(*, actor, obj: Customer | Contact, field: str, reason: str) -> str:
    """The plaintext of ``obj.field``, recorded in the audit log (who, when, which customer, field, IP, reason).

    Scope is the caller's: load ``obj`` through a selector first."""
    require_permission(actor, perms.UNMASK)
    entity = field_access.CUSTOMER if isinstance(obj, Customer) else field_access.CONTACT
    if field not in REVEAL_FIELDS[type(obj)] or not field_access.for_user(actor).visible(entity, field):
        raise DomainError("invalid_field", _("该字段不能查看明文。"), field="field")
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise DomainError("reason_required", _("请填写查看理由（至少 %(n)d 个字）。") % {"n": REASON_MIN_LENGTH},
                          field="reason")
    if _reveals_last_hour(actor) >= REVEALS_PER_HOUR:
        raise DomainError("reveal_rate_limited",
                          _("一小时内查看完整个人信息已达 %(n)d 次上限，请稍后再试。") % {"n": REVEALS_PER_HOUR},
                          status=429)
    value = getattr(obj, field)
    customer = obj if isinstance(obj, Customer) else obj.customer
    if masked_in_pool(customer):
        raise PermissionDenied("masked_in_pool", _("客户在公海中，领取后才能查看完整联系方式。"))
    audit.record(actor, actions.PII_REVEAL, customer,
                 {"customer": customer.pk, "contact": obj.pk if isinstance(obj, Contact) else None, "field": field},
                 reason=reason)
    return value.reveal() if value else ""


def masked_in_pool(customer: Customer) -> bool:
    """A customer waiting in a pool shows its contact details masked until claimed, if the policy says so (OWN-3)."""
    from kehu.policy.selectors import rules_in_force

    return customer.pool_id is not None and rules_in_force("pools").mask_contacts_in_pool


def _reveals_last_hour(actor) -> int:
    return AuditEntry.objects.filter(actor=actor, action=actions.PII_REVEAL,
                                     occurred_at__gte=clock.now() - timedelta(hours=1)).count()


# Stored as the reason of the audit row a detail page writes when it shows plaintext (a stable text).
DETAIL_REVEAL_REASON = "详情页显示明文（角色的脱敏方式为仅列表脱敏）"


def pii_detail_plaintext(*, actor, customer: Customer, contacts=None) -> dict[tuple[int | None, str], str]:
    """The plaintext a detail page may show for roles masked "in lists only" (SEC-3), keyed by
    (contact id or None, field): the customer's own values (the page's header) or, given ``contacts``,
    theirs (the contacts tab). One audit row per showing names every value shown; past the hourly
    reveal cap, or without ``pii.unmask``, nothing is shown in clear."""
    access = field_access.for_user(actor)
    if not actor.has_permission(perms.UNMASK):
        return {}
    if contacts is None:
        wanted = [(None, f, customer) for f in REVEAL_FIELDS[Customer]
                  if access.plain_on_detail(field_access.CUSTOMER, f) and getattr(customer, f)]
    else:
        wanted = [(c.pk, f, c) for c in contacts for f in REVEAL_FIELDS[Contact]
                  if access.plain_on_detail(field_access.CONTACT, f) and getattr(c, f)]
    if not wanted or masked_in_pool(customer):
        return {}  # the usual case: no transaction, no query
    with transaction.atomic():
        if _reveals_last_hour(actor) >= REVEALS_PER_HOUR:
            return {}
        audit.record(actor, actions.PII_REVEAL, customer,
                     {"customer": customer.pk, "shown_on": "detail",
                      "fields": [f if cid is None else f"contact.{cid}.{f}" for cid, f, _obj in wanted]},
                     reason=DETAIL_REVEAL_REASON)
    return {(cid, f): getattr(obj, f).reveal() for cid, f, obj in wanted}


@transaction.atomic
def customer_viewed(*, actor, customer: Customer) -> None:
    """Record that ``actor`` opened the customer's page (PI-4: who looked at whose data)."""
    audit.record(actor, actions.CUSTOMER_VIEW, customer)


# --- merging duplicates (INFO-5) -------------------------------------------------------------------------
# The values a merge may take from the duplicate: the form's fields but the kind (both must be of one kind).
MERGE_FIELDS = tuple(f for f in CUSTOMER_FIELDS if f != "kind")


def check_merge(target: Customer, duplicate: Customer) -> None:
    """Refuse a merge into itself, of a merged or deleted customer, or across kinds."""
    if target.pk == duplicate.pk:
        raise DomainError("merge_self", _("不能把客户合并到它自己。"), field="duplicate")
    for customer in (target, duplicate):
        if customer.merged_into_id or customer.deleted_at:
            raise Conflict("already_merged", _("客户“%(name)s”已被合并或删除，不能再合并。") % {"name": customer.name},
                           field="duplicate" if customer is duplicate else None)
    if target.kind != duplicate.kind:
        raise DomainError("merge_kind", _("只能合并同一类型的客户（企业与企业、个人与个人）。"), field="duplicate")


def _merge_label(field: str) -> str:
    return _("%(label)s（合并）") % {"label": Customer._meta.get_field(field).verbose_name}


@transaction.atomic
def customer_merge(*, actor, target: Customer, duplicate: Customer, take_from_duplicate=()) -> dict:
    """Merge ``duplicate`` into ``target`` (both loaded through a selector, so both in the actor's scope).

    ``take_from_duplicate`` names the fields whose value survives from the duplicate; every other field
    keeps the target's. Contacts, tags, team members, field history, reviews and every row other apps
    registered a mover for (kehu.customers.merging) move to the target; the duplicate is soft-deleted
    with ``merged_into`` set. One audit entry names both. Returns {relation: rows moved}."""
    from kehu.customers import merging

    require_permission(actor, perms.MERGE)
    chosen = list(dict.fromkeys(take_from_duplicate))
    unknown = [f for f in chosen if f not in MERGE_FIELDS]
    if unknown:
        raise DomainError("merge_field", _("不能合并的字段：%(fields)s") % {"fields": "、".join(unknown)}, field=unknown[0])
    # Lock both rows in id order, so two merges of the same pair cannot deadlock or both succeed.
    locked = {c.pk: c for c in Customer._base_manager.select_for_update().filter(pk__in=[target.pk, duplicate.pk])
              .order_by("pk")}
    target, duplicate = locked[target.pk], locked.get(duplicate.pk, duplicate)
    check_merge(target, duplicate)

    changes: list[FieldChange] = []
    for field in chosen:
        if _comparable(target, field) == _comparable(duplicate, field):
            continue
        old = _shown(target, field)
        setattr(target, field, getattr(duplicate, field))
        changes.append(FieldChange(customer=target, field=field, label=_merge_label(field), old_value=old,
                                   new_value=_shown(target, field), changed_by=actor))
    merged_custom = {**(duplicate.custom or {}), **(target.custom or {})}  # the survivor's own values win
    target.custom = merged_custom
    target.last_contact_at = max(filter(None, (target.last_contact_at, duplicate.last_contact_at)), default=None)
    target.last_reviewed_at = max(filter(None, (target.last_reviewed_at, duplicate.last_reviewed_at)), default=None)
    set_customer_keys(target)
    target.save()

    moved = merging.move_all(source=duplicate, target=target, actor=actor)
    left = merging.left_behind(duplicate)
    if left:
        raise DomainError("merge_incomplete", _("仍有数据指向被合并的客户，合并已取消：%(rows)s")
                          % {"rows": "、".join(left)}, status=500, details={"left": left})
    duplicate.deleted_at = clock.now()
    duplicate.merged_into = target
    duplicate.save(update_fields=["deleted_at", "merged_into", "updated_at"])
    FieldChange.objects.bulk_create(changes)
    shown_name = masking.mask_name(duplicate.name) if duplicate.is_individual else duplicate.name
    audit.record(actor, actions.CUSTOMER_MERGE, target, {
        "kept": target.pk, "merged": duplicate.pk, "merged_name": shown_name,
        "merged_owner": duplicate.owner.username if duplicate.owner_id else "",
        "fields_from_merged": chosen, "changes": {c.field: [c.old_value, c.new_value] for c in changes},
        "moved": moved,
    })
    return moved


# --- data reviews (信息更新提醒, INFO-7) ---------------------------------------------------------------------
REVIEW_NOTE_MAX = 500


@transaction.atomic
def customer_review(*, actor, customer: Customer, note: str = "", confirmed_unchanged: bool = False):
    """Record that ``actor`` checked the customer's data (loaded through a selector: in scope).

    The note says what was checked; with ``confirmed_unchanged`` it may be empty. The review stores the
    policy version in force and how overdue it was, and restarts the tier's review interval."""
    from kehu.customers.models import CustomerReview
    from kehu.policy.evaluators.reminders import review_due
    from kehu.policy.selectors import version_in_force

    require_permission(actor, perms.REVIEW)
    note = (note or "").strip()
    if not note and not confirmed_unchanged:
        raise DomainError("review_note_required", _("请填写核实说明，或勾选“资料无变化”。"), field="note")
    if len(note) > REVIEW_NOTE_MAX:
        raise DomainError("review_note_too_long", _("核实说明不超过 %(n)d 个字。") % {"n": REVIEW_NOTE_MAX},
                          field="note")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.deleted_at:  # merged (or deleted) since the caller loaded it
        raise Conflict("customer_merged" if customer.merged_into_id else "customer_deleted",
                       _("该客户已合并到另一客户。") if customer.merged_into_id else _("客户不存在，或您无权查看。"))
    now = clock.now()
    version = version_in_force(now)
    decision = review_due(version.section("reminders"), customer.tier, customer.last_reviewed_at, now,
                          created_at=customer.created_at, version=version.number)
    review = CustomerReview.objects.create(customer=customer, reviewed_by=actor, reviewed_at=now, note=note,
                                           confirmed_unchanged=confirmed_unchanged, policy_version=version.number,
                                           days_overdue=-decision.days_left)
    customer.last_reviewed_at = now
    customer.save(update_fields=["last_reviewed_at", "updated_at"])
    audit.record(actor, actions.CUSTOMER_REVIEW, customer, {
        "review": review.pk, "confirmed_unchanged": confirmed_unchanged, "policy_version": version.number,
        "interval_days": decision.interval_days, "days_overdue": review.days_overdue,
    })
    return review


# --- attachments (INFO-10) ----------------------------------------------------------------------
def _clean_file_name(file_name: str) -> str:
    """The name as the user knows it, without any directory part or control characters."""
    name = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable()).strip()
    if not name or name in (".", ".."):
        raise DomainError("file_name_missing", _("文件没有名称。"), field="file")
    if len(name) > 255:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 254 - len(extension)] + dot + extension) if dot else name[:255]
    return name


@transaction.atomic
def attachment_upload(*, actor, customer: Customer, data: bytes, file_name: str, kind: str = AttachmentKind.OTHER,
                      description: str = "") -> Attachment:
    """Store a file on a visible customer: type checked by content, random name on disk, SHA-256 kept."""
    require_permission(actor, perms.ATTACHMENT_UPLOAD)
    if kind not in AttachmentKind.values:
        raise DomainError("invalid_kind", _("附件类型不是允许的取值。"), field="kind")
    if len(description) > 200:
        raise DomainError("description_too_long", _("说明最多 200 个字。"), field="description")
    name = _clean_file_name(file_name)
    found = filetypes.check(data, name)
    stored_name = storage.attachment_store(data)
    try:
        attachment = Attachment.objects.create(
            customer=customer, kind=kind, original_name=name, stored_name=stored_name, file_type=found.code,
            content_type=found.content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
            description=description.strip(), uploaded_by=actor)
        audit.record(actor, actions.ATTACHMENT_UPLOAD, customer,
                     {"attachment": attachment.pk, "name": name, "type": found.code, "size": len(data),
                      "sha256": attachment.sha256, "kind": kind})
    except BaseException:
        storage.attachment_path(stored_name).unlink(missing_ok=True)
        raise
    return attachment


@transaction.atomic
def attachment_download(*, actor, attachment: Attachment):
    """An open binary file of the attachment's bytes; the download is audited. Load ``attachment``
    through a selector first (scope)."""
    require_permission(actor, perms.VIEW)
    try:
        handle = storage.attachment_path(attachment.stored_name).open("rb")
    except FileNotFoundError as exc:
        raise NotFound("attachment_file_missing", _("附件文件已丢失，请联系系统管理员。")) from exc
    try:
        audit.record(actor, actions.ATTACHMENT_DOWNLOAD, attachment.customer,
                     {"attachment": attachment.pk, "name": attachment.original_name, "sha256": attachment.sha256})
    except BaseException:
        handle.close()  # no audit row, no download (AUD-2)
        raise
    return handle


@transaction.atomic
def attachment_delete(*, actor, attachment: Attachment) -> Attachment:
    """Soft delete: out of every list and download; the row and the file stay for retention."""
    require_permission(actor, perms.ATTACHMENT_DELETE)
    attachment = Attachment.objects.select_for_update().get(pk=attachment.pk)
    if attachment.deleted_at is not None:
        raise NotFound("not_found", _("附件不存在，或您无权查看。"))
    attachment.deleted_at = clock.now()
    attachment.deleted_by = actor
    attachment.save(update_fields=["deleted_at", "deleted_by"])
    audit.record(actor, actions.ATTACHMENT_DELETE, attachment.customer,
                 {"attachment": attachment.pk, "name": attachment.original_name, "sha256": attachment.sha256})
    return attachment


# --- consent (PRIV-1, SECURITY.md PI-2) ---------------------------------------------------------
NOTICE_VERSION_MAX = 50
CLOCK_SKEW = timedelta(minutes=5)


def _consent_person(customer: Customer, contact: Contact | None) -> None:
    if contact is not None and contact.customer_id != customer.pk:
        raise NotFound("not_found", _("联系人不存在，或您无权查看。"))
    if contact is None and customer.kind != Kind.INDIVIDUAL:
        raise DomainError("consent_needs_contact", _("企业客户的个人信息同意记录在联系人上，请选择联系人。"),
                          field="contact")


def _consent_fields(purpose: str, channel: str, collected_via: str, collected_at, evidence: str) -> None:
    if purpose not in ConsentPurpose.values:
        raise DomainError("invalid_purpose", _("处理目的不是允许的取值。"), field="purpose")
    if purpose == ConsentPurpose.MARKETING and channel not in MarketingChannel.values:
        raise DomainError("channel_required", _("营销推广须选择渠道（电话、短信、电子邮件或微信）。"), field="channel")
    if purpose != ConsentPurpose.MARKETING and channel:
        raise DomainError("channel_not_applicable", _("只有营销推广按渠道记录，此目的不填渠道。"), field="channel")
    if collected_via not in CollectedVia.values:
        raise DomainError("invalid_collected_via", _("收集方式不是允许的取值。"), field="collected_via")
    if collected_at > clock.now() + CLOCK_SKEW:
        raise DomainError("collected_in_future", _("表示时间不能晚于现在。"), field="collected_at")
    if len(evidence) > 200:
        raise DomainError("evidence_too_long", _("凭证最多 200 个字。"), field="evidence")


def _consent_append(*, actor, customer: Customer, contact: Contact | None, purpose: str, channel: str, status: str,
                    legal_basis: str, notice_version: str, collected_via: str, collected_at, evidence: str,
                    action: str) -> ConsentRecord:
    record = ConsentRecord.objects.create(
        customer=customer, contact=contact, purpose=purpose, channel=channel, status=status, legal_basis=legal_basis,
        notice_version=notice_version, collected_via=collected_via, evidence=evidence, collected_by=actor,
        collected_at=collected_at)
    audit.record(actor, action, customer,
                 {"consent": record.pk, "contact": contact.pk if contact else None, "purpose": purpose,
                  "channel": channel, "status": status, "legal_basis": legal_basis, "notice_version": notice_version,
                  "collected_via": collected_via})
    return record


@transaction.atomic
def consent_grant(*, actor, customer: Customer, contact: Contact | None = None, purpose: str, channel: str = "",
                  legal_basis: str, notice_version: str, collected_via: str, collected_at=None,
                  evidence: str = "") -> ConsentRecord:
    """Record that the person agreed (or that another PIPL art. 13 basis applies) to ``purpose``."""
    require_permission(actor, perms.CONSENT_RECORD)
    _consent_person(customer, contact)
    collected_at = collected_at or clock.now()
    _consent_fields(purpose, channel, collected_via, collected_at, evidence)
    if legal_basis not in LegalBasis.values:
        raise DomainError("invalid_legal_basis", _("合法性基础不是允许的取值。"), field="legal_basis")
    if purpose == ConsentPurpose.MARKETING and legal_basis != LegalBasis.CONSENT:
        raise DomainError("marketing_needs_consent", _("营销推广只能以取得个人同意为合法性基础。"), field="legal_basis")
    notice_version = (notice_version or "").strip()
    if not notice_version or len(notice_version) > NOTICE_VERSION_MAX:
        raise DomainError("notice_version_required",
                          _("请填写告知书版本（1 至 %(n)d 个字符）。") % {"n": NOTICE_VERSION_MAX}, field="notice_version")
    return _consent_append(actor=actor, customer=customer, contact=contact, purpose=purpose, channel=channel,
                           status=ConsentRecord.GRANTED, legal_basis=legal_basis, notice_version=notice_version,
                           collected_via=collected_via, collected_at=collected_at, evidence=evidence.strip(),
                           action=actions.CONSENT_GRANT)


@transaction.atomic
def consent_withdraw(*, actor, customer: Customer, contact: Contact | None = None, purpose: str, channel: str = "",
                     collected_via: str, collected_at=None, evidence: str = "") -> ConsentRecord:
    """Record a withdrawal, or a refusal when never asked (an opt-out): a new row, the history stays."""
    require_permission(actor, perms.CONSENT_RECORD)
    _consent_person(customer, contact)
    collected_at = collected_at or clock.now()
    _consent_fields(purpose, channel, collected_via, collected_at, evidence)
    latest = consent.current(contact or customer, purpose, channel)
    if latest is not None and not latest.granted:
        raise DomainError("already_withdrawn", _("已是撤回或拒绝状态，无需重复记录。"), field="purpose")
    return _consent_append(actor=actor, customer=customer, contact=contact, purpose=purpose, channel=channel,
                           status=ConsentRecord.WITHDRAWN,
                           legal_basis=latest.legal_basis if latest else LegalBasis.CONSENT,
                           notice_version=latest.notice_version if latest else settings.KEHU_PRIVACY_NOTICE_VERSION,
                           collected_via=collected_via, collected_at=collected_at, evidence=evidence.strip(),
                           action=actions.CONSENT_WITHDRAW)


def consent_apply(*, actor, customer, contact, data: dict):
    """Grant or withdraw as ``data`` (a ConsentForm's cleaned data, from the page or the API) says."""
    common = {"actor": actor, "customer": customer, "contact": contact, "purpose": data["purpose"],
              "channel": data.get("channel") or "", "collected_via": data["collected_via"],
              "collected_at": data.get("collected_at"), "evidence": data.get("evidence") or ""}
    if data["action"] == "withdraw":
        return consent_withdraw(**common)
    return consent_grant(**common, legal_basis=data["legal_basis"], notice_version=data["notice_version"])


# The field matrix (SEC-3): a security policy, so the security administrator's (三员分立).
def _cell_now(role, row) -> tuple[str, str]:
    return field_access.role_level(role, row), (row.mask if row else field_access.EVERYWHERE)


def _check_cell(role, entity: str, name: str, access: str, mask: str) -> None:
    label = field_access.label(entity, name)
    if access not in field_access.LEVELS or mask not in (field_access.EVERYWHERE, field_access.LISTS):
        raise DomainError("field_rule_invalid", _("字段“%(label)s”：无效的选项。") % {"label": label},
                          field=f"{entity}.{name}")
    if access == field_access.HIDDEN and name in field_access.IDENTITY[entity]:
        raise DomainError("field_rule_identity", _("字段“%(label)s”标识客户或联系人，不能隐藏（可设为只读）。")
                          % {"label": label}, field=f"{entity}.{name}")
    if access in (field_access.ONCE, field_access.EDIT) and perms.EDIT not in role.permissions:
        raise DomainError("field_rule_no_edit", _("字段“%(label)s”：该角色没有“编辑客户”权限，只能设为隐藏或只读。")
                          % {"label": label}, field=f"{entity}.{name}")
    if mask == field_access.LISTS and name not in field_access.PROTECTED[entity]:
        raise DomainError("field_rule_mask", _("字段“%(label)s”不是个人敏感信息，没有脱敏方式。") % {"label": label},
                          field=f"{entity}.{name}")


@transaction.atomic
def field_permissions_set(*, actor, role, cells: dict[tuple[str, str], tuple[str, str]]) -> list[dict]:
    """Set ``role``'s level and mask mode for the given (entity, field) cells. Every cell is checked
    before anything is written; each cell that changes gets its own audit entry with old → new.
    A cell set back to the default (no row) loses its row."""
    from kehu.customers.models import FieldPermission
    from kehu.org.models import Role

    require_permission(actor, perms.FIELD_POLICY)
    role = Role.objects.select_for_update().get(pk=role.pk)
    if role.is_admin_duty:
        raise DomainError("field_rule_admin_role", _("管理员角色看不到客户数据，没有字段权限可设。"), field="role")
    for (entity, name), (access, mask) in cells.items():
        if entity not in field_access.ENTITIES or name not in field_access.fields_of(entity):
            raise DomainError("field_rule_unknown", _("未知字段：%(name)s") % {"name": f"{entity}.{name}"},
                              field=f"{entity}.{name}")
        _check_cell(role, entity, name, access, mask)
    rows = {(r.entity, r.field): r for r in FieldPermission.objects.filter(role=role)}
    changes = []
    for (entity, name), (access, mask) in cells.items():
        row = rows.get((entity, name))
        old = _cell_now(role, row)
        if old == (access, mask):
            continue
        if (access, mask) == (field_access.role_default(role), field_access.EVERYWHERE):
            if row:
                row.delete()
        else:
            FieldPermission.objects.update_or_create(role=role, entity=entity, field=name, defaults={
                "access": access, "mask": mask, "updated_at": clock.now(), "updated_by": actor})
        change = {"entity": entity, "field": name, "label": field_access.label(entity, name),
                  "access": [old[0], access], "mask": [old[1], mask]}
        audit.record(actor, actions.FIELD_PERMISSION_SET, role, change)
        changes.append(change)
    if changes:
        field_access.rules_changed(role)
    return changes


# --- custom fields (INFO-8) -------------------------------------------------------------------

DEFINITION_FIELDS = ("label", "label_en", "required", "choices", "min_value", "max_value", "regex", "help_text",
                     "applies_to", "order")


def _definition_changed() -> None:
    from kehu.customers.custom_fields import forget_definitions

    forget_definitions()
    transaction.on_commit(forget_definitions)


def _audited_definition(value) -> str | bool | list | None:
    return value if value is None or isinstance(value, bool | list | str | int) else str(value)


@transaction.atomic
def custom_field_create(*, actor, data: dict, preset: str = "") -> CustomField:
    """Define a custom field. ``key`` and ``type`` are fixed from then on (stored values depend on them)."""
    from kehu.customers.custom_fields import check_definition

    require_permission(actor, perms.CUSTOM_FIELDS)
    data = check_definition(data, creating=True)
    field = CustomField(key=data["key"], type=data["type"], preset=preset,
                        **{name: data[name] for name in DEFINITION_FIELDS if name in data})
    field.save()
    _definition_changed()
    audit.record(actor, actions.CUSTOM_FIELD_CREATE, field,
                 {"key": field.key, "type": field.type, "preset": preset,
                  **{name: _audited_definition(getattr(field, name)) for name in DEFINITION_FIELDS}})
    return field


@transaction.atomic
def custom_field_update(*, actor, field: CustomField, data: dict) -> dict:
    """Change a definition; the audit entry holds old → new of what changed."""
    from kehu.customers.custom_fields import check_definition

    require_permission(actor, perms.CUSTOM_FIELDS)
    field = CustomField.objects.select_for_update().get(pk=field.pk)
    data = check_definition({"type": field.type, **data}, creating=False)
    changes = {}
    for name in DEFINITION_FIELDS:
        if name in data and getattr(field, name) != data[name]:
            changes[name] = [_audited_definition(getattr(field, name)), _audited_definition(data[name])]
            setattr(field, name, data[name])
    if changes:
        field.save()
        _definition_changed()
        audit.record(actor, actions.CUSTOM_FIELD_UPDATE, field, {"key": field.key, "changes": changes})
    return changes


def _custom_field_set_active(actor, field: CustomField, active: bool) -> CustomField:
    require_permission(actor, perms.CUSTOM_FIELDS)
    field = CustomField.objects.select_for_update().get(pk=field.pk)
    if field.active != active:
        field.active = active
        field.save(update_fields=["active"])
        _definition_changed()
        audit.record(actor, actions.CUSTOM_FIELD_ACTIVATE if active else actions.CUSTOM_FIELD_DEACTIVATE, field,
                     {"key": field.key})
    return field


@transaction.atomic
def custom_field_deactivate(*, actor, field: CustomField) -> CustomField:
    """Hide the field from forms, pages, exports and filters; stored values stay in the archive."""
    return _custom_field_set_active(actor, field, False)


@transaction.atomic
def custom_field_activate(*, actor, field: CustomField) -> CustomField:
    return _custom_field_set_active(actor, field, True)


@transaction.atomic
def custom_fields_install_preset(*, actor, preset: str) -> list[CustomField]:
    """Install a shipped preset's definitions (idempotent: keys already defined are left as they are,
    so a second run creates nothing and writes no audit entry). Returns the fields created."""
    from kehu.customers.presets import PRESETS

    require_permission(actor, perms.CUSTOM_FIELDS)
    if preset not in PRESETS:
        raise DomainError("unknown_preset", _("没有这个预置方案：%(name)s。") % {"name": preset}, field="preset")
    taken = set(CustomField.objects.values_list("key", flat=True))
    start = (CustomField.objects.order_by("-order").values_list("order", flat=True).first() or 0) + 10
    created = []
    for index, spec in enumerate(spec for spec in PRESETS[preset].fields if spec["key"] not in taken):
        created.append(custom_field_create(actor=actor, data={"order": start + 10 * index, **spec}, preset=preset))
    if created:
        audit.record(actor, actions.CUSTOM_FIELD_PRESET, None,
                     {"preset": preset, "created": [f.key for f in created]})
    return created


@transaction.atomic
def suitability_check(*, actor, customer: Customer, product_risk: str):
    """May a product of risk ``product_risk`` (R1–R5) be offered to this customer? Investor
    suitability (适当性管理): the customer's risk-tolerance level comes from the investment preset's
    ``risk_level`` field; every check is audited with its outcome. Load ``customer`` through a selector."""
    from kehu.customers.presets import RISK_LEVEL_KEY
    from kehu.policy.evaluators.suitability import PRODUCT_RISKS, evaluate

    require_permission(actor, perms.VIEW)
    if product_risk not in PRODUCT_RISKS:
        raise DomainError("bad_product_risk", _("产品风险等级须为 R1–R5。"), field="product_risk", status=422)
    level = (customer.custom or {}).get(RISK_LEVEL_KEY) or None
    decision = evaluate(customer_level=level, product_risk=product_risk)
    audit.record(actor, actions.SUITABILITY_CHECK, customer,
                 {"customer_level": level, "product_risk": product_risk, "outcome": decision.outcome,
                  "may_offer": decision.may_offer})
    return decision

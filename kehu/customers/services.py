"""Every write to the customer archive: validated, permission-checked, audited in its transaction."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.compliance import actions, audit
from kehu.compliance.models import AuditEntry
from kehu.core import clock, masking
from kehu.core.errors import Conflict, DomainError
from kehu.customers import permissions as perms
from kehu.customers.duplicates import ArchiveKeys, DuplicateHit, claimed_keys, find_duplicates, identity_keys
from kehu.customers.keys import set_contact_keys, set_customer_keys
from kehu.customers.models import Contact, Customer, FieldChange, Kind, Tag
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
    customer = Customer(created_by=actor, owner=owner, department=owner.department, received_at=clock.now())
    for field in CUSTOMER_FIELDS:
        if field in data:
            setattr(customer, field, data[field] if data[field] is not None else "")
    if customer.birthday == "":
        customer.birthday = None
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


def _link_tags(customers: list[Customer], names_of: list[list[str]]) -> None:
    wanted = sorted({name for names in names_of for name in names})
    tags = {tag.name: tag for tag in Tag.objects.filter(name__in=wanted)}
    for name in wanted:
        if name not in tags:
            tags[name] = Tag.objects.get_or_create(name=name)[0]
    links = [Customer.tags.through(customer_id=customer.pk, tag_id=tags[name].pk)
             for customer, names in zip(customers, names_of, strict=True) for name in names]
    Customer.tags.through.objects.bulk_create(links, batch_size=BULK_BATCH)


BULK_BATCH = 500


@transaction.atomic
def customer_create_many(*, actor, entries: list[tuple[dict, tuple[dict, ...]]], entry_point: str = "import",
                         owner=None, all_or_nothing: bool = True) -> tuple[list[Customer | None], dict[int, DomainError]]:
    """Create many customers, each exactly as ``customer_create`` would (same fields, keys,
    contacts, tags, duplicate policy and one CUSTOMER_CREATE audit entry each), in bulk: the
    duplicate check runs on whole batches, rows go in with ``bulk_create`` and the audit chain is
    appended in one locked pass per batch.

    ``entries`` are (cleaned customer data, cleaned contacts). Returns the created customer for
    each entry (None where refused) and the refusals by index. ``all_or_nothing``: any refusal
    raises :class:`BatchRefused` and nothing is written."""
    require_permission(actor, perms.CREATE)
    refusals = _batch_refusals(actor=actor, entries=entries, entry_point=entry_point)
    if refusals and all_or_nothing:
        raise BatchRefused(refusals)
    owner = owner or actor
    created: list[Customer | None] = [None] * len(entries)
    chosen = [i for i in range(len(entries)) if i not in refusals]
    for start in range(0, len(chosen), BULK_BATCH):
        batch = chosen[start:start + BULK_BATCH]
        customers = [_new_customer(actor=actor, owner=owner, data=entries[i][0]) for i in batch]
        Customer.objects.bulk_create(customers)
        _link_tags(customers, [entries[i][0].get("tags", []) for i in batch])
        contacts = []
        for customer, i in zip(customers, batch, strict=True):
            given = entries[i][1]
            primary = _primary_index(given)
            contacts += [_new_contact(customer, {**data, "is_primary": n == primary}) for n, data in enumerate(given)]
        Contact.objects.bulk_create(contacts)
        audit.record_many(actor, actions.CUSTOMER_CREATE, [
            (customer, _create_audit_data(customer, entry_point=entry_point, owner=owner,
                                          contacts=len(entries[i][1]), confirmed=False))
            for customer, i in zip(customers, batch, strict=True)])
        for customer, i in zip(customers, batch, strict=True):
            created[i] = customer
    return created, refusals


@transaction.atomic
def customer_update(*, actor, customer: Customer, data: dict, entry_point: str = "web",
                    confirmed_duplicate: bool = False) -> list[FieldChange]:
    """Apply the changed fields; write field history (INFO-11) and one audit entry with old → new."""
    require_permission(actor, perms.EDIT)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
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


def _comparable(obj, field: str):
    value = getattr(obj, field)
    if field in PROTECTED:
        return value.reveal() if value else ""
    return _normal(value)


def _new_contact(customer: Customer, data: dict) -> Contact:
    """An unsaved contact of ``customer`` from a validated ContactForm's cleaned_data, keys computed."""
    contact = Contact(customer=customer)
    for field in CONTACT_FIELDS:
        if field in data:
            setattr(contact, field, data[field] if data[field] is not None else ("" if field != "birthday" else None))
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
    if field not in REVEAL_FIELDS[type(obj)]:
        raise DomainError("invalid_field", _("该字段不能查看明文。"), field="field")
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN_LENGTH:
        raise DomainError("reason_required", _("请填写查看理由（至少 %(n)d 个字）。") % {"n": REASON_MIN_LENGTH},
                          field="reason")
    recent = AuditEntry.objects.filter(actor=actor, action=actions.PII_REVEAL,
                                       occurred_at__gte=clock.now() - timedelta(hours=1)).count()
    if recent >= REVEALS_PER_HOUR:
        raise DomainError("reveal_rate_limited",
                          _("一小时内查看完整个人信息已达 %(n)d 次上限，请稍后再试。") % {"n": REVEALS_PER_HOUR},
                          status=429)
    value = getattr(obj, field)
    customer = obj if isinstance(obj, Customer) else obj.customer
    audit.record(actor, actions.PII_REVEAL, customer,
                 {"customer": customer.pk, "contact": obj.pk if isinstance(obj, Contact) else None, "field": field},
                 reason=reason)
    return value.reveal() if value else ""


@transaction.atomic
def customer_viewed(*, actor, customer: Customer) -> None:
    """Record that ``actor`` opened the customer's page (PI-4: who looked at whose data)."""
    audit.record(actor, actions.CUSTOMER_VIEW, customer)

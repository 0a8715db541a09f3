"""Every write to the customer archive: validated, permission-checked, audited in its transaction."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.compliance import actions, audit
from kehu.compliance.models import AuditEntry
from kehu.core import clock, masking
from kehu.core.errors import Conflict, DomainError
from kehu.customers import field_access
from kehu.customers import permissions as perms
from kehu.customers.duplicates import DuplicateHit, find_duplicates
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
    customer = Customer(created_by=actor, owner=owner, department=owner.department, received_at=clock.now())
    for field in CUSTOMER_FIELDS:
        if field in data:
            setattr(customer, field, data[field] if data[field] is not None else "")
    if customer.birthday == "":
        customer.birthday = None
    set_customer_keys(customer)
    customer.save()
    _set_tags(customer, data.get("tags", []))
    marked = [i for i, c in enumerate(contacts) if c.get("is_primary")]
    primary = marked[0] if marked else 0  # a customer's first contact is its primary one unless one is marked
    for index, contact_data in enumerate(contacts):
        _contact_insert(customer, {**contact_data, "is_primary": index == primary})
    audit.record(actor, actions.CUSTOMER_CREATE, customer,
                 {"kind": customer.kind, "entry_point": entry_point, "owner": owner.username,
                  "contacts": len(contacts), "duplicate_confirmed": confirmed_duplicate})
    return customer


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


def _require_writable_on_create(actor, entity: str, data: dict) -> None:
    """A new record may carry a non-writable field only at its default (SEC-3: the trusted layer)."""
    model = field_access.MODELS[entity]
    set_fields = [name for name in data if name in field_access.fields_of(entity)
                  and _normal(data[name]) not in ("", [], False, _normal(_model_default(model, name)))]
    field_access.for_user(actor).require_writable(entity, set_fields, None)


def _model_default(model, name: str):
    return None if name == "tags" else model._meta.get_field(name).get_default()


def _require_writable_changes(actor, entity: str, obj, data: dict, names) -> None:
    """An update may change only the fields the actor may write; an unchanged value is no change."""
    changed = [f for f in names if f in data and _comparable(obj, f) != _normal(data[f])]
    if entity == field_access.CUSTOMER and "tags" in data and sorted(
            obj.tags.values_list("name", flat=True)) != sorted(data["tags"]):
        changed.append("tags")
    field_access.for_user(actor).require_writable(entity, changed, obj)


def _comparable(obj, field: str):
    value = getattr(obj, field)
    if field in PROTECTED:
        return value.reveal() if value else ""
    return _normal(value)


def _contact_insert(customer: Customer, data: dict) -> Contact:
    contact = Contact(customer=customer)
    for field in CONTACT_FIELDS:
        if field in data:
            setattr(contact, field, data[field] if data[field] is not None else ("" if field != "birthday" else None))
    if contact.is_primary:
        customer.contacts.filter(is_primary=True).update(is_primary=False)
    set_contact_keys(contact)
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
    audit.record(actor, actions.PII_REVEAL, customer,
                 {"customer": customer.pk, "contact": obj.pk if isinstance(obj, Contact) else None, "field": field},
                 reason=reason)
    return value.reveal() if value else ""


def _reveals_last_hour(actor) -> int:
    return AuditEntry.objects.filter(actor=actor, action=actions.PII_REVEAL,
                                     occurred_at__gte=clock.now() - timedelta(hours=1)).count()


# Stored as the reason of the audit row a detail page writes when it shows plaintext (a stable text).
DETAIL_REVEAL_REASON = "详情页显示明文（角色的脱敏方式为仅列表脱敏）"


def pii_detail_plaintext(*, actor, customer: Customer, contacts) -> dict[tuple[int | None, str], str]:
    """The plaintext a detail page may show for roles masked "in lists only" (SEC-3), keyed by
    (contact id or None, field). One audit row per page view names every value shown; past the
    hourly reveal cap, or without ``pii.unmask``, nothing is shown in clear."""
    access = field_access.for_user(actor)
    if not actor.has_permission(perms.UNMASK):
        return {}
    wanted = [(None, f, customer) for f in REVEAL_FIELDS[Customer]
              if access.plain_on_detail(field_access.CUSTOMER, f) and getattr(customer, f)]
    wanted += [(c.pk, f, c) for c in contacts for f in REVEAL_FIELDS[Contact]
               if access.plain_on_detail(field_access.CONTACT, f) and getattr(c, f)]
    if not wanted:
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
    return changes

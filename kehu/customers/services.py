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
from kehu.customers.duplicates import DuplicateHit, find_duplicates
from kehu.customers.keys import set_contact_keys, set_customer_keys
from kehu.customers.models import Contact, Customer, CustomField, FieldChange, Kind, Tag
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
    check_duplicates(actor=actor, data=data, entry_point=entry_point, confirmed=confirmed_duplicate)
    owner = owner or actor
    customer = Customer(created_by=actor, owner=owner, department=owner.department, received_at=clock.now())
    for field in CUSTOMER_FIELDS:
        if field in data:
            setattr(customer, field, data[field] if data[field] is not None else "")
    if customer.birthday == "":
        customer.birthday = None
    customer.custom = data.get("custom") or {}
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

"""/api/v1/customers: the archive over JSON (INFO-1..6, SEC-2, SEC-3).

Thin adapters like the pages: reads through the selectors (404 out of scope), writes through the
services, input checked by the same CustomerForm/ContactForm as the web and the import (INFO-4).
Personal data leaves only masked; the plaintext of one value only through /reveal (PI-4).
The input schemas carry no owner, department or tier: those are not the caller's to set.
"""


import dataclasses
import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kehu.core.errors import DomainError
from kehu.core.idempotency import idempotent
from kehu.core.pagination import LimitOffsetPagination
from kehu.customers import custom_fields, selectors, services
from kehu.customers import permissions as perms
from kehu.customers.duplicates import find_duplicates
from kehu.customers.forms import CUSTOM_PREFIX, ContactForm, CustomerForm
from kehu.customers.models import Contact, Customer
from kehu.org.access import require_permission

router = Router(tags=["customers"])


def _masked(value) -> str:
    return str(value) if value else ""


class ContactOut(Schema):
    id: int
    name: str
    title: str
    department_name: str
    decision_role: str
    mobile: str
    phone: str
    email: str
    wechat: str
    preferred_channel: str
    is_primary: bool

    @staticmethod
    def resolve_mobile(obj: Contact) -> str:
        return _masked(obj.mobile)

    @staticmethod
    def resolve_email(obj: Contact) -> str:
        return _masked(obj.email)


class CustomerOut(Schema):
    id: int
    kind: str
    name: str
    short_name: str
    credit_code: str
    industry: str
    scale: str
    province: str
    city: str
    district: str
    source: str
    stage: str
    tier: str
    owner: str | None
    tags: list[str]
    mobile: str = Field(description="脱敏")
    email: str = Field(description="脱敏")
    address: str = Field(description="脱敏")
    id_number: str = Field(description="脱敏")
    last_contact_at: dt.datetime | None
    created_at: dt.datetime
    custom: dict[str, Any] = Field(description="自定义字段 {键: 值}（手机、邮箱类脱敏）")

    @staticmethod
    def resolve_custom(obj: Customer) -> dict:
        return custom_fields.masked_dict(obj.custom, custom_fields.definitions())

    @staticmethod
    def resolve_owner(obj: Customer) -> str | None:
        return obj.owner.full_name if obj.owner_id else None

    @staticmethod
    def resolve_tags(obj: Customer) -> list[str]:
        return [tag.name for tag in obj.tags.all()]

    @staticmethod
    def resolve_mobile(obj: Customer) -> str:
        return _masked(obj.mobile)

    @staticmethod
    def resolve_email(obj: Customer) -> str:
        return _masked(obj.email)

    @staticmethod
    def resolve_address(obj: Customer) -> str:
        return _masked(obj.address)

    @staticmethod
    def resolve_id_number(obj: Customer) -> str:
        return _masked(obj.id_number)


class CustomerDetailOut(CustomerOut):
    contacts: list[ContactOut]

    @staticmethod
    def resolve_contacts(obj: Customer) -> list[Contact]:
        return list(obj.contacts.all())


class ContactIn(Schema):
    name: str
    title: str = ""
    department_name: str = ""
    decision_role: str = ""
    mobile: str = ""
    phone: str = ""
    email: str = ""
    wechat: str = ""
    birthday: dt.date | None = None
    birthday_is_lunar: bool = False
    preferred_channel: str = ""
    is_primary: bool = False
    remarks: str = ""


class CustomerPatch(Schema):
    kind: str | None = None
    name: str | None = None
    short_name: str | None = None
    credit_code: str | None = None
    industry: str | None = None
    scale: str | None = None
    province: str | None = None
    city: str | None = None
    district: str | None = None
    address: str | None = None
    source: str | None = None
    website: str | None = None
    stage: str | None = None
    tags: list[str] | None = None
    preferences: str | None = None
    service_needs: str | None = None
    remarks: str | None = None
    id_number: str | None = None
    gender: str | None = None
    birthday: dt.date | None = None
    mobile: str | None = None
    email: str | None = None
    custom: dict[str, Any] | None = Field(None, description="自定义字段 {键: 值}；更新时只改所给的键，值为 null 删除")
    confirm_duplicate: bool = Field(False, description="查重策略为“提示”时，确认不是同一客户")


class CustomerIn(CustomerPatch):
    kind: str = "enterprise"
    name: str
    stage: str = "potential"
    custom: dict[str, Any] = Field(default_factory=dict, description="自定义字段 {键: 值}")
    contacts: list[ContactIn] = []




class DuplicateCheckIn(Schema):
    kind: str = "enterprise"
    name: str = ""
    credit_code: str = ""
    mobile: str = ""


class DuplicateHitOut(Schema):
    customer_id: int
    name: str
    owner: str
    reasons: list[str]


class RevealIn(Schema):
    field: str
    reason: str
    contact_id: int | None = None


class RevealOut(Schema):
    value: str


class CustomFieldOut(Schema):
    key: str
    label: str
    label_en: str
    type: str
    required: bool
    choices: list[str]
    min_value: float | None
    max_value: float | None
    regex: str
    applies_to: str
    order: int


class SuitabilityIn(Schema):
    product_risk: str = Field(description="产品风险等级 R1–R5")


class SuitabilityOut(Schema):
    customer_level: str | None = Field(description="客户风险承受能力等级 C1–C5（未评估为 null）")
    product_risk: str
    outcome: str = Field(description="match 适当 / warn 不得推介，客户主动要求须书面警示 / refuse 不得销售 / not_assessed 未评估")
    may_offer: bool
    may_sell_on_request: bool
    reason: str


class ListFilters(Schema):
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


def _validated(form):
    """The form's cleaned data, or 422 in the API's one error shape with the form's own messages;
    a custom value's error names its field as ``custom.<key>``."""
    if form.is_valid():
        return form.cleaned_data
    custom_errors = getattr(form, "custom_errors", {})
    custom_messages = set(custom_errors.values())
    details = [{"field": name, "message": str(message), "type": "invalid"}
               for name, messages in form.errors.items() for message in messages
               if not name.startswith(CUSTOM_PREFIX) and not (name == "__all__" and str(message) in custom_messages)]
    labelled = custom_fields.labelled_errors(custom_errors, form.custom_definitions) if custom_errors else {}
    details += [{"field": f"custom.{key}", "message": message, "type": "invalid"} for key, message in labelled.items()]
    raise DomainError("validation_error", _("提交的数据有误，请检查标出的字段。"), field=details[0]["field"],
                      status=422, details=details)


def _form_input(payload: Schema, *, exclude_unset: bool = False) -> dict:
    data = payload.dict(exclude_unset=exclude_unset, exclude={"confirm_duplicate", "contacts"})
    if data.get("custom") is None:
        data.pop("custom", None)
    if "tags" in data:
        data["tags"] = ",".join(data["tags"] or [])
    return {k: ("" if v is None else v) for k, v in data.items()}


@router.get("", response=list[CustomerOut])
@paginate(LimitOffsetPagination)
def customer_list(request, filters: Query[ListFilters]):
    """Also filters by custom values: ``cf_<key>=value`` (substring for text, exact otherwise, an option
    for multiple choice; not for mobile or e-mail fields)."""
    custom, errors = custom_fields.filters_from(request.GET, custom_fields.definitions())
    if errors:
        name, message = next(iter(errors.items()))
        raise DomainError("validation_error", message, field=name, status=422,
                          details=[{"field": k, "message": v, "type": "invalid"} for k, v in errors.items()])
    return selectors.customers_for(request.auth, dataclasses.replace(
        selectors.CustomerFilters(**filters.dict()), custom=custom))


@router.get("/custom-fields", response=list[CustomFieldOut])
def custom_field_list(request):
    """The custom fields in force (INFO-8): the keys ``custom`` accepts and ``cf_<key>`` filters on."""
    require_permission(request.auth, perms.VIEW)
    return custom_fields.definitions()


@router.post("/duplicate-check", response=list[DuplicateHitOut])
def duplicate_check(request, payload: DuplicateCheckIn):
    """Who already has this customer, across ALL customers whatever the caller's scope (INFO-5); masked."""
    require_permission(request.auth, perms.VIEW)
    data = _validated(CustomerForm({**payload.dict(), "name": payload.name or "-", "stage": "potential"}))
    hits = find_duplicates(kind=data["kind"], name=payload.name and data["name"], credit_code=data["credit_code"],
                           mobiles=(data["mobile"],))
    return [DuplicateHitOut(customer_id=h.customer_id, name=h.display_name, owner=h.owner_name, reasons=h.reasons)
            for h in hits]


@router.get("/{int:customer_id}", response=CustomerDetailOut)
def customer_detail(request, customer_id: int):
    return selectors.customer_for(request.auth, customer_id)


@router.post("", response={201: CustomerDetailOut})
@idempotent
def customer_create(request, payload: CustomerIn):
    require_permission(request.auth, perms.CREATE)  # before validation: no hints to those who may not create
    data = _validated(CustomerForm(_form_input(payload)))
    contacts = tuple(_validated(ContactForm(c.dict())) for c in payload.contacts)
    customer = services.customer_create(actor=request.auth, data=data, entry_point="api",
                                        confirmed_duplicate=payload.confirm_duplicate, contacts=contacts)
    return Status(201, selectors.customer_for(request.auth, customer.pk))


def _current_values(customer: Customer) -> dict:
    """The customer as form input, for validating a partial update as a whole (internal: never sent out)."""
    values = {f: services._comparable(customer, f) for f in services.CUSTOMER_FIELDS}
    values["tags"] = ",".join(t.name for t in customer.tags.all())
    return values


@router.patch("/{int:customer_id}", response=CustomerDetailOut)
def customer_update(request, customer_id: int, payload: CustomerPatch):
    """Change only the fields sent."""
    require_permission(request.auth, perms.EDIT)
    customer = selectors.customer_for(request.auth, customer_id)
    sent = _form_input(payload, exclude_unset=True)
    if "custom" in sent:
        merged = {**customer.custom, **sent["custom"]}
        sent["custom"] = {k: v for k, v in merged.items() if v is not None}
    data = _validated(CustomerForm({**_current_values(customer), **sent}, custom_existing=customer.custom))
    services.customer_update(actor=request.auth, customer=customer, data={k: data[k] for k in sent},
                             entry_point="api", confirmed_duplicate=payload.confirm_duplicate)
    return selectors.customer_for(request.auth, customer_id)


@router.get("/{int:customer_id}/contacts", response=list[ContactOut])
def contact_list(request, customer_id: int):
    return list(selectors.contacts_of(selectors.customer_for(request.auth, customer_id)))


@router.post("/{int:customer_id}/contacts", response={201: ContactOut})
@idempotent
def contact_create(request, customer_id: int, payload: ContactIn):
    require_permission(request.auth, perms.EDIT)
    customer = selectors.customer_for(request.auth, customer_id)
    data = _validated(ContactForm(payload.dict()))
    return Status(201, services.contact_create(actor=request.auth, customer=customer, data=data))


@router.post("/{int:customer_id}/reveal", response=RevealOut)
def reveal(request, customer_id: int, payload: RevealIn):
    """The plaintext of one protected value: needs pii.unmask and a reason; audited; 50 an hour (PI-4)."""
    require_permission(request.auth, perms.UNMASK)
    obj = (selectors.contact_for(request.auth, customer_id, payload.contact_id) if payload.contact_id
           else selectors.customer_for(request.auth, customer_id))
    return {"value": services.pii_reveal(actor=request.auth, obj=obj, field=payload.field, reason=payload.reason)}


@router.post("/{int:customer_id}/suitability", response=SuitabilityOut)
def suitability(request, customer_id: int, payload: SuitabilityIn):
    """Investor suitability (适当性管理): may a product of risk R1–R5 be offered to this customer,
    whose level C1–C5 is the investment preset's ``risk_level``? Audited."""
    require_permission(request.auth, perms.VIEW)
    customer = selectors.customer_for(request.auth, customer_id)
    decision = services.suitability_check(actor=request.auth, customer=customer, product_risk=payload.product_risk)
    return dataclasses.asdict(decision)

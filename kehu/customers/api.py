"""/api/v1/customers: the archive over JSON (INFO-1..6, SEC-2, SEC-3).

Thin adapters like the pages: reads through the selectors (404 out of scope), writes through the
services, input checked by the same CustomerForm/ContactForm as the web and the import (INFO-4).
Personal data leaves only masked; the plaintext of one value only through /reveal (PI-4).
The input schemas carry no owner, department or tier: those are not the caller's to set.
"""


import datetime as dt
from typing import ClassVar

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import model_serializer

from kehu.core.errors import DomainError
from kehu.core.idempotency import idempotent
from kehu.core.pagination import LimitOffsetPagination
from kehu.customers import field_access, selectors, services
from kehu.customers import permissions as perms
from kehu.customers.field_access import CONTACT, CUSTOMER
from kehu.customers.duplicates import find_duplicates
from kehu.customers.forms import ContactForm, CustomerForm
from kehu.customers.models import Contact, Customer
from kehu.org.access import require_permission

router = Router(tags=["customers"])


def _masked(value) -> str:
    return str(value) if value else ""


def _caller(request):
    return getattr(request, "auth", None) or getattr(request, "user", None)


class _WithoutHidden(Schema):
    """Output that leaves out every field hidden from the caller's roles (SEC-3): absent, not null.
    Those fields therefore have defaults here, so the schema does not call them required."""

    entity: ClassVar[str] = CUSTOMER

    @model_serializer(mode="wrap")
    def _omit_hidden(self, handler, info):
        data = handler(self)
        user = _caller((info.context or {}).get("request"))
        hidden = (field_access.for_user(user).hidden(self.entity) if user is not None
                  else set(field_access.fields_of(self.entity)) - field_access.IDENTITY[self.entity])
        for name in hidden:
            data.pop(name, None)
        return data


class ContactOut(_WithoutHidden):
    entity: ClassVar[str] = CONTACT

    id: int
    name: str
    title: str = ""
    department_name: str = ""
    decision_role: str = ""
    mobile: str = Field("", description="脱敏")
    phone: str = ""
    email: str = Field("", description="脱敏")
    wechat: str = ""
    preferred_channel: str = ""
    is_primary: bool = False

    @staticmethod
    def resolve_mobile(obj: Contact) -> str:
        return _masked(obj.mobile)

    @staticmethod
    def resolve_email(obj: Contact) -> str:
        return _masked(obj.email)


class CustomerOut(_WithoutHidden):
    id: int
    kind: str
    name: str
    short_name: str = ""
    credit_code: str = ""
    industry: str = ""
    scale: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    source: str = ""
    stage: str = ""
    tier: str
    owner: str | None
    tags: list[str] = []
    mobile: str = Field("", description="脱敏")
    email: str = Field("", description="脱敏")
    address: str = Field("", description="脱敏")
    id_number: str = Field("", description="脱敏")
    last_contact_at: dt.datetime | None
    created_at: dt.datetime

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
    confirm_duplicate: bool = Field(False, description="查重策略为“提示”时，确认不是同一客户")


class CustomerIn(CustomerPatch):
    kind: str = "enterprise"
    name: str
    stage: str = "potential"
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
    """The form's cleaned data, or 422 in the API's one error shape with the form's own messages."""
    if form.is_valid():
        return form.cleaned_data
    details = [{"field": name, "message": str(message), "type": "invalid"}
               for name, messages in form.errors.items() for message in messages]
    raise DomainError("validation_error", _("提交的数据有误，请检查标出的字段。"), field=details[0]["field"],
                      status=422, details=details)


def _require_sent_writable(user, payload: Schema, obj=None) -> None:
    """403 naming the first field sent that the caller may not write (SECURITY.md AC-4: no mass
    assignment). Sending counts, whatever the value: an accepted "unchanged" value would tell a
    caller what a hidden field holds."""
    access = field_access.for_user(user)
    access.require_writable(CUSTOMER, payload.dict(exclude_unset=True).keys(), obj)
    for contact in getattr(payload, "contacts", None) or ():
        access.require_writable(CONTACT, contact.dict(exclude_unset=True).keys(), None)


def _form_input(payload: Schema, *, exclude_unset: bool = False) -> dict:
    data = payload.dict(exclude_unset=exclude_unset, exclude={"confirm_duplicate", "contacts"})
    if "tags" in data:
        data["tags"] = ",".join(data["tags"] or [])
    return {k: ("" if v is None else v) for k, v in data.items()}


@router.get("", response=list[CustomerOut])
@paginate(LimitOffsetPagination)
def customer_list(request, filters: Query[ListFilters]):
    return selectors.customers_for(request.auth, selectors.CustomerFilters(**filters.dict()))


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
    _require_sent_writable(request.auth, payload)
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
    _require_sent_writable(request.auth, payload, customer)
    sent = _form_input(payload, exclude_unset=True)
    data = _validated(CustomerForm({**_current_values(customer), **sent}))
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
    field_access.for_user(request.auth).require_writable(CONTACT, payload.dict(exclude_unset=True).keys(), None)
    data = _validated(ContactForm(payload.dict()))
    return Status(201, services.contact_create(actor=request.auth, customer=customer, data=data))


@router.post("/{int:customer_id}/reveal", response=RevealOut)
def reveal(request, customer_id: int, payload: RevealIn):
    """The plaintext of one protected value: needs pii.unmask and a reason; audited; 50 an hour (PI-4)."""
    require_permission(request.auth, perms.UNMASK)
    obj = (selectors.contact_for(request.auth, customer_id, payload.contact_id) if payload.contact_id
           else selectors.customer_for(request.auth, customer_id))
    return {"value": services.pii_reveal(actor=request.auth, obj=obj, field=payload.field, reason=payload.reason)}

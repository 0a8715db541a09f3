"""/api/v1/customers: the archive over JSON (INFO-1..6, SEC-2, SEC-3).

Thin adapters like the pages: reads through the selectors (404 out of scope), writes through the
services, input checked by the same CustomerForm/ContactForm as the web and the import (INFO-4).
Personal data leaves only masked; the plaintext of one value only through /reveal (PI-4).
The input schemas carry no owner, department or tier: those are not the caller's to set.
"""


import dataclasses
import datetime as dt
from typing import Any, ClassVar, Literal

from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import paginate
from pydantic import model_serializer

from kehu.core.errors import Conflict, DomainError, NotFound
from kehu.core.idempotency import idempotent
from kehu.core.pagination import LimitOffsetPagination, page_limit
from kehu.customers import consent, custom_fields, downloads, field_access, filetypes, selectors, services
from kehu.customers import permissions as perms
from kehu.customers.duplicates import find_duplicates
from kehu.customers.field_access import CONTACT, CUSTOMER
from kehu.customers.forms import CUSTOM_PREFIX, ConsentForm, ContactForm, CustomerForm
from kehu.customers.listing import COUNT_CAP, counted_window
from kehu.customers.models import Attachment, ConsentRecord, Contact, Customer
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
    stale: bool = Field(False, description="只看资料待核实（超过等级核实周期）的客户")
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
    if data.get("custom") is None:
        data.pop("custom", None)
    if "tags" in data:
        data["tags"] = ",".join(data["tags"] or [])
    return {k: ("" if v is None else v) for k, v in data.items()}


COUNT_CAPPED = Field(description=f"true：符合条件的超过 {COUNT_CAP} 个，count 止于 {COUNT_CAP}（缩小条件可得准确数目）")


class CountedPagination(LimitOffsetPagination):
    """``limit``/``offset`` pages of a big list (INFO-6): the count stops at ``listing.COUNT_CAP`` and says so
    in ``count_capped``, and the page is read as the list page reads it (``listing.counted_window``). An exact
    COUNT(*) of a million customers took 420–480 ms on PostgreSQL."""

    class Output(LimitOffsetPagination.Output):
        count_capped: bool = COUNT_CAPPED

    def window(self, queryset, offset: int, limit: int) -> dict:
        items, counted = counted_window(queryset, offset, offset + limit)
        return {"items": items, "count": counted.value, "count_capped": counted.capped}


@router.get("", response=list[CustomerOut])
@paginate(CountedPagination)
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


class StaleOut(Schema):
    id: int
    name: str
    tier: str
    owner: str | None
    checked_at: dt.datetime = Field(description="上次核实时间；从未核实时为建档时间")
    reviewed: bool = Field(description="是否核实过")
    interval_days: int = Field(description="该等级的核实周期（生效的制度版本）")
    days_overdue: int = Field(description="逾期天数，0 为今日到期")
    policy_version: int


class StalePage(Schema):
    items: list[StaleOut]
    count: int
    count_capped: bool = COUNT_CAPPED
    limit: int
    offset: int


class StaleFilters(Schema):
    mine: bool = Field(True, description="只看我负责的；false 为我能看到的全部")
    limit: int | None = Field(None, ge=1, description="每页条数，默认 50，最多 100")
    offset: int = Field(0, ge=0)


@router.get("/stale", response=StalePage)
def stale_list(request, filters: Query[StaleFilters]):
    """Customers whose data is older than their tier's review interval, the longest unchecked first (INFO-7)."""
    reminders = selectors.reminders_in_force()
    rows = selectors.stale_customers_for(request.auth, mine=filters.mine, reminders=reminders)
    limit = page_limit(filters.limit)
    window, counted = counted_window(rows, filters.offset, filters.offset + limit)
    page = selectors.stale_rows(window, reminders)
    items = [StaleOut(id=r.customer.pk, name=r.customer.name, tier=r.customer.tier,
                      owner=r.customer.owner.full_name if r.customer.owner_id else None, checked_at=r.checked_at,
                      reviewed=r.customer.last_reviewed_at is not None, interval_days=r.interval_days,
                      days_overdue=r.days_overdue, policy_version=r.policy_version) for r in page]
    return {"items": items, "count": counted.value, "count_capped": counted.capped, "limit": limit,
            "offset": filters.offset}


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


class MergeIn(Schema):
    duplicate_id: int = Field(description="被合并（随后删除）的重复客户")
    take_from_duplicate: list[str] = Field([], description="采用重复客户的值的字段；其余字段保留本客户的值")


class MergeOut(Schema):
    customer: CustomerDetailOut
    merged_id: int
    moved: dict[str, int]


@router.post("/{int:customer_id}/merge", response=MergeOut)
def customer_merge(request, customer_id: int, payload: MergeIn):
    """Merge the duplicate INTO this customer with all its history (INFO-5). Both must be in the caller's scope."""
    require_permission(request.auth, perms.MERGE)
    target = selectors.customer_for(request.auth, customer_id)
    try:
        duplicate = selectors.customer_for(request.auth, payload.duplicate_id)
    except NotFound as exc:
        if exc.code != "customer_merged":
            raise
        raise Conflict("already_merged", _("该客户已被合并，不能再合并。"), field="duplicate_id") from exc
    moved = services.customer_merge(actor=request.auth, target=target, duplicate=duplicate,
                                    take_from_duplicate=payload.take_from_duplicate)
    return {"customer": selectors.customer_for(request.auth, customer_id), "merged_id": duplicate.pk, "moved": moved}


class ReviewIn(Schema):
    note: str = Field("", description="核实了哪些资料、有何变化")
    confirmed_unchanged: bool = Field(False, description="资料无变化（此时可不填说明）")


class ReviewOut(Schema):
    id: int
    customer_id: int
    reviewed_at: dt.datetime
    reviewed_by: str
    note: str
    confirmed_unchanged: bool
    policy_version: int | None
    days_overdue: int

    @staticmethod
    def resolve_reviewed_by(obj) -> str:
        return obj.reviewed_by.full_name or obj.reviewed_by.username


@router.post("/{int:customer_id}/reviews", response={201: ReviewOut})
@idempotent
def customer_review(request, customer_id: int, payload: ReviewIn):
    """Record that the customer's data was checked (INFO-7): restarts the tier's review interval."""
    require_permission(request.auth, perms.REVIEW)
    customer = selectors.customer_for(request.auth, customer_id)
    return Status(201, services.customer_review(actor=request.auth, customer=customer, note=payload.note,
                                                confirmed_unchanged=payload.confirmed_unchanged))


# --- attachments (INFO-10) ----------------------------------------------------------------------
class AttachmentOut(Schema):
    id: int
    kind: str
    original_name: str
    file_type: str = Field(description="由文件内容判定：pdf、jpg、png、gif、webp、docx、xlsx、txt")
    content_type: str
    size: int
    sha256: str
    description: str
    uploaded_by: str
    uploaded_at: dt.datetime

    @staticmethod
    def resolve_uploaded_by(obj: Attachment) -> str:
        return obj.uploaded_by.full_name or obj.uploaded_by.username


@router.get("/{int:customer_id}/attachments", response=list[AttachmentOut])
@paginate(LimitOffsetPagination)
def attachment_list(request, customer_id: int):
    return selectors.attachments_of(request.auth, selectors.customer_for(request.auth, customer_id))


@router.post("/{int:customer_id}/attachments", response={201: AttachmentOut})
def attachment_upload(request, customer_id: int, file: File[UploadedFile], kind: Form[str] = "other",
                      description: Form[str] = ""):
    """multipart/form-data: ``file``, ``kind`` (licence, contract, photo, other), ``description``.
    The type is decided by the content; an over-size, mismatched or unknown file is 400 (field ``file``)."""
    require_permission(request.auth, perms.ATTACHMENT_UPLOAD)
    customer = selectors.customer_for(request.auth, customer_id)
    if file.size > filetypes.max_bytes():
        raise DomainError("file_too_large", _("文件“%(name)s”超过 %(mb)d MB 的上限，已拒绝。")
                          % {"name": file.name, "mb": filetypes.max_bytes() >> 20}, field="file")
    attachment = services.attachment_upload(actor=request.auth, customer=customer, data=file.read(),
                                            file_name=file.name or "", kind=kind, description=description)
    return Status(201, attachment)


@router.get("/{int:customer_id}/attachments/{int:attachment_id}", response=AttachmentOut)
def attachment_detail(request, customer_id: int, attachment_id: int):
    return selectors.attachment_for(request.auth, customer_id, attachment_id)


@router.get("/{int:customer_id}/attachments/{int:attachment_id}/download",
            openapi_extra={"responses": {"200": {"description": "文件内容（Content-Disposition: attachment）",
                                                 "content": {"application/octet-stream": {}}}}})
def attachment_download(request, customer_id: int, attachment_id: int):
    attachment = selectors.attachment_for(request.auth, customer_id, attachment_id)
    return downloads.attachment_response(attachment, services.attachment_download(actor=request.auth, attachment=attachment))


@router.delete("/{int:customer_id}/attachments/{int:attachment_id}", response={204: None})
def attachment_delete(request, customer_id: int, attachment_id: int):
    require_permission(request.auth, perms.ATTACHMENT_DELETE)
    services.attachment_delete(actor=request.auth,
                               attachment=selectors.attachment_for(request.auth, customer_id, attachment_id))
    return Status(204, None)


# --- consent (PRIV-1) ---------------------------------------------------------------------------
class ConsentOut(Schema):
    id: int
    contact_id: int | None = Field(description="空 = 个人客户本人")
    purpose: str
    channel: str
    status: str = Field(description="granted 同意 / withdrawn 撤回或拒绝")
    legal_basis: str
    notice_version: str
    collected_via: str
    evidence: str
    collected_by: str
    collected_at: dt.datetime
    recorded_at: dt.datetime

    @staticmethod
    def resolve_collected_by(obj: ConsentRecord) -> str:
        return obj.collected_by.full_name or obj.collected_by.username


class ConsentIn(Schema):
    action: Literal["grant", "withdraw"] = "grant"
    contact_id: int | None = Field(None, description="空 = 个人客户本人；企业客户须指定联系人")
    purpose: str
    channel: str = Field("", description="营销推广必填：phone、sms、email、wechat")
    legal_basis: str = Field("consent", description="个人信息保护法第十三条；撤回时沿用原记录")
    notice_version: str = ""
    collected_via: str
    collected_at: dt.datetime | None = None
    evidence: str = ""


class ConsentFilters(Schema):
    contact_id: int | None = None
    current: bool = Field(False, description="只返回每个（个人、目的、渠道）的最新一条")


class MarketingDecisionOut(Schema):
    allowed: bool
    reason: str = Field(description="opted_in、never_asked、opted_out、not_a_person、customer_deleted、unknown_channel")
    message: str
    record_id: int | None
    notice_version: str


def _person(request, customer_id: int, contact_id: int | None):
    customer = selectors.customer_for(request.auth, customer_id)
    contact = selectors.contact_for(request.auth, customer_id, contact_id) if contact_id else None
    return customer, contact


@router.get("/{int:customer_id}/consents", response=list[ConsentOut])
@paginate(LimitOffsetPagination)
def consent_list(request, customer_id: int, filters: Query[ConsentFilters]):
    customer, contact = _person(request, customer_id, filters.contact_id)
    history = selectors.consent_history(request.auth, customer, contact)
    return list(consent.current_states(history).values()) if filters.current else history


@router.post("/{int:customer_id}/consents", response={201: ConsentOut})
@idempotent
def consent_record(request, customer_id: int, payload: ConsentIn):
    """Record a consent (``grant``) or a withdrawal or refusal (``withdraw``): a new row, the history stays."""
    require_permission(request.auth, perms.CONSENT_RECORD)
    customer, contact = _person(request, customer_id, payload.contact_id)
    values = {**payload.dict(exclude={"contact_id"}), "contact": str(contact.pk) if contact else ""}
    values["collected_at"] = payload.collected_at.isoformat() if payload.collected_at else ""
    data = _validated(ConsentForm(values, customer=customer, contacts=[contact] if contact else []))
    return Status(201, services.consent_apply(actor=request.auth, customer=customer, contact=contact, data=data))


@router.get("/{int:customer_id}/marketing-check", response=MarketingDecisionOut)
def marketing_check(request, customer_id: int, channel: str, contact_id: int | None = None):
    """May the customer (individual) or one of its contacts receive marketing over ``channel`` now?"""
    customer, contact = _person(request, customer_id, contact_id)
    decision = consent.marketing_allowed(contact or customer, channel)
    return MarketingDecisionOut(allowed=decision.allowed, reason=decision.reason, message=decision.message,
                                record_id=decision.record_id, notice_version=decision.notice_version)


@router.post("/{int:customer_id}/suitability", response=SuitabilityOut)
def suitability(request, customer_id: int, payload: SuitabilityIn):
    """Investor suitability (适当性管理): may a product of risk R1–R5 be offered to this customer,
    whose level C1–C5 is the investment preset's ``risk_level``? Audited."""
    require_permission(request.auth, perms.VIEW)
    customer = selectors.customer_for(request.auth, customer_id)
    decision = services.suitability_check(actor=request.auth, customer=customer, product_risk=payload.product_risk)
    return dataclasses.asdict(decision)

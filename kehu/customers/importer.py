"""Customer import (INFO-9, WEB-6, CRASH-2): map headers, validate every row through the same
forms as the pages and the API, report row-level errors, then import all-or-nothing or skipping
invalid rows. The customers go in through ``customer_create_many(entry_point="import")``, the
bulk twin of ``customer_create``, so the duplicate policy for imports applies; one IMPORT audit
entry is written in the same transaction.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kehu.compliance import actions, audit
from kehu.core import masking, parallel, regions, validators
from kehu.core.errors import DomainError
from kehu.core.industries import INDUSTRIES
from kehu.customers import custom_fields, field_access
from kehu.customers import permissions as perms
from kehu.customers.duplicates import ArchiveKeys, claimed_keys, identity_keys
from kehu.customers.forms import CUSTOM_PREFIX, ContactForm, CustomerForm
from kehu.customers.models import Gender, ImportJob, Kind, Scale, Source, Stage
from kehu.customers.services import BatchRefused, check_duplicates, customer_create_many
from kehu.customers.tabular import Table, neutralise, read_table
from kehu.org.access import require_permission

ATOMIC, SKIP_INVALID = ImportJob.ATOMIC, ImportJob.SKIP_INVALID
MODES = (ATOMIC, SKIP_INVALID)
CONTACT = "contact."  # prefix of a target that fills the customer's first contact
CUSTOM = "custom."  # prefix of a target that fills a custom field (INFO-8), matched by its label or key

# Header (lower-cased, spaces removed) → target field. Customer fields are bare, contact ones prefixed.
HEADER_ALIASES: dict[str, str] = {}
for _target, _names in {
    "name": ("客户名称", "名称", "公司名称", "企业名称", "单位名称", "客户全称", "公司全称", "客户", "name",
             "customername"),
    "short_name": ("简称", "客户简称", "shortname"),
    "kind": ("客户类型", "类型", "kind", "type"),
    "credit_code": ("统一社会信用代码", "信用代码", "社会信用代码", "统一信用代码", "creditcode"),
    "industry": ("行业", "所属行业", "industry"),
    "scale": ("规模", "企业规模", "scale"),
    "province": ("省", "省份", "所在省份", "所属省份", "省/直辖市", "province"),
    "city": ("市", "城市", "所在城市", "所属城市", "地市", "city"),
    "district": ("区", "区县", "区/县", "所在区县", "县区", "district"),
    "address": ("地址", "详细地址", "公司地址", "通讯地址", "联系地址", "address"),
    "source": ("来源", "客户来源", "source"),
    "website": ("网站", "网址", "website"),
    "stage": ("阶段", "客户阶段", "stage"),
    "tags": ("标签", "tags"),
    "remarks": ("备注", "备注说明", "说明", "remarks", "note", "notes"),
    "id_number": ("身份证号", "身份证", "身份证号码", "idnumber"),
    "gender": ("性别", "gender"),
    "birthday": ("生日", "出生日期", "birthday"),
    "mobile": ("手机", "手机号", "手机号码", "mobile"),
    "email": ("邮箱", "电子邮箱", "电子邮件", "email", "e-mail"),
    "contact.name": ("联系人", "联系人姓名", "contact", "contactname"),
    "contact.mobile": ("联系人手机", "联系人手机号", "contactmobile"),
    "contact.title": ("联系人职务", "职务", "contacttitle"),
    "contact.phone": ("联系人电话", "座机", "联系人座机", "电话", "联系电话", "固定电话", "办公电话", "contactphone",
                      "phone"),
    "contact.email": ("联系人邮箱", "contactemail"),
    "contact.wechat": ("联系人微信", "微信", "微信号", "contactwechat", "wechat"),
}.items():
    for _name in _names:
        HEADER_ALIASES[_name] = _target

# Choice fields accept the code or its Chinese label ("企业", "成交", …).
CHOICES = {"kind": Kind, "stage": Stage, "scale": Scale, "source": Source, "gender": Gender}
INDUSTRY_BY_NAME = {i.zh: i.code for i in INDUSTRIES} | {i.en.lower(): i.code for i in INDUSTRIES}
MASK_KIND = {"mobile": "mobile", "id_number": "id_number", "email": "email", "address": "address",
             "contact.mobile": "mobile", "contact.email": "email"}
PROGRESS_EVERY = 500


# What templates add around a header: a required marker (*客户名称, 客户名称*) or a note in brackets
# (客户名称（必填）, 手机号码(选填)). Brackets are folded to half-width first.
_HEADER_NOTE = re.compile(r"\((?:必填|选填|可选|非必填|required|optional)\)$")


def _header_key(header: str) -> str:
    key = unicodedata.normalize("NFKC", "".join(header.split())).lower().strip("*")
    return _HEADER_NOTE.sub("", key).strip("*")


def map_headers(headers: list[str], mapping: dict[str, str] | None = None,
                definitions: list | None = None) -> tuple[list[str | None], list[str]]:
    """The target of every column (None when unknown) and the unknown headers. An explicit
    ``mapping`` (header → target) wins over the built-in aliases, which win over the custom fields'
    labels and keys."""
    mapping = mapping or {}
    custom = {}
    for definition in definitions or ():
        for name in (definition.key, definition.label, definition.label_en):
            if name:
                custom.setdefault(_header_key(name), CUSTOM + definition.key)
    targets: list[str | None] = []
    unknown: list[str] = []
    for header in headers:
        key = _header_key(header)
        target = mapping.get(header) or HEADER_ALIASES.get(key) or custom.get(key)
        if target in targets:
            target = None  # a second column for the same field is ignored rather than silently merged
        targets.append(target)
        if target is None and header:
            unknown.append(header)
    return targets, unknown


@lru_cache(maxsize=64)
def _choice_codes(field_name: str, language: str | None) -> dict[str, str]:
    """Code and label (in ``language``) → code; the first choice naming a value wins."""
    codes: dict[str, str] = {}
    for code, label in CHOICES[field_name].choices:
        codes.setdefault(code, code)
        codes.setdefault(str(label), code)
    return codes


def _choice(field_name: str, value: str) -> str:
    return _choice_codes(field_name, get_language()).get(value, value)


def _region(name: str, parent: str | None) -> str:
    if not name or name.isdigit():
        return name
    for node in regions.children(parent):
        if node.name == name or node.name.startswith(name):
            return node.code
    return name


# What Chinese spreadsheets put in the city column of a municipality (北京市 / 北京市 / 海淀区 in most
# address books, 北京市 / 市辖区 / 海淀区 in older GB/T 2260 tables): the city layer the tree lacks.
MUNICIPALITY_CITY_WORDS = ("市辖区", "县", "城区", "郊县")


def _municipality_city(data: dict[str, str], province) -> None:
    """A municipality has no city layer: drop a city cell that repeats the province or says 市辖区, and
    read one that names a district (城市 = 海淀区, no 区县) as that district."""
    city = data.get("city", "")
    if not city or city.isdigit():
        return
    if city in MUNICIPALITY_CITY_WORDS or province.name.startswith(city) or city.startswith(province.name):
        data["city"] = ""
    elif not data.get("district") and _region(city, province.code).isdigit():
        data["district"], data["city"] = city, ""


def _contact_input(contact: dict[str, str]) -> dict[str, str]:
    """Address books keep one 电话 column for mobiles and landlines alike: a mobile number found there
    fills the contact's empty mobile instead of failing as a landline."""
    if contact.get("phone") and not contact.get("mobile") and validators.is_valid_mobile(contact["phone"]):
        contact["mobile"] = contact.pop("phone")
    return contact


def _convert(raw: dict[str, str]) -> dict[str, str]:
    """Labels and region names as people type them → the codes the forms expect."""
    data = dict(raw)
    for name in CHOICES:
        if data.get(name):
            data[name] = _choice(name, data[name])
    if data.get("industry"):
        data["industry"] = INDUSTRY_BY_NAME.get(data["industry"].lower(), data["industry"]).upper()
    province = _region(data.get("province", ""), None)
    data["province"] = province
    parent = province if province.isdigit() else None
    if parent and regions.is_municipality(regions.region(parent)):
        _municipality_city(data, regions.region(parent))
    if parent and regions.is_municipality(regions.region(parent)) and not data.get("city"):
        data["district"] = _region(data.get("district", ""), parent) if parent else data.get("district", "")
    else:
        city = _region(data.get("city", ""), parent) if parent else data.get("city", "")
        data["city"] = city
        if data.get("district") and city.isdigit():
            data["district"] = _region(data["district"], city)
    data.setdefault("kind", Kind.ENTERPRISE)
    data.setdefault("stage", Stage.POTENTIAL)
    if not data["kind"]:
        data["kind"] = Kind.ENTERPRISE
    if not data["stage"]:
        data["stage"] = Stage.POTENTIAL
    return data


@dataclass
class RowError:
    row: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}


@dataclass
class ValidRow:
    row: int
    data: dict
    contacts: tuple[dict, ...]


@dataclass
class Report:
    total: int = 0
    valid: list[ValidRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    imported: int = 0
    name_column: str = ""

    @property
    def failed_rows(self) -> list[int]:
        return sorted({e.row for e in self.errors})

    def as_dict(self) -> dict:
        return {"total": self.total, "ok": self.total - len(self.failed_rows), "failed": len(self.failed_rows),
                "imported": self.imported, "unknown_columns": self.unknown_columns,
                "errors": [e.as_dict() for e in self.errors]}


def _shown(target: str, value: str, custom_kinds: dict[str, str] | None = None) -> str:
    """A protected value appears masked in a report (the report is shown and stored)."""
    kind = MASK_KIND.get(target) or (custom_kinds or {}).get(target)
    return masking.mask(kind, value) if kind and value else value


class Rebound:
    """One form of ``form_class``, bound again for each row. Django deep-copies every field of a
    form for each new instance, which was most of a row's validation cost in an import; nothing
    here changes a field while cleaning, so one copy serves every row. Each row is cleaned in
    full (every field's clean, the ``clean_<field>`` methods, ``clean()``), as by a new form, with
    two shortcuts in the field pass (``_clean_fields``), proven equal by
    ``tests/test_customers_import_bulk.py::test_rebound_cleans_as_a_new_form``:

    - a field the row holds is cleaned as Django does (``field.clean`` of the widget's value, then
      ``clean_<field>``) without building a BoundField;
    - a field the row lacks (a spreadsheet has a dozen of a form's thirty columns) cleans to the
      same value, or the same error, on every row: it is cleaned the first time and the outcome
      replayed after. This holds because every ``clean_<field>`` of these forms reads only its own
      field."""

    def __init__(self, form_class, **options):
        self.form = form_class({}, **options)
        if not any(field.disabled for field in self.form.fields.values()):  # a disabled one cleans its initial
            self.form._clean_fields = self._clean_fields
        self.plan = [(name, field, getattr(self.form, f"clean_{name}", None)) for name, field in self.form.fields.items()]
        self.absent: dict[str, tuple[object, ValidationError | None]] = {}

    def __call__(self, data: dict):
        self.form.data = data
        self.form._errors = None  # the next ``errors`` / ``is_valid()`` runs full_clean on ``data``
        return self.form

    def _clean_fields(self) -> None:
        form = self.form
        data, cleaned = form.data, form.cleaned_data
        for name, form_field, extra in self.plan:
            known = None if name in data else self.absent.get(name)
            if known is None:
                try:
                    cleaned[name] = form_field.clean(form_field.widget.value_from_datadict(data, form.files, name))
                    if extra is not None:
                        cleaned[name] = extra()
                    outcome = (cleaned[name], None)
                except ValidationError as error:
                    form.add_error(name, error)
                    outcome = (None, error)
                if name not in data:
                    self.absent[name] = outcome
            elif known[1] is None:
                cleaned[name] = list(known[0]) if type(known[0]) is list else known[0]  # tags: not shared
            else:
                form.add_error(name, known[1])


class Validator:
    """Validates rows one at a time, remembering keys already seen to catch duplicates within the file."""

    def __init__(self, actor, table: Table, mapping: dict[str, str] | None = None):
        self.actor = actor
        self.headers = table.headers
        self.custom_fields = custom_fields.definitions()
        self.customer_form = Rebound(CustomerForm, custom_fields_in_force=self.custom_fields)
        self.contact_form = Rebound(ContactForm)
        self.custom_kinds = {CUSTOM + f.key: str(f.type) for f in self.custom_fields
                             if f.type in custom_fields.PERSONAL_TYPES}  # mobile / email values masked in reports
        self.custom_labels = {CUSTOM + f.key: f.label for f in self.custom_fields}
        self.targets, self.unknown = map_headers(table.headers, mapping, self.custom_fields)
        self.header_of = {t: h for t, h in zip(self.targets, self.headers, strict=False) if t}
        self.seen: dict[tuple[str, str], int] = {}

    def _header(self, target: str) -> str:
        return (self.header_of.get(target) or self.header_of.get(CONTACT + target) or self.custom_labels.get(target)
                or target)

    def validate(self, number: int, values: list[str]) -> tuple[ValidRow | None, list[RowError]]:
        raw: dict[str, str] = {}
        for target, value in zip(self.targets, values, strict=False):
            if target:
                raw[target] = value
        customer = {k: v for k, v in raw.items() if not k.startswith((CONTACT, CUSTOM))}
        contact = _contact_input({k[len(CONTACT):]: v for k, v in raw.items() if k.startswith(CONTACT) and v})
        customer["custom"] = {k[len(CUSTOM):]: v for k, v in raw.items() if k.startswith(CUSTOM)}
        errors: list[RowError] = []

        def fail(target: str, message: str) -> None:
            errors.append(RowError(number, self._header(target), _shown(target, raw.get(target, ""), self.custom_kinds),
                                   str(message)))

        form = self.customer_form(_convert(customer))
        if not form.is_valid():
            custom_messages = set(form.custom_errors.values())
            for key, message in form.custom_errors.items():
                fail(CUSTOM + key, message)
            for name, messages in form.errors.items():
                if name.startswith(CUSTOM_PREFIX) or (name == "__all__" and messages[0] in custom_messages):
                    continue
                fail(name if name != "__all__" else "name", messages[0])
        contacts: tuple[dict, ...] = ()
        if contact:
            contact_form = self.contact_form(contact)
            if contact_form.is_valid():
                contacts = (contact_form.cleaned_data,)
            else:
                for name, messages in contact_form.errors.items():
                    fail(CONTACT + name, messages[0])
        if errors:
            return None, errors
        return ValidRow(number, form.cleaned_data, contacts), errors

    def check_duplicates(self, row: ValidRow, existing: ArchiveKeys) -> list[RowError]:
        """Within the file first (the earlier row wins), then the archive, through the service's
        check so the message and the policy's action for imports are the same as everywhere."""
        data = row.data
        errors: list[RowError] = []
        for key in identity_keys(data):
            if key in self.seen:
                errors.append(RowError(row.row, self._header(key[0]), _shown(key[0], data.get(key[0], "")),
                                       _("与文件第 %(row)d 行重复。") % {"row": self.seen[key]}))
                return errors
        if existing.may_match(data):
            try:
                check_duplicates(actor=self.actor, data=data, entry_point="import", confirmed=False)
            except DomainError as exc:
                return [RowError(row.row, self._header("name"), data["name"], str(exc.message))]
        for key in claimed_keys(data, row.contacts):
            self.seen.setdefault(key, row.row)
        return errors


def refuse_forbidden_columns(actor, table: Table, validator: Validator) -> None:
    """A column the importer's roles may not write (hidden or read-only, SEC-3) refuses the whole file
    when it holds any value, naming the column, the first row with a value and the rule: silently
    dropping it would lose data the user believes imported. An empty such column is harmless."""
    access = field_access.for_user(actor)
    for index, (target, header) in enumerate(zip(validator.targets, validator.headers, strict=False)):
        if not target or target.startswith(CUSTOM):  # custom fields (INFO-8) are outside the matrix
            continue
        entity, name = ((field_access.CONTACT, target[len(CONTACT):]) if target.startswith(CONTACT)
                        else (field_access.CUSTOMER, target))
        if access.may_write(entity, name, None):
            continue
        row = next((number for number, values in table.rows if index < len(values) and str(values[index] or "").strip()), None)
        if row is not None:
            raise DomainError("column_forbidden", _(
                "第 %(row)d 行“%(column)s”列：您的角色对字段“%(label)s”为%(access)s，不能导入此列。"
                "请删除该列（或清空）后重新上传。") % {
                "row": row, "column": header, "label": field_access.label(entity, name),
                "access": field_access.access_label(access.level(entity, name))}, field="file")


def validate_table(actor, table: Table, *, mapping: dict[str, str] | None = None,
                   progress: Callable[[int], None] | None = None) -> Report:
    validator = Validator(actor, table, mapping)
    report = Report(total=len(table.rows), unknown_columns=validator.unknown, name_column=validator._header("name"))
    if "name" not in validator.targets:
        raise DomainError("no_name_column", _("找不到“客户名称”列：表头第 1 行须有“客户名称”或“名称”。"), field="file")
    refuse_forbidden_columns(actor, table, validator)
    rows = table.rows
    # Worker processes clean later rows while this one checks the duplicates of the rows cleaned,
    # a chunk at a time in file order (an earlier row wins, as in the file).
    checked = parallel.chunks(lambda index: validator.validate(*rows[index]), list(range(len(rows))),
                              chunk=PROGRESS_EVERY)
    for start, results in zip(range(0, len(rows), PROGRESS_EVERY), checked, strict=True):
        candidates: list[ValidRow] = []
        for valid, errors in results:
            if valid:
                candidates.append(valid)
            report.errors.extend(errors)
        existing = ArchiveKeys([row.data for row in candidates])
        for row in candidates:
            errors = validator.check_duplicates(row, existing)
            if errors:
                report.errors.extend(errors)
            else:
                report.valid.append(row)
        if progress:
            progress(min(start + PROGRESS_EVERY, len(rows)))
    report.errors.sort(key=lambda e: e.row)
    return report


def import_table(*, actor, table: Table, mode: str, sha256: str, file_name: str,
                 mapping: dict[str, str] | None = None, owner=None,
                 progress: Callable[[int], None] | None = None,
                 outcome: Callable[[Report], None] | None = None) -> Report:
    """Validate, then import in one transaction. Atomic: nothing imported when any row fails.
    Skip-invalid: the valid rows. The rows go in through ``customer_create_many`` (the bulk
    twin of ``customer_create``), which checks duplicates again inside the transaction, so a
    customer created by someone else since the validation is refused here, not duplicated.

    ``outcome(report)`` records the result (the import job's status): inside the import's
    transaction when rows were written, so a crash leaves either no customer and an unfinished
    job, or both committed (CRASH-2); otherwise after the validation."""
    require_permission(actor, perms.IMPORT)
    if mode not in MODES:
        raise DomainError("bad_mode", _("导入方式只能是 atomic 或 skip-invalid。"), field="mode")
    report = validate_table(actor, table, mapping=mapping, progress=progress)
    outcome = outcome or (lambda _report: None)
    if mode == ATOMIC and report.errors:
        outcome(report)
        return report
    entries = [(valid.data, valid.contacts) for valid in report.valid]
    try:
        with transaction.atomic():
            created, refusals = customer_create_many(actor=actor, entries=entries, entry_point="import",
                                                     owner=owner, all_or_nothing=mode == ATOMIC)
            report.imported = sum(1 for customer in created if customer is not None)
            _refused(report, refusals)
            audit.record(actor, actions.CUSTOMER_IMPORT, None,
                         {"file": file_name, "sha256": sha256, "mode": mode, "rows": report.total,
                          "imported": report.imported, "failed": len(report.failed_rows)})
            outcome(report)
    except BatchRefused as exc:  # duplicates created concurrently since the validation
        report.imported = 0
        _refused(report, exc.refusals)
        outcome(report)
    return report


def _refused(report: Report, refusals: dict[int, DomainError]) -> None:
    for index, exc in refusals.items():
        valid = report.valid[index]
        report.errors.append(RowError(valid.row, report.name_column, valid.data["name"], str(exc.message)))
    report.errors.sort(key=lambda e: e.row)


def import_file(*, actor, data: bytes, file_name: str, mode: str, dry_run: bool,
                mapping: dict[str, str] | None = None, progress: Callable[[int], None] | None = None) -> Report:
    require_permission(actor, perms.IMPORT)
    table = read_table(data)
    if dry_run:
        return validate_table(actor, table, mapping=mapping, progress=progress)
    return import_table(actor=actor, table=table, mode=mode, sha256=hashlib.sha256(data).hexdigest(),
                        file_name=file_name, mapping=mapping, progress=progress)


def rejected_rows_xlsx(table: Table, report: Report) -> bytes:
    """The failed rows as the user uploaded them, plus a 错误原因 column, to fix and import again."""
    from openpyxl import Workbook

    reasons: dict[int, list[str]] = {}
    for error in report.errors:
        reasons.setdefault(error.row, []).append(f"{error.column}：{error.message}")
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("被拒绝的行"))
    sheet.append([neutralise(h) for h in [*table.headers, _("原行号"), _("错误原因")]])
    for number, values in table.rows:
        if number in reasons:
            padded = values + [""] * (len(table.headers) - len(values))
            sheet.append([neutralise(v) for v in [*padded, str(number), "；".join(reasons[number])]])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


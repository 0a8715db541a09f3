"""Customer import (INFO-9, WEB-6, CRASH-2): map headers, validate every row through the same
forms as the pages and the API, report row-level errors, then import all-or-nothing or skipping
invalid rows. The customers go in through ``customer_create_many(entry_point="import")``, the
bulk twin of ``customer_create``, so the duplicate policy for imports applies; one IMPORT audit
entry is written in the same transaction.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.compliance import actions, audit
from kehu.core import masking, regions
from kehu.core.errors import DomainError
from kehu.core.industries import INDUSTRIES
from kehu.customers import permissions as perms
from kehu.customers.duplicates import ArchiveKeys, claimed_keys, identity_keys
from kehu.customers.forms import ContactForm, CustomerForm
from kehu.customers.models import Gender, ImportJob, Kind, Scale, Source, Stage
from kehu.customers.services import BatchRefused, check_duplicates, customer_create_many
from kehu.customers.tabular import Table, neutralise, read_table
from kehu.org.access import require_permission

ATOMIC, SKIP_INVALID = ImportJob.ATOMIC, ImportJob.SKIP_INVALID
MODES = (ATOMIC, SKIP_INVALID)
CONTACT = "contact."  # prefix of a target that fills the customer's first contact

# Header (lower-cased, spaces removed) → target field. Customer fields are bare, contact ones prefixed.
HEADER_ALIASES: dict[str, str] = {}
for _target, _names in {
    "name": ("客户名称", "名称", "公司名称", "企业名称", "客户", "name", "customername"),
    "short_name": ("简称", "客户简称", "shortname"),
    "kind": ("客户类型", "类型", "kind", "type"),
    "credit_code": ("统一社会信用代码", "信用代码", "社会信用代码", "creditcode"),
    "industry": ("行业", "所属行业", "industry"),
    "scale": ("规模", "企业规模", "scale"),
    "province": ("省", "省份", "province"),
    "city": ("市", "城市", "city"),
    "district": ("区", "区县", "区/县", "district"),
    "address": ("地址", "详细地址", "address"),
    "source": ("来源", "客户来源", "source"),
    "website": ("网站", "网址", "website"),
    "stage": ("阶段", "客户阶段", "stage"),
    "tags": ("标签", "tags"),
    "remarks": ("备注", "remarks", "note", "notes"),
    "id_number": ("身份证号", "身份证", "身份证号码", "idnumber"),
    "gender": ("性别", "gender"),
    "birthday": ("生日", "出生日期", "birthday"),
    "mobile": ("手机", "手机号", "手机号码", "mobile"),
    "email": ("邮箱", "电子邮箱", "email", "e-mail"),
    "contact.name": ("联系人", "联系人姓名", "contact", "contactname"),
    "contact.mobile": ("联系人手机", "联系人手机号", "contactmobile"),
    "contact.title": ("联系人职务", "职务", "contacttitle"),
    "contact.phone": ("联系人电话", "座机", "联系人座机", "contactphone"),
    "contact.email": ("联系人邮箱", "contactemail"),
}.items():
    for _name in _names:
        HEADER_ALIASES[_name] = _target

# Choice fields accept the code or its Chinese label ("企业", "成交", …).
CHOICES = {"kind": Kind, "stage": Stage, "scale": Scale, "source": Source, "gender": Gender}
INDUSTRY_BY_NAME = {i.zh: i.code for i in INDUSTRIES} | {i.en.lower(): i.code for i in INDUSTRIES}
MASK_KIND = {"mobile": "mobile", "id_number": "id_number", "email": "email", "address": "address",
             "contact.mobile": "mobile", "contact.email": "email"}
PROGRESS_EVERY = 500


def _header_key(header: str) -> str:
    return "".join(header.split()).lower().rstrip("*")


def map_headers(headers: list[str], mapping: dict[str, str] | None = None) -> tuple[list[str | None], list[str]]:
    """The target of every column (None when unknown) and the unknown headers. An explicit
    ``mapping`` (header → target) wins over the built-in aliases."""
    mapping = mapping or {}
    targets: list[str | None] = []
    unknown: list[str] = []
    for header in headers:
        target = mapping.get(header) or HEADER_ALIASES.get(_header_key(header))
        if target in targets:
            target = None  # a second column for the same field is ignored rather than silently merged
        targets.append(target)
        if target is None and header:
            unknown.append(header)
    return targets, unknown


def _choice(field_name: str, value: str) -> str:
    for code, label in CHOICES[field_name].choices:
        if value in (code, str(label)):
            return code
    return value


def _region(name: str, parent: str | None) -> str:
    if not name or name.isdigit():
        return name
    for node in regions.children(parent):
        if node.name == name or node.name.startswith(name):
            return node.code
    return name


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


def _shown(target: str, value: str) -> str:
    """A protected value appears masked in a report (the report is shown and stored)."""
    kind = MASK_KIND.get(target)
    return masking.mask(kind, value) if kind and value else value


class Rebound:
    """One form of ``form_class``, bound again for each row. Django deep-copies every field of a
    form for each new instance, which was most of a row's validation cost in an import; nothing
    here changes a field while cleaning, so one copy serves every row. Each row is cleaned in
    full (every field's clean, the ``clean_<field>`` methods, ``clean()``), as by a new form."""

    def __init__(self, form_class):
        self.form = form_class({})

    def __call__(self, data: dict):
        self.form.data = data
        self.form._errors = None  # the next ``errors`` / ``is_valid()`` runs full_clean on ``data``
        return self.form


class Validator:
    """Validates rows one at a time, remembering keys already seen to catch duplicates within the file."""

    def __init__(self, actor, table: Table, mapping: dict[str, str] | None = None):
        self.actor = actor
        self.customer_form, self.contact_form = Rebound(CustomerForm), Rebound(ContactForm)
        self.headers = table.headers
        self.targets, self.unknown = map_headers(table.headers, mapping)
        self.header_of = {t: h for t, h in zip(self.targets, self.headers, strict=False) if t}
        self.seen: dict[tuple[str, str], int] = {}

    def _header(self, target: str) -> str:
        return self.header_of.get(target) or self.header_of.get(CONTACT + target) or target

    def validate(self, number: int, values: list[str]) -> tuple[ValidRow | None, list[RowError]]:
        raw: dict[str, str] = {}
        for target, value in zip(self.targets, values, strict=False):
            if target:
                raw[target] = value
        customer = {k: v for k, v in raw.items() if not k.startswith(CONTACT)}
        contact = {k[len(CONTACT):]: v for k, v in raw.items() if k.startswith(CONTACT) and v}
        errors: list[RowError] = []

        def fail(target: str, message: str) -> None:
            errors.append(RowError(number, self._header(target), _shown(target, raw.get(target, "")), str(message)))

        form = self.customer_form(_convert(customer))
        if not form.is_valid():
            for name, messages in form.errors.items():
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


def validate_table(actor, table: Table, *, mapping: dict[str, str] | None = None,
                   progress: Callable[[int], None] | None = None) -> Report:
    validator = Validator(actor, table, mapping)
    report = Report(total=len(table.rows), unknown_columns=validator.unknown, name_column=validator._header("name"))
    if "name" not in validator.targets:
        raise DomainError("no_name_column", _("找不到“客户名称”列：表头第 1 行须有“客户名称”或“名称”。"), field="file")
    candidates: list[ValidRow] = []
    for index, (number, values) in enumerate(table.rows, start=1):
        valid, errors = validator.validate(number, values)
        if valid:
            candidates.append(valid)
        report.errors.extend(errors)
        if progress and index % PROGRESS_EVERY == 0:
            progress(index)
    existing = ArchiveKeys([row.data for row in candidates])
    for row in candidates:
        errors = validator.check_duplicates(row, existing)
        if errors:
            report.errors.extend(errors)
        else:
            report.valid.append(row)
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


"""Customer export (SEC-6, AC-9, RES-3).

Rows come only from ``Customer.objects.visible_to(actor)``; protected values are masked unless the
exporter may unmask AND asks to reveal with a reason (audited); every cell a spreadsheet would run
as a formula is neutralised; a watermark names the exporter, the time and the request id; more rows
than the policy allows need another user's approval. The file is written in a 0700 temporary
directory that is removed once the caller has streamed it.
"""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.compliance import actions, audit
from kehu.core import clock, context
from kehu.core.errors import DomainError, NotFound, PermissionDenied
from kehu.customers import custom_fields, field_access, tasks
from kehu.customers import permissions as perms
from kehu.customers.models import Customer, ExportRequest
from kehu.customers.tabular import neutralise
from kehu.org.access import require_permission
from kehu.org.models import User

FORMATS = ("xlsx", "csv")
# (field, header). Protected fields are masked unless revealed.
COLUMNS = (
    ("name", _("客户名称")), ("kind", _("客户类型")), ("credit_code", _("统一社会信用代码")), ("stage", _("阶段")),
    ("industry", _("行业")), ("province", _("省")), ("city", _("市")), ("district", _("区县")),
    ("address", _("详细地址")), ("mobile", _("手机")), ("email", _("电子邮箱")), ("id_number", _("身份证号")),
    ("owner", _("负责人")), ("remarks", _("备注")),
)
PROTECTED = {"address", "mobile", "email", "id_number"}
FILTERS = ("stage", "kind", "owner", "province", "industry")


def columns_for(actor) -> list[tuple[str, object]]:
    """The columns this exporter may see: fields hidden from their roles are not exported (SEC-3)."""
    access = field_access.for_user(actor)
    return [(f, h) for f, h in COLUMNS if f == "owner" or access.visible(field_access.CUSTOMER, f)]


def _filtered(actor, filters: dict):
    queryset = Customer.objects.visible_to(actor).filter(deleted_at=None).select_related("owner").order_by("pk")
    for name, value in (filters or {}).items():
        if name not in FILTERS:
            raise DomainError("bad_filter", _("不支持的筛选条件：%(name)s") % {"name": name}, field=name)
        if value not in ("", None):
            queryset = queryset.filter(**{f"{name}_id" if name == "owner" else name: value})
    return queryset


def export_count(*, actor, filters: dict) -> int:
    require_permission(actor, perms.EXPORT)
    return _filtered(actor, filters).count()


def approval_limit() -> int:
    from kehu.policy.selectors import rules_in_force

    return rules_in_force("exports").approval_above_rows


@transaction.atomic
def export_request(*, actor, filters: dict, reason: str = "") -> ExportRequest:
    require_permission(actor, perms.EXPORT)
    request = ExportRequest.objects.create(requested_by=actor, filters=filters or {},
                                           row_count=_filtered(actor, filters).count(), reason=reason)
    audit.record(actor, actions.EXPORT_REQUEST, request, {"filters": request.filters, "rows": request.row_count})
    return request


def _decide(actor, request: ExportRequest, status: str, action: str, reason: str) -> ExportRequest:
    require_permission(actor, perms.EXPORT_APPROVE)
    request = ExportRequest.objects.select_for_update().get(pk=request.pk)
    if request.requested_by_id != actor.pk and not _decidable_by(actor).filter(pk=request.pk).exists():
        raise NotFound("export_request", _("导出申请不存在。"))
    if request.requested_by_id == actor.pk:
        raise PermissionDenied("export_self_approval", _("申请人不能审批自己的导出申请。"))
    if request.status != ExportRequest.PENDING:
        raise DomainError("export_decided", _("该导出申请已处理。"))
    request.status, request.approved_by, request.decided_at = status, actor, clock.now()
    if reason:
        request.reason = f"{request.reason}\n{reason}".strip()
    request.save()
    audit.record(actor, action, request, {"requested_by": request.requested_by.username, "rows": request.row_count},
                 reason=reason)
    return request


@transaction.atomic
def export_approve(*, actor, request: ExportRequest, reason: str = "") -> ExportRequest:
    return _decide(actor, request, ExportRequest.APPROVED, actions.EXPORT_APPROVE, reason)


@transaction.atomic
def export_reject(*, actor, request: ExportRequest, reason: str = "") -> ExportRequest:
    return _decide(actor, request, ExportRequest.REJECTED, actions.EXPORT_REJECT, reason)


def requests_of(user):
    return ExportRequest.objects.filter(requested_by=user).select_related("approved_by")


def _decidable_by(user):
    """Requests an approver may see and decide: those of the people inside the approver's own data
    scope (a sales manager decides for their department tree, a marketing VP for the company)."""
    return ExportRequest.objects.filter(requested_by__in=User.objects.visible_to(user).values("pk"))


def requests_to_decide(user):
    require_permission(user, perms.EXPORT_APPROVE)
    return _decidable_by(user).filter(status=ExportRequest.PENDING).exclude(requested_by=user).select_related(
        "requested_by")


def request_for(user, request_id: int) -> ExportRequest:
    """The requester sees their own requests; approvers those of the people in their data scope."""
    found = ExportRequest.objects.filter(pk=request_id).select_related("requested_by").first()
    if found is not None and found.requested_by_id == user.pk:
        return found
    if found is None or not user.has_permission(perms.EXPORT_APPROVE) or not _decidable_by(user).filter(
            pk=found.pk).exists():
        raise NotFound("export_request", _("导出申请不存在。"))
    return found


def _value(customer: Customer, name: str, reveal: bool) -> str:
    if name == "owner":
        return customer.owner.full_name if customer.owner_id else ""
    value = getattr(customer, name)
    if name in PROTECTED:
        if not value:
            return ""
        return value.reveal() if reveal else value.masked()
    if name in ("kind", "stage"):
        return str(getattr(customer, f"get_{name}_display")())
    return "" if value is None else str(value)


def _custom_value(customer: Customer, field, reveal: bool) -> str:
    """A custom field's column (INFO-8): as shown on the page; mobile / e-mail in full only when revealing."""
    value = (customer.custom or {}).get(field.key)
    if reveal and field.type in custom_fields.PERSONAL_TYPES and value:
        return str(value)
    return custom_fields.display(field, value)


@dataclass
class ExportFile:
    path: Path
    name: str
    rows: int
    content_type: str


@contextmanager
def export_customers(*, actor, filters: dict | None = None, fmt: str = "xlsx", reveal: bool = False,
                     reason: str = "", approved: ExportRequest | None = None) -> Iterator[ExportFile]:
    """Write the export; yields the file, removed with its 0700 directory when the block ends."""
    require_permission(actor, perms.EXPORT)
    filters = filters or {}
    if fmt not in FORMATS:
        raise DomainError("bad_format", _("导出格式只能是 xlsx 或 csv。"), field="format")
    if reveal:
        require_permission(actor, perms.UNMASK)
        if not reason.strip():
            raise DomainError("reason_required", _("导出完整个人信息须填写理由。"), field="reason")
    queryset = _filtered(actor, filters)
    directory = Path(tempfile.mkdtemp(prefix="kehu-export-"))  # mkdtemp creates it 0700
    try:
        with transaction.atomic():
            rows = queryset.count()
            if approved is not None:
                approved = ExportRequest.objects.select_for_update().get(pk=approved.pk)
                if (approved.requested_by_id != actor.pk or approved.status != ExportRequest.APPROVED
                        or approved.filters != filters):
                    raise PermissionDenied("export_not_approved", _("该导出申请未获批准或与本次导出不符。"))
            elif rows > approval_limit():
                raise PermissionDenied("export_needs_approval",
                                       _("导出 %(rows)d 行超过制度上限 %(limit)d 行，须经审批。")
                                       % {"rows": rows, "limit": approval_limit()})
            request_id = context.current().request_id
            mark = _("导出人：%(user)s（%(username)s） 时间：%(time)s 请求编号：%(rid)s") % {
                "user": actor.full_name, "username": actor.username,
                "time": clock.now().strftime("%Y-%m-%d %H:%M:%S %z"), "rid": request_id}
            if approved is not None:
                mark += _(" 审批单：%(id)d") % {"id": approved.pk}
            stamp = clock.now().strftime("%Y%m%d-%H%M%S")
            path = directory / f"customers-{stamp}.{fmt}"
            columns = columns_for(actor)
            extra = custom_fields.definitions()
            headers = [str(h) for _f, h in columns] + [f.display_label for f in extra]
            body = ([neutralise(_value(c, f, reveal)) for f, _h in columns]
                    + [neutralise(_custom_value(c, f, reveal)) for f in extra]
                    for c in queryset.iterator(chunk_size=500))
            (_write_xlsx if fmt == "xlsx" else _write_csv)(path, mark, headers, body)
            audit.record(actor, actions.CUSTOMER_EXPORT, approved,
                         {"rows": rows, "filters": filters, "format": fmt, "revealed": reveal,
                          "request": approved.pk if approved else None}, reason=reason)
            if approved is not None:
                approved.status = ExportRequest.DONE
                approved.save(update_fields=["status"])
            # OWN-6: a large export is checked against the user's own level now, not at the next sweep.
            user_id = actor.pk
            transaction.on_commit(lambda: tasks.check_access.enqueue(user_id))
        yield ExportFile(path, path.name, rows, "text/csv; charset=utf-8" if fmt == "csv" else
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _write_xlsx(path: Path, mark: str, headers: list[str], body) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    workbook.properties.creator = mark
    workbook.properties.description = mark
    workbook.properties.title = _("客户导出")
    sheet = workbook.create_sheet(_("客户"))
    sheet.append([neutralise(mark)])
    sheet.append(headers)
    for row in body:
        sheet.append(row)
    workbook.save(path)


def _write_csv(path: Path, mark: str, headers: list[str], body) -> None:
    # UTF-8 with BOM so Excel on Chinese Windows opens it without mojibake.
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.write(f"# {mark}\r\n")
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerows(body)

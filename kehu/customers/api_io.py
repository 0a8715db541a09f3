"""/api/v1/customers/imports and /exports: the import jobs (INFO-9) and export control (SEC-6) over HTTP.

The same jobs and exporter the pages use. A file is uploaded as the raw request body (the .xlsx or
.csv bytes, its name in ``file_name``), not as JSON: base64 would swell a 20 MB file by a third and
the limits (WEB-6) are checked on the bytes themselves, by content, exactly as for the page.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from kehu.core.errors import DomainError, NotFound
from kehu.core.pagination import LimitOffsetPagination
from kehu.customers import exporter, jobs
from kehu.customers import permissions as perms
from kehu.customers.importer import ATOMIC, MODES
from kehu.customers.models import ExportRequest, ImportJob, Stage
from kehu.customers.tabular import MAX_UPLOAD_BYTES
from kehu.customers.tasks import run_import
from kehu.org.access import require_permission

router = Router(tags=["customer import and export"])

UPLOAD_TYPES = ("text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "application/octet-stream")


class RowErrorOut(Schema):
    row: int
    column: str
    value: str
    rule: str = Field(validation_alias="message")
    code: str = ""


class ImportJobOut(Schema):
    id: int
    file_name: str = Field(validation_alias="original_name")
    status: str
    dry_run: bool
    mode: str
    total: int
    processed: int
    imported: int
    failed: int
    percent: int
    created_at: dt.datetime
    finished_at: dt.datetime | None
    fatal: str = ""
    unknown_columns: list[str] = []
    errors: list[RowErrorOut] = []
    has_rejected_rows: bool = False

    @staticmethod
    def resolve_fatal(job: ImportJob) -> str:
        return job.report.get("fatal", "")

    @staticmethod
    def resolve_unknown_columns(job: ImportJob) -> list[str]:
        return job.report.get("unknown_columns", [])

    @staticmethod
    def resolve_errors(job: ImportJob) -> list[dict]:
        return job.report.get("errors", [])

    @staticmethod
    def resolve_has_rejected_rows(job: ImportJob) -> bool:
        return bool(job.report.get("rejected_file"))


class ImportUploadQuery(Schema):
    file_name: str = Field(..., min_length=1, max_length=255, description="客户名单.xlsx 或 .csv")
    mode: str = Field(ATOMIC, description="atomic（全部成功才导入）或 skip-invalid（跳过错误行）")
    dry_run: bool = Field(True, description="true：只校验，报告每行错误；false：校验后直接导入")


class ImportRunIn(Schema):
    mode: str = ATOMIC


class ExportIn(Schema):
    stage: str = ""
    fmt: str = Field("xlsx", pattern="^(xlsx|csv)$")
    reason: str = Field("", max_length=500, description="用途说明；超过审批上限的导出必填")


class ExportRequestOut(Schema):
    id: int
    status: str
    row_count: int
    filters: dict
    reason: str
    requested_by: str
    approved_by: str = ""
    created_at: dt.datetime
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_requested_by(obj: ExportRequest) -> str:
        return obj.requested_by.username

    @staticmethod
    def resolve_approved_by(obj: ExportRequest) -> str:
        return obj.approved_by.username if obj.approved_by_id else ""


class ExportDecisionIn(Schema):
    reason: str = Field("", max_length=500)


class ExportDownloadIn(Schema):
    fmt: str = Field("xlsx", pattern="^(xlsx|csv)$")


def _file_response(data: bytes, *, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _read_upload(request) -> bytes:
    """The raw body, refused above the upload limit without reading more than one byte past it."""
    media_type = (request.content_type or "").lower()
    if media_type not in UPLOAD_TYPES:
        raise DomainError("unsupported_media_type",
                          _("请以文件本身作为请求体上传（Content-Type: text/csv 或 .xlsx 的类型）。"), status=415)
    data = request.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError("file_too_large", _("文件超过 %(mb)d MB，已拒绝。") % {"mb": MAX_UPLOAD_BYTES >> 20},
                          field="file", status=413)
    return data


@router.post("/imports", response={202: ImportJobOut}, openapi_extra={
    "requestBody": {"required": True, "content": {t: {"schema": {"type": "string", "format": "binary"}}
                                                  for t in UPLOAD_TYPES}}})
def import_upload(request, query: Query[ImportUploadQuery]):
    """Upload a .xlsx or .csv (UTF-8, UTF-8 with BOM, GBK/GB18030) as the request body; a background task
    validates it (dry run) or imports it. Poll the job for progress and the row-level report."""
    require_permission(request.auth, perms.IMPORT)
    if query.mode not in MODES:
        raise DomainError("bad_mode", _("导入方式只能是 atomic 或 skip-invalid。"), field="mode", status=422)
    job = jobs.job_create(actor=request.auth, data=_read_upload(request), file_name=query.file_name,
                          mode=query.mode, dry_run=query.dry_run)
    run_import.enqueue(job.pk)
    return Status(202, job)


@router.get("/imports", response=list[ImportJobOut])
@paginate(LimitOffsetPagination)
def import_list(request):
    """The caller's own import jobs, newest first."""
    return jobs.jobs_of(request.auth)


@router.get("/imports/{int:job_id}", response=ImportJobOut)
def import_detail(request, job_id: int):
    return jobs.job_for(request.auth, job_id)


@router.post("/imports/{int:job_id}/run", response={202: ImportJobOut})
def import_run(request, job_id: int, payload: ImportRunIn):
    """Import the file of a finished dry run, in the mode chosen after reading its report."""
    job = jobs.job_for(request.auth, job_id)
    if not job.dry_run or job.status != ImportJob.DONE:
        raise DomainError("not_a_finished_dry_run", _("只能在校验完成后导入。"), status=409)
    if payload.mode not in MODES:
        raise DomainError("bad_mode", _("导入方式只能是 atomic 或 skip-invalid。"), field="mode", status=422)
    real = jobs.job_import_after_dry_run(actor=request.auth, job=job, mode=payload.mode)
    run_import.enqueue(real.pk)
    return Status(202, real)


@router.get("/imports/{int:job_id}/rejected-rows")
def import_rejected_rows(request, job_id: int):
    """The rejected rows as .xlsx, each with its reasons in the last column."""
    job = jobs.job_for(request.auth, job_id)
    return _file_response(jobs.job_rejected_rows(job), name=f"rejected-{job.pk}.xlsx",
                          content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _stream(exported) -> HttpResponse:
    return _file_response(exported.path.read_bytes(), name=exported.name, content_type=exported.content_type)


@router.post("/exports", response={202: ExportRequestOut})
def export(request, payload: ExportIn):
    """Export the customers the caller may see (masked unless they may reveal; watermarked). Above the
    policy's row limit the answer is 202 with an export request that another user must approve."""
    require_permission(request.auth, perms.EXPORT)
    if payload.stage and payload.stage not in Stage.values:
        raise DomainError("bad_filter", _("不支持的筛选条件：%(name)s") % {"name": "stage"}, field="stage", status=422)
    filters = {"stage": payload.stage} if payload.stage else {}
    count = exporter.export_count(actor=request.auth, filters=filters)
    if count > exporter.approval_limit():
        if not payload.reason.strip():
            raise DomainError("export_reason_required",
                              _("导出 %(rows)d 行超过上限，须填写用途并提交审批。") % {"rows": count},
                              field="reason", status=422)
        return Status(202, exporter.export_request(actor=request.auth, filters=filters, reason=payload.reason))
    with exporter.export_customers(actor=request.auth, filters=filters, fmt=payload.fmt) as exported:
        return _stream(exported)


@router.get("/export-requests", response=list[ExportRequestOut])
@paginate(LimitOffsetPagination)
def export_requests(request, to_decide: bool = False):
    """The caller's own export requests, or (``to_decide=true``, approvers) the pending ones of others."""
    require_permission(request.auth, perms.EXPORT)
    if to_decide:
        return exporter.requests_to_decide(request.auth)
    return exporter.requests_of(request.auth)


@router.post("/export-requests/{int:request_id}/approve", response=ExportRequestOut)
def export_approve(request, request_id: int, payload: ExportDecisionIn):
    require_permission(request.auth, perms.EXPORT_APPROVE)
    found = exporter.request_for(request.auth, request_id)
    return exporter.export_approve(actor=request.auth, request=found, reason=payload.reason)


@router.post("/export-requests/{int:request_id}/reject", response=ExportRequestOut)
def export_reject(request, request_id: int, payload: ExportDecisionIn):
    require_permission(request.auth, perms.EXPORT_APPROVE)
    found = exporter.request_for(request.auth, request_id)
    return exporter.export_reject(actor=request.auth, request=found, reason=payload.reason)


@router.post("/export-requests/{int:request_id}/download")
def export_download(request, request_id: int, payload: ExportDownloadIn):
    """The approved export, for its requester only."""
    require_permission(request.auth, perms.EXPORT)
    found = exporter.request_for(request.auth, request_id)
    if found.requested_by_id != request.auth.pk:
        raise NotFound("export_request", _("导出申请不存在。"))
    with exporter.export_customers(actor=request.auth, filters=found.filters, approved=found,
                                   fmt=payload.fmt) as exported:
        return _stream(exported)

"""Import jobs: the uploaded file is kept under MEDIA_ROOT/imports (a 0700 directory, RES-3) while
the background task validates and imports it; the page polls the job for progress."""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.core.errors import DomainError, NotFound
from kehu.customers import permissions as perms
from kehu.customers.importer import MODES, import_table, rejected_rows_xlsx, validate_table
from kehu.customers.models import ImportJob
from kehu.customers.storage import private_dir, write_new
from kehu.customers.tabular import MAX_UPLOAD_BYTES, read_table
from kehu.org.access import require_permission


def import_dir() -> Path:
    return private_dir("imports")


def job_create(*, actor, data: bytes, file_name: str, mode: str, dry_run: bool) -> ImportJob:
    require_permission(actor, perms.IMPORT)
    if len(data) > MAX_UPLOAD_BYTES:
        raise DomainError("file_too_large", _("文件超过 %(mb)d MB，已拒绝。") % {"mb": MAX_UPLOAD_BYTES >> 20},
                          field="file")
    if mode not in MODES:
        raise DomainError("bad_mode", _("导入方式只能是 atomic 或 skip-invalid。"), field="mode")
    path = import_dir() / uuid.uuid4().hex
    write_new(path, data)
    return ImportJob.objects.create(file_path=str(path), original_name=file_name[:255], mode=mode, dry_run=dry_run,
                                    sha256=hashlib.sha256(data).hexdigest(), created_by=actor)


def jobs_of(user):
    """The import jobs a user started, newest first: nobody sees another's files or reports."""
    require_permission(user, perms.IMPORT)
    return ImportJob.objects.filter(created_by=user)


def job_for(user, job_id: int) -> ImportJob:
    """A user sees only the jobs they started."""
    try:
        return jobs_of(user).get(pk=job_id)
    except ImportJob.DoesNotExist as exc:
        raise NotFound("import_job", _("导入任务不存在。")) from exc


def job_run(job: ImportJob) -> ImportJob:
    """Run a job to its end: validate (dry run) or import; bad input ends as a failed job, not an exception.

    Safe to run again after a crash (the task is re-enqueued, CRASH-2): a finished job is left as
    it is, and an import job is marked done in the import's own transaction, so a job killed
    mid-import has imported nothing and still has its file."""
    if job.status in (ImportJob.DONE, ImportJob.FAILED):
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.VALIDATING)

    def progress(done: int) -> None:
        ImportJob.objects.filter(pk=job.pk).update(processed=done)

    def finish(report, table) -> None:
        job.report = report.as_dict()
        if report.errors:
            rejected = Path(job.file_path).with_suffix(".rejected.xlsx")
            rejected.write_bytes(rejected_rows_xlsx(table, report))
            os.chmod(rejected, 0o600)
            job.report["rejected_file"] = str(rejected)
        _save_end(job, ImportJob.DONE)

    try:
        table = read_table(Path(job.file_path).read_bytes())
        job.total = len(table.rows)
        ImportJob.objects.filter(pk=job.pk).update(total=job.total)
        if job.dry_run:
            finish(validate_table(job.created_by, table, progress=progress), table)
        else:
            import_table(actor=job.created_by, table=table, mode=job.mode, sha256=job.sha256,
                         file_name=job.original_name, progress=progress,
                         outcome=lambda report: finish(report, table))
    except DomainError as exc:
        job.report = {"fatal": str(exc.message), "errors": []}
        _save_end(job, ImportJob.FAILED)
    if not job.dry_run:
        Path(job.file_path).unlink(missing_ok=True)  # the data now lives in the archive (or was refused)
    return job


def _save_end(job: ImportJob, status: str) -> None:
    job.status = status
    job.processed = job.total
    job.imported = job.report.get("imported", 0)
    job.failed = job.report.get("failed", 0)
    job.finished_at = clock.now()
    job.save(update_fields=["report", "status", "processed", "imported", "failed", "finished_at", "total"])


def job_import_after_dry_run(*, actor, job: ImportJob, mode: str) -> ImportJob:
    """The user read the dry-run report and chose to import the same file."""
    return job_create(actor=actor, data=Path(job.file_path).read_bytes(), file_name=job.original_name,
                      mode=mode, dry_run=False)


def job_rejected_rows(job: ImportJob) -> bytes:
    path = job.report.get("rejected_file")
    if not path or not Path(path).exists():
        raise NotFound("import_rejected", _("没有被拒绝的行。"))
    return Path(path).read_bytes()

"""Background work (django-tasks): the import page enqueues ``run_import`` and polls the job;
``remove_orphan_attachments`` and ``return_customers_to_pools`` are nightly sweeps, ``end_expired_memberships``
an hourly one."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from kehu.core import clock, context
from kehu.customers import access_alerts, ownership, storage
from kehu.customers.jobs import job_run
from kehu.customers.models import Attachment, ImportJob


@task()
def run_import(job_id: int) -> str:
    with context.bound(context.RequestContext(channel="task")):
        return job_run(ImportJob.objects.get(pk=job_id)).status


# An upload writes its file before its transaction commits; when a caller's outer transaction
# rolls back after that, the file has no row. The nightly sweep removes such files once they are
# older than the grace period (no upload transaction runs that long).
ORPHAN_GRACE = timedelta(hours=1)
_CHUNK = 500


@task()
def remove_orphan_attachments() -> int:
    """Delete attachment files that no row names; returns how many. Idempotent."""
    cutoff = (clock.now() - ORPHAN_GRACE).timestamp()
    old = {path.name: path for path in storage.attachment_files() if path.stat().st_mtime < cutoff}
    names = list(old)
    known: set[str] = set()
    for start in range(0, len(names), _CHUNK):
        chunk = names[start:start + _CHUNK]
        known.update(Attachment.objects.filter(stored_name__in=chunk).values_list("stored_name", flat=True))
    removed = 0
    for name, path in old.items():
        if name not in known:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


@task()
def sweep_access_alerts() -> int:
    """Every 10 minutes: raise the exfiltration alerts due (OWN-6); returns how many. Idempotent."""
    with context.bound(context.RequestContext(channel="task")):
        return len(access_alerts.sweep(now=clock.now()))


@task()
def check_access(user_id: int) -> int:
    """At once after an export: the same check for one user. Idempotent."""
    with context.bound(context.RequestContext(channel="task")):
        return len(access_alerts.sweep(now=clock.now(), users=[user_id]))


@task()
def return_customers_to_pools() -> int:
    """The pool rules' nightly return (OWN-3); returns how many customers went back. Idempotent."""
    with context.bound(context.RequestContext(channel="task")):
        return ownership.pool_return_sweep().returned


@task()
def end_expired_memberships() -> int:
    """Team members past their expiry lose the customer (OWN-1); returns how many. Idempotent."""
    with context.bound(context.RequestContext(channel="task")):
        return ownership.end_expired_memberships()

"""Background sweeps of the compliance app. Tasks take ids (or nothing) and are idempotent."""

from __future__ import annotations

from django_tasks import task

from kehu.compliance.services import audit_purge
from kehu.core import clock, context


@task()
def purge_audit_log() -> int:
    """Daily: delete audit rows past the retention (AUD-4). A second run the same day deletes nothing."""
    with context.bound(context.RequestContext(channel="task")):
        return audit_purge(now=clock.now())

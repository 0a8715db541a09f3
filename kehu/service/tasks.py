"""Background work of service and complaints (django-tasks; scheduled in integrations.ready(), see docs/jobs.md)."""

from __future__ import annotations

from django_tasks import task

from kehu.core import clock, context
from kehu.service import sla_sweep


@task()
def sweep_sla() -> int:
    """Every 15 minutes: SLA states, due-soon notices, escalations and auto-close (SVC-3); returns how many
    tickets changed. Idempotent."""
    with context.bound(context.RequestContext(channel="task")):
        result = sla_sweep.sla_sweep(now=clock.now())
    return result.changed + result.auto_closed

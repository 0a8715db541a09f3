"""Background work of relationship maintenance (django-tasks; scheduled in apps.py, see docs/jobs.md)."""

from __future__ import annotations

from django_tasks import task

from kehu.core import clock, context
from kehu.engagement import reminders


@task()
def sweep_contact_tasks() -> int:
    """Hourly: the recontact and first-contact tasks due (REL-4); returns how many were created. Idempotent."""
    with context.bound(context.RequestContext(channel="task")):
        result = reminders.contact_tasks_sweep(now=clock.now())
    return result.recontact + result.first_contact

"""Background work of relationship maintenance (django-tasks): the nightly visit planning sweep (REL-2)."""

from __future__ import annotations

from django_tasks import task

from kehu.core import context
from kehu.engagement import planning


@task()
def plan_visits() -> int:
    """Plans of the current periods from the policy in force; returns how many were made. Idempotent."""
    with context.bound(context.RequestContext(channel="task")):
        return planning.plan_visits().created

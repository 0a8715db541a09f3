"""Background jobs of the organisation app (scheduled by the jobs runner)."""

from __future__ import annotations

from django_tasks import task

from kehu.core import clock, context
from kehu.org.inactivity import users_disable_inactive


@task()
def disable_inactive_users() -> int:
    """AC-7 daily sweep; returns how many accounts it disabled."""
    with context.bound(context.RequestContext(channel="task")):
        return len(users_disable_inactive(now=clock.now()))

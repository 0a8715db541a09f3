"""Background work of notifications and care: deliver one notification (enqueued on commit by
``notify``), retry the deliveries whose backoff has run out (every minute), and the daily care sweep."""

from __future__ import annotations

from django_tasks import task

from kehu.core import clock, context
from kehu.engagement import care, notices, notify


@task()
def deliver_notification(notification_id: int) -> dict[str, str]:
    """E-mail and webhooks of one notification; sends nothing already sent. Idempotent."""
    with context.bound(context.RequestContext(channel="task")):
        return notify.deliver(notification_id)


@task()
def retry_deliveries() -> int:
    """Deliver again the notifications whose retry time has come; returns how many. Idempotent."""
    with context.bound(context.RequestContext(channel="task")):
        due = notify.due_for_retry(clock.now())
        for notification_id in due:
            notify.deliver(notification_id)
        return len(due)


@task()
def sweep_care() -> int:
    """REL-3: the care tasks due today (lead days ahead of each occasion); returns how many. Idempotent."""
    with context.bound(context.RequestContext(channel="task")):
        return care.sweep()


@task()
def digest_returning_customers() -> int:
    """OWN-3: the daily "customers returning to the pool soon" notice to each owner; returns how many. Idempotent."""
    with context.bound(context.RequestContext(channel="task")):
        return notices.returning_soon_digest()


@task()
def digest_overdue_visits() -> int:
    """REL-2: the daily "overdue visit plans" notice to each responsible person; returns how many. Idempotent."""
    with context.bound(context.RequestContext(channel="task")):
        return notices.overdue_visits_digest()

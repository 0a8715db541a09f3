"""Background work of notifications and care: deliver one notification (enqueued on commit by
``notify``), retry the deliveries whose backoff has run out (every minute), and the daily care sweep."""

from __future__ import annotations

from django_tasks import task

from kehu.core import clock, context
from kehu.engagement import care, notify


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

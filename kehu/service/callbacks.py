"""The proactive callback (主动回访) after every closed ticket (SVC-5, FB-2).

Closing a ticket, by hand or by the auto-close sweep, calls ``on_closed``: it makes one ``callback`` task
(key ``callback:<ticket id>``, so a ticket closed again after a reopen gets no second one), due the
policy's ``service.callback_within_days`` after the close. A strategic customer's key-account manager
(the customer's owner) calls back; anyone else's callback goes to the ticket's responsible person. The
rating the call collects (kehu/service/services_rating.py) completes the task; "my day" links the task to
the rating form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.engagement.models import Task, TaskStatus, register_task_kind
from kehu.org.models import User
from kehu.policy.evaluators.base import SHANGHAI
from kehu.policy.models import PolicyVersion

PREFIX = "callback"


def source_key(ticket_id: int) -> str:
    return f"{PREFIX}:{ticket_id}"


def ticket_id_of(task: Task) -> int:
    return int(task.source_key.split(":", 1)[1])


def rating_url(task: Task) -> str:
    return reverse("service:ticket_rate", args=[ticket_id_of(task)])


CALLBACK = register_task_kind(PREFIX, gettext_lazy("回访"), url=rating_url)


def on_closed(ticket) -> Task | None:
    """The callback task of one ticket just closed (None: it had one already)."""
    made = on_closed_many([ticket])
    return made[0] if made else None


def on_closed_many(tickets: Iterable) -> list[Task]:
    """The callback tasks of tickets just closed (``closed_at`` set; ``customer`` loaded or cheap to load),
    in a few queries whatever their number; those that have one already get none."""
    tickets = list(tickets)
    keys = {source_key(t.pk) for t in tickets}
    existing = set(Task.objects.filter(source_key__in=keys).values_list("source_key", flat=True))
    tickets = [t for t in tickets if source_key(t.pk) not in existing]
    if not tickets:
        return []
    days = {pk: version.section("service").callback_within_days
            for pk, version in PolicyVersion.objects.in_bulk({t.policy_version_id for t in tickets}).items()}
    owners = {t.customer.owner_id for t in tickets if t.strategic and t.customer_id and t.customer.owner_id}
    active = set(User.objects.filter(pk__in=owners, is_active=True).values_list("pk", flat=True)) if owners else set()
    tasks = []
    for ticket in tickets:
        owner = ticket.customer.owner_id if ticket.strategic and ticket.customer_id else None
        closed_on = timezone.localtime(ticket.closed_at, SHANGHAI).date()
        title = _("回访：%(number)s %(title)s") % {"number": ticket.number, "title": ticket.title}
        tasks.append(Task(assignee_id=owner if owner in active else ticket.responsible_id, customer_id=ticket.customer_id,
                          kind=CALLBACK, title=title[:200],
                          due_date=closed_on + dt.timedelta(days=days[ticket.policy_version_id]),
                          created_at=ticket.closed_at, source_key=source_key(ticket.pk)))
    Task.objects.bulk_create(tasks, ignore_conflicts=True)  # a concurrent close's row wins
    return tasks


def complete(ticket, *, actor, at: dt.datetime) -> int:
    """Mark the ticket's open callback task done (the rating was taken); how many changed (0 or 1)."""
    return Task.objects.filter(source_key=source_key(ticket.pk), status=TaskStatus.OPEN).update(
        status=TaskStatus.DONE, done_at=at, done_by=actor)

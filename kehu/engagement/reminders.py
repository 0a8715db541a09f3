"""Recontact and first-contact tasks (REL-4), created by an idempotent sweep from the policy in force.

- **Recontact**: an owned customer not contacted for the policy's X days (``reminders.recontact_after_days``,
  counted from the later of the last contact and the owner's receipt) gets a ``recontact`` task for its
  owner. The task's key is ``recontact:<customer>:<anchor date>``: while nobody contacts the customer the
  anchor stays, so the sweep finds the key and creates nothing; a follow-up (or a new owner) moves the
  anchor, and the next silence makes a new task.
- **First contact**: a customer created within the last Y days (``first_followup_within_days``) and never
  contacted gets a ``first_contact`` task for its owner, due Y days after creation; key
  ``first_contact:<customer>:<owner>`` (a new owner of a still-new customer gets one too). Older customers are not "new": a first deployment does not flood anyone.

The database condition finds the candidates; the pure evaluators (kehu.policy.evaluators.reminders)
decide each again and give the due date. A follow-up closes both kinds (services.followup_record).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.compliance import audit
from kehu.core import clock
from kehu.customers.models import Customer
from kehu.customers.pools import received, start_of_day
from kehu.engagement import actions
from kehu.engagement.models import FIRST_CONTACT, RECONTACT, Task, TaskStatus
from kehu.policy.evaluators.reminders import first_followup_due, recontact_due
from kehu.policy.selectors import version_in_force

CHUNK = 500


@dataclass(frozen=True)
class SweepResult:
    policy_version: int
    recontact: int
    first_contact: int
    cancelled: int


def _owned() -> Q:
    return Q(owner__isnull=False, deleted_at=None)


def recontact_q(days: int, now: dt.datetime) -> Q:
    """Owned customers whose anchor (the later of last contact and receipt) is ``days`` calendar days old or
    more (Asia/Shanghai); matches ``recontact_due``: an anchor before midnight ``days - 1`` days ago."""
    cutoff = start_of_day(now) - dt.timedelta(days=days - 1)
    received_before = Q(received_at__lt=cutoff) | Q(received_at=None, created_at__lt=cutoff)
    return _owned() & received_before & (Q(last_contact_at=None) | Q(last_contact_at__lt=cutoff))


def first_contact_q(days: int, now: dt.datetime) -> Q:
    """Owned customers created within the last ``days`` days (from midnight) and never contacted."""
    return _owned() & Q(last_contact_at=None, created_at__gte=start_of_day(now) - dt.timedelta(days=days))


def _anchor(customer) -> dt.datetime:
    return max(received(customer), customer.last_contact_at) if customer.last_contact_at else received(customer)


def _plan(customers, rules, now: dt.datetime, version: int) -> list[Task]:
    today = clock.today()
    planned = []
    for customer in customers:
        recontact = recontact_due(rules, customer.last_contact_at, received(customer), now, version=version)
        if recontact.due:
            anchor = timezone.localtime(_anchor(customer)).date()
            planned.append(Task(assignee_id=customer.owner_id, customer=customer, kind=RECONTACT,
                                title=_("再次联系：%(name)s") % {"name": customer.name},
                                due_date=today + dt.timedelta(days=recontact.days_left), created_at=now,
                                source_key=f"{RECONTACT}:{customer.pk}:{anchor.isoformat()}"))
        elif customer.last_contact_at is None:  # a candidate not due for recontact is a new customer
            first = first_followup_due(rules, customer.created_at, now, version=version)
            planned.append(Task(assignee_id=customer.owner_id, customer=customer, kind=FIRST_CONTACT,
                                title=_("首次跟进：%(name)s") % {"name": customer.name},
                                due_date=today + dt.timedelta(days=first.days_left), created_at=now,
                                source_key=f"{FIRST_CONTACT}:{customer.pk}:{customer.owner_id}"))
    return planned


def _stale_reminders():
    """Open recontact / first-contact tasks whose customer is no longer the assignee's."""
    return (Task.objects.filter(kind__in=[RECONTACT, FIRST_CONTACT], status=TaskStatus.OPEN, customer__isnull=False)
            .exclude(assignee=F("customer__owner")))


def contact_tasks_sweep(*, now: dt.datetime | None = None) -> SweepResult:
    """Create the recontact and first-contact tasks due (idempotent: a second run creates nothing), and
    cancel such reminders still open for someone who no longer owns their customer. A customer whose owner
    has one of them open already is no candidate (that reminder stands), so a later run reads only what
    changed. Chunks of CHUNK customers commit on their own; one audit entry per run that changed something."""
    now = now or clock.now()
    version = version_in_force(now)
    rules = version.section("reminders")
    with transaction.atomic():
        cancelled = _stale_reminders().update(status=TaskStatus.CANCELLED, done_at=now)
    reminded = Task.objects.filter(customer=OuterRef("pk"), assignee=OuterRef("owner"), status=TaskStatus.OPEN,
                                   kind__in=[RECONTACT, FIRST_CONTACT])
    condition = recontact_q(rules.recontact_after_days, now) | first_contact_q(rules.first_followup_within_days, now)
    ids = list(Customer._base_manager.filter(condition).exclude(Exists(reminded)).order_by("pk")
               .values_list("pk", flat=True))
    created = {RECONTACT: 0, FIRST_CONTACT: 0}
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            customers = list(Customer._base_manager.filter(_owned(), pk__in=ids[start:start + CHUNK]).order_by("pk"))
            planned = _plan(customers, rules, now, version.number)
            existing = set(Task.objects.filter(source_key__in=[t.source_key for t in planned])
                           .values_list("source_key", flat=True))
            new = [task for task in planned if task.source_key not in existing]
            Task.objects.bulk_create(new, ignore_conflicts=True)  # a concurrent run's rows win
            for task in new:
                created[task.kind] += 1
    result = SweepResult(version.number, created[RECONTACT], created[FIRST_CONTACT], cancelled)
    if result.recontact or result.first_contact or result.cancelled:
        with transaction.atomic():
            audit.record(None, actions.TASK_SWEEP, None, {
                "policy_version": version.number, "recontact": result.recontact,
                "first_contact": result.first_contact, "cancelled": result.cancelled})
    return result

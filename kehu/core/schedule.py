"""Periodic sweeps on Django's task API: which task is due, and enqueueing each due task once per slot.

Apps register their sweeps in ``AppConfig.ready()``::

    schedule.periodic(tasks.purge_audit_log, daily_at=time(3, 0))     # every day 03:00 China time
    schedule.periodic(tasks.refresh_something, every=timedelta(minutes=10))

``kehu worker`` calls ``enqueue_due(now)`` every 30 seconds. Any number of workers may do so at
the same time: a ScheduleSlot row (unique per task and slot) is inserted in the same transaction
as the enqueue, so only the first one enqueues. A slot missed while no worker ran is caught up
once, at the next call. Periodic tasks take no arguments and must be idempotent: a sweep run
twice changes nothing the second time (DESIGN.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction

from kehu.core import clock

logger = logging.getLogger(__name__)
CHINA = ZoneInfo("Asia/Shanghai")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Periodic:
    task: object  # a django_tasks Task
    every: dt.timedelta | None = None
    daily_at: dt.time | None = None

    def __post_init__(self):
        if (self.every is None) == (self.daily_at is None):
            raise ValueError("a periodic task needs exactly one of every= or daily_at=")
        if self.every is not None and self.every < dt.timedelta(minutes=1):
            raise ValueError("every= must be at least one minute (the scheduler wakes every 30 s)")

    @property
    def name(self) -> str:
        return self.task.module_path

    def slot_start(self, now: dt.datetime) -> dt.datetime:
        """The start of the slot ``now`` falls in: the last whole ``every`` since the epoch, or the
        last ``daily_at`` on China's wall clock (today's if already past, else yesterday's)."""
        if self.every is not None:
            step = self.every // dt.timedelta(microseconds=1)
            elapsed = (now - EPOCH) // dt.timedelta(microseconds=1)
            return EPOCH + dt.timedelta(microseconds=elapsed - elapsed % step)
        local = now.astimezone(CHINA)
        start = dt.datetime.combine(local.date(), self.daily_at, tzinfo=CHINA)
        if start > local:
            start = dt.datetime.combine(local.date() - dt.timedelta(days=1), self.daily_at, tzinfo=CHINA)
        return start.astimezone(dt.UTC)


REGISTRY: dict[str, Periodic] = {}


def periodic(task, *, every: dt.timedelta | None = None, daily_at: dt.time | None = None):
    """Register ``task`` (a django_tasks Task taking no arguments) to run periodically; returns it."""
    entry = Periodic(task, every=every, daily_at=daily_at)
    existing = REGISTRY.get(entry.name)
    if existing is not None and existing != entry:
        raise ValueError(f"periodic task {entry.name} registered twice with different schedules")
    REGISTRY[entry.name] = entry
    return task


def due_slots(now: dt.datetime, entries: list[Periodic] | None = None) -> list[tuple[Periodic, dt.datetime]]:
    """Each entry with the slot it is in at ``now``; whether that slot already ran is the database's call."""
    return [(entry, entry.slot_start(now)) for entry in (REGISTRY.values() if entries is None else entries)]


def enqueue_due(now: dt.datetime | None = None, entries: list[Periodic] | None = None) -> list[str]:
    """Enqueue every task whose current slot has not been enqueued yet; return their names."""
    from kehu.core.models import ScheduleSlot

    enqueued = []
    for entry, slot_start in due_slots(now or clock.now(), entries):
        try:
            with transaction.atomic():
                slot = ScheduleSlot.objects.create(task_name=entry.name, slot_start=slot_start, enqueued_at=clock.now())
                # Enqueued inside the slot's transaction: with the database backend the task row
                # commits with the slot or not at all; with Redis a failed commit may, rarely,
                # leave a job whose slot another worker enqueues again, which idempotent sweeps allow.
                result = entry.task.enqueue()
                slot.result_id = str(result.id)[:64]
                slot.save(update_fields=["result_id"])
        except IntegrityError:
            continue  # another worker (or an earlier call) has this slot
        logger.info("enqueued %s for slot %s (result %s)", entry.name, slot_start.isoformat(), result.id)
        enqueued.append(entry.name)
    return enqueued

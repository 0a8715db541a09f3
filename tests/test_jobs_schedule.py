"""Periodic sweeps: each due task is enqueued once per slot, however many schedulers run."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from kehu.core import schedule
from kehu.core.models import ScheduleSlot

CHINA = schedule.CHINA


@task()
def sweep() -> str:
    return "swept"


def at(y, m, d, hh, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=CHINA)


def test_daily_slot_is_the_last_wall_clock_time_in_china():
    entry = schedule.Periodic(sweep, daily_at=dt.time(3, 0))
    assert entry.slot_start(at(2026, 11, 22, 3, 0)) == at(2026, 11, 22, 3, 0)
    assert entry.slot_start(at(2026, 11, 22, 23, 59)) == at(2026, 11, 22, 3, 0)
    assert entry.slot_start(at(2026, 11, 22, 2, 59)) == at(2026, 11, 21, 3, 0)
    # 19:30 UTC on the 21st is already 03:30 on the 22nd in Shanghai.
    assert entry.slot_start(dt.datetime(2026, 11, 21, 19, 30, tzinfo=dt.UTC)) == at(2026, 11, 22, 3, 0)


def test_interval_slots_are_aligned_and_change_only_when_a_step_passes():
    entry = schedule.Periodic(sweep, every=dt.timedelta(minutes=10))
    start = entry.slot_start(at(2026, 11, 22, 10, 3))
    assert start == at(2026, 11, 22, 10, 0)
    assert entry.slot_start(at(2026, 11, 22, 10, 9)) == start
    assert entry.slot_start(at(2026, 11, 22, 10, 10)) == at(2026, 11, 22, 10, 10)


def test_a_periodic_entry_needs_exactly_one_rhythm():
    with pytest.raises(ValueError):
        schedule.Periodic(sweep)
    with pytest.raises(ValueError):
        schedule.Periodic(sweep, every=dt.timedelta(hours=1), daily_at=dt.time(3))


def test_the_audit_purge_is_registered_daily_at_three():
    entry = schedule.REGISTRY["kehu.compliance.tasks.purge_audit_log"]
    assert entry.daily_at == dt.time(3, 0) and entry.every is None
    names = [e.name for e, _slot in schedule.due_slots(at(2026, 11, 22, 4))]
    assert "kehu.compliance.tasks.purge_audit_log" in names


@pytest.mark.django_db
def test_same_slot_is_enqueued_once_and_the_next_slot_again():
    entries = [schedule.Periodic(sweep, daily_at=dt.time(2, 0))]
    assert schedule.enqueue_due(at(2026, 11, 22, 2, 0), entries) == [entries[0].name]
    assert schedule.enqueue_due(at(2026, 11, 22, 2, 30), entries) == []
    assert schedule.enqueue_due(at(2026, 11, 22, 18, 0), entries) == []
    assert DBTaskResult.objects.filter(task_path=entries[0].name).count() == 1
    assert schedule.enqueue_due(at(2026, 11, 23, 2, 1), entries) == [entries[0].name]
    assert DBTaskResult.objects.filter(task_path=entries[0].name).count() == 2
    slots = ScheduleSlot.objects.order_by("slot_start")
    assert [s.slot_start for s in slots] == [at(2026, 11, 22, 2), at(2026, 11, 23, 2)]
    assert all(s.result_id for s in slots)


@pytest.mark.django_db(transaction=True)
def test_racing_schedulers_enqueue_once():
    if connection.vendor == "sqlite":
        # Threads share the in-memory test database through SQLite's shared cache, which answers
        # "table is locked" at once instead of waiting on busy_timeout as a database file does.
        pytest.skip("needs PostgreSQL: the in-memory SQLite test database cannot queue concurrent writers")
    entries = [schedule.Periodic(sweep, every=dt.timedelta(hours=1))]
    now = at(2026, 11, 22, 9, 15)
    gate = threading.Barrier(4)
    results, errors = [], []

    def scheduler():
        from django.db import connection as own

        try:
            gate.wait()
            results.append(schedule.enqueue_due(now, entries))
        except Exception as exc:  # reported below: an assertion in a thread would be lost
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert sorted(len(r) for r in results) == [0, 0, 0, 1]
    assert ScheduleSlot.objects.count() == 1
    assert DBTaskResult.objects.filter(task_path=entries[0].name).count() == 1


@pytest.mark.req("SEC-1")
def test_the_inactive_user_sweep_is_registered_daily_at_two():
    entry = schedule.REGISTRY["kehu.org.tasks.disable_inactive_users"]
    assert entry.daily_at == dt.time(2, 0) and entry.every is None

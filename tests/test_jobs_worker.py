"""`kehu worker`: runs queued tasks on the database backend and on Redis (RQ); sweeps are idempotent."""

from __future__ import annotations

import datetime as dt
import os
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core import clock, schedule
from kehu.core.models import ScheduleSlot
from kehu.org.models import Company

REDIS_URL = "redis://127.0.0.1:6379/5"
REDIS_SETTINGS = {
    "TASKS": {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
    "RQ_QUEUES": {"default": {"URL": REDIS_URL}},
}


@task()
def name_company(company_id: int, name: str) -> str:
    """Takes an id, not an object, and sets a value: running it twice changes nothing more."""
    Company.objects.filter(pk=company_id).update(short_name=name)
    return name


def run_worker(*args: str) -> str:
    out = StringIO()
    call_command("worker", "--once", *args, stdout=out)
    return out.getvalue()


# The database worker calls close_old_connections() between tasks, which closes a PostgreSQL
# connection held inside a test transaction; so on PostgreSQL this test commits for real (and is
# flushed after). SQLite's in-memory test database ignores the close, so a rolled-back test works.
ON_POSTGRES = (os.environ.get("KEHU_DATABASE_URL") or "").startswith("postgres")


@pytest.mark.django_db(transaction=ON_POSTGRES)
def test_worker_once_runs_queued_tasks_and_due_sweeps_on_the_database_backend():
    company = Company.objects.create(name="任务测试有限公司")
    result = name_company.enqueue(company.pk, "任务")
    assert DBTaskResult.objects.get(id=result.id).status == TaskResultStatus.READY
    output = run_worker()
    row = DBTaskResult.objects.get(id=result.id)
    assert row.status == TaskResultStatus.SUCCESSFUL and row.return_value == "任务"
    assert Company.objects.get(pk=company.pk).short_name == "任务"
    # The scheduler part of --once enqueued the daily purge for its slot and the runner ran it.
    purge = DBTaskResult.objects.get(task_path="kehu.compliance.tasks.purge_audit_log")
    assert purge.status == TaskResultStatus.SUCCESSFUL
    assert "kehu.compliance.tasks.purge_audit_log" in output
    assert AuditEntry.objects.filter(action=actions.AUDIT_PURGE, channel="task").count() == 1
    # A second run in the same slot enqueues nothing new.
    run_worker()
    assert DBTaskResult.objects.filter(task_path="kehu.compliance.tasks.purge_audit_log").count() == 1
    assert ScheduleSlot.objects.count() == len(schedule.REGISTRY)  # one slot per registered sweep


@pytest.mark.django_db
def test_worker_refuses_an_unknown_queue():
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        run_worker("--queue", "nope")


@pytest.mark.django_db
@override_settings(AUDIT_RETENTION_DAYS=180)
def test_purge_sweep_run_twice_changes_nothing_the_second_time(make_user):
    from django.db import transaction

    from kehu.compliance import audit
    from kehu.compliance.tasks import purge_audit_log

    actor = make_user("system_admin")
    for days in (300, 200, 5):
        with clock.frozen(clock.now() - dt.timedelta(days=days)), transaction.atomic():
            audit.record(actor, actions.USER_UPDATE, actor, {"days": days})
    assert purge_audit_log.call() == 2
    before = list(AuditEntry.objects.exclude(action=actions.AUDIT_PURGE).values_list("seq", "hash"))
    assert purge_audit_log.call() == 0
    assert list(AuditEntry.objects.exclude(action=actions.AUDIT_PURGE).values_list("seq", "hash")) == before
    assert audit.verify().ok


@pytest.fixture
def redis_queue():
    import redis

    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis does not answer at {REDIS_URL}: {exc}")
    connection.flushdb()
    with override_settings(**REDIS_SETTINGS):
        yield connection
    connection.flushdb()


@pytest.mark.django_db
def test_redis_backend_enqueues_and_an_rq_burst_runs_the_task(redis_queue):
    import django_rq
    from rq.worker import SimpleWorker

    company = Company.objects.create(name="红色队列有限公司")
    result = name_company.enqueue(company.pk, "队列")
    assert not DBTaskResult.objects.exists()  # it went to Redis, not to the database
    assert django_rq.get_queue("default").count == 1
    worker = django_rq.get_worker("default", job_class="django_tasks_rq.backend.Job", worker_class=SimpleWorker)
    assert worker.work(burst=True)
    assert Company.objects.get(pk=company.pk).short_name == "队列"
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL and result.return_value == "队列"


@pytest.mark.django_db
def test_kehu_worker_once_on_the_redis_backend(redis_queue):
    company = Company.objects.create(name="命令队列有限公司")
    result = name_company.enqueue(company.pk, "命令")
    run_worker("--no-scheduler")
    assert Company.objects.get(pk=company.pk).short_name == "命令"
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL

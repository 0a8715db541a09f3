"""CRASH-2: a real `kehu worker` SIGKILLed while it runs an import job leaves no partial import;
the job, enqueued again, runs to completion (file-backed SQLite, and PostgreSQL when the suite runs on it).

Rows and kills default to 6,000 and 3 to keep the suite's time (enough rows that the write, about
1.3 s on an idle machine, is still running when the random kill comes); SECURITY.md's full form is
``KEHU_CRASH_ROWS=10000 KEHU_CRASH_RUNS=20``.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.test_customers_import import HEADERS, good_row, xlsx_bytes

ROWS = int(os.environ.get("KEHU_CRASH_ROWS", "6000"))
RUNS = int(os.environ.get("KEHU_CRASH_RUNS", "3"))
KEHU = [sys.executable, "-m", "kehu.cli"]

ENQUEUE = """
import sys
import django; django.setup()
from pathlib import Path
from kehu.customers import jobs
from kehu.customers.models import ImportJob
from kehu.customers.tasks import run_import
from kehu.org.factories import UserFactory
from kehu.org.models import User
if sys.argv[1] == "new":
    user = UserFactory(username="importer", roles=["sales_manager"])
    job = jobs.job_create(actor=user, data=Path(sys.argv[2]).read_bytes(), file_name="big.xlsx", mode="atomic",
                          dry_run=False)
else:  # the operator's retry after a crash: the same job, enqueued again
    job = ImportJob.objects.get(pk=int(sys.argv[1]))
run_import.enqueue(job.pk)
print(job.pk)
"""


class Database:
    """Reads the test's real database from outside Kehu, as an operator would."""

    def __init__(self, url: str):
        self.url = url

    def one(self, sql: str, params=()):
        if self.url.startswith("sqlite"):
            with sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30) as connection:
                return connection.execute(sql, params).fetchone()
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            return connection.execute(sql.replace("?", "%s"), params).fetchone()

    def count(self, table: str) -> int:
        return self.one(f"select count(*) from {table}")[0]

    def job(self, pk: int) -> tuple[str, int, int]:
        return self.one("select status, processed, total from customers_importjob where id = ?", (pk,))


def _env(tmp_path: Path, url: str) -> dict:
    env = {**os.environ, "KEHU_DATABASE_URL": url, "KEHU_VAR_DIR": str(tmp_path / "var"),
           "KEHU_TASK_BACKEND": "database", "DJANGO_SETTINGS_MODULE": "kehu.settings"}
    env.pop("KEHU_PROFILE", None)  # the dev profile, as a real installation runs
    return env


def _enqueue(env, *args: str) -> int:
    out = subprocess.run([sys.executable, "-c", ENQUEUE, *args], env=env, check=True, capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1])


def kill_when(args: list[str], env, ready, delay: float) -> None:
    """Start ``args``, wait until ``ready()`` says the interesting part runs, let it run ``delay`` seconds
    more, SIGKILL it."""
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 600
        while not ready():
            assert process.poll() is None, "the process ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(delay)
        assert process.poll() is None, "the process ended before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL


def _kill_mid_import(env, db: Database, job_id: int, rng: random.Random) -> None:
    """Start a worker, wait until it has validated the file (the writes start then), let it
    write for a random moment, SIGKILL it."""

    def validated() -> bool:
        status, processed, total = db.job(job_id)
        if total and processed >= total:
            return True
        assert status != "done", "the import finished before it could be killed"
        return False

    kill_when([*KEHU, "worker", "--no-scheduler"], env, validated, rng.uniform(0, 1.5))


def _crash_and_rerun(tmp_path: Path, url: str) -> None:
    env = _env(tmp_path, url)
    db = Database(url)
    subprocess.run([*KEHU, "migrate", "-v0"], env=env, check=True)
    path = tmp_path / "big.xlsx"
    path.write_bytes(xlsx_bytes(HEADERS, [good_row(i) for i in range(ROWS)]))
    job_id = _enqueue(env, "new", str(path))
    rng = random.Random(os.environ.get("KEHU_CRASH_SEED", "crash-2"))
    for run in range(RUNS):
        if run:
            _enqueue(env, str(job_id))
        _kill_mid_import(env, db, job_id, rng)
        count = db.count("customers_customer")
        assert count in (0, ROWS)
        if count == ROWS:  # the kill came after the commit: the job says so, and the run is over
            assert db.job(job_id)[0] == "done"
            break
        assert db.job(job_id)[0] != "done"
        assert db.count("customers_contact") == 0
        assert db.one("select count(*) from compliance_auditentry where action = 'customer.create'")[0] == 0
    else:
        _enqueue(env, str(job_id))
    subprocess.run([*KEHU, "worker", "--once", "--no-scheduler"], env=env, check=True, capture_output=True)
    assert db.job(job_id)[0] == "done"
    assert db.count("customers_customer") == ROWS and db.count("customers_contact") == ROWS
    assert db.one("select count(*) from compliance_auditentry where action = 'customer.create'")[0] == ROWS
    assert db.one("select count(*) from compliance_auditentry where action = 'customer.import'")[0] == 1
    assert not Path(db.one("select file_path from customers_importjob where id = ?", (job_id,))[0]).exists()
    if url.startswith("sqlite"):
        assert db.one("pragma integrity_check")[0] == "ok"
    verify = subprocess.run([*KEHU, "audit", "verify"], env=env, capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr


@pytest.mark.req("CRASH-2")
def test_sigkilled_worker_leaves_no_partial_import_and_the_job_reruns_sqlite(tmp_path):
    _crash_and_rerun(tmp_path, f"sqlite:///{tmp_path / 'kehu.sqlite3'}")


SUITE_URL = os.environ.get("KEHU_DATABASE_URL", "")


@pytest.mark.postgres_only
@pytest.mark.req("CRASH-2")
@pytest.mark.skipif(not SUITE_URL.startswith("postgres"), reason="the suite is not running on PostgreSQL")
def test_sigkilled_worker_leaves_no_partial_import_and_the_job_reruns_postgres(tmp_path):
    with scratch_postgres("crash") as url:
        _crash_and_rerun(tmp_path, url)


@contextmanager
def scratch_postgres(suffix: str):
    """A fresh database beside the suite's PostgreSQL one (``<name>_<suffix>``) for a real process to use
    and be killed on; dropped afterwards."""
    import psycopg

    parts = urlsplit(SUITE_URL)
    name = f"{parts.path.lstrip('/') or 'kehu'}_{suffix}"
    server = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

"""OWN-5, SECURITY.md AC-8: `kehu handover` SIGKILLed in the middle of handing over a few thousand customers
leaves all or nothing moved (file-backed SQLite, and PostgreSQL when the suite runs on it); run again, it
completes, and no open record is left with a disabled account.

Customers and kills default to 3,000 and 3; ``KEHU_HANDOVER_CRASH_ROWS=5000`` is SECURITY.md's size.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_customers_import_crash import KEHU, SUITE_URL, Database, _env, kill_when, scratch_postgres

ROWS = int(os.environ.get("KEHU_HANDOVER_CRASH_ROWS", "3000"))
RUNS = int(os.environ.get("KEHU_HANDOVER_CRASH_RUNS", "3"))
HANDOVER = [*KEHU, "handover", "--from", "leaver", "--to", "a", "--to", "b", "--as", "manager"]

SEED = """
import sys
import django; django.setup()
from kehu.customers import services
from kehu.customers.factories import company_name
from kehu.org.factories import DepartmentFactory, UserFactory
east = DepartmentFactory(name="华东销售部")
manager = UserFactory(username="manager", roles=["sales_manager"], department=east)
leaver = UserFactory(username="leaver", roles=["salesperson"], department=east)
for name in ("a", "b"):
    UserFactory(username=name, roles=["salesperson"], department=east)
entries = [({"kind": "enterprise", "name": company_name(i), "stage": "potential"}, ()) for i in range(int(sys.argv[1]))]
services.customer_create_many(actor=manager, entries=entries, owner=leaver)
"""


def _in_transaction(url: str) -> bool:
    """Whether another process holds an open write transaction: SQLite's write lock (Kehu's transactions
    begin IMMEDIATE), or a PostgreSQL transaction id (the handover's first row lock takes one)."""
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            connection.close()
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        return connection.execute(
            "select count(*) from pg_locks l join pg_stat_activity a on a.pid = l.pid "
            "where l.locktype = 'transactionid' and a.datname = current_database() and a.pid <> pg_backend_pid()"
        ).fetchone()[0] > 0


def _kill_mid_handover(env, url: str, delay: float) -> None:
    kill_when(HANDOVER, env, lambda: _in_transaction(url), delay)
    # PostgreSQL ends the dead client's backend (rolling back) a moment later: wait for it.
    deadline = time.monotonic() + 30
    while _in_transaction(url) and time.monotonic() < deadline:
        time.sleep(0.01)


def _state(db: Database) -> dict:
    leaver = db.one("select id, is_active from org_user where username = 'leaver'")
    return {
        "left": db.one("select count(*) from customers_customer where owner_id = ?", (leaver[0],))[0],
        "active": bool(leaver[1]),
        "records": db.count("org_handoverrecord"),
        "items": db.count("org_handoveritem"),
        "history": db.one("select count(*) from customers_ownershipchange where kind = 'handover'")[0],
        "audit": db.one("select count(*) from compliance_auditentry where action = 'customer.handover'")[0],
        "summary": db.one("select count(*) from compliance_auditentry where action = 'org.user_handover'")[0],
    }


NOTHING = {"left": ROWS, "active": True, "records": 0, "items": 0, "history": 0, "audit": 0, "summary": 0}
EVERYTHING = {"left": 0, "active": False, "records": 1, "items": ROWS, "history": ROWS, "audit": ROWS, "summary": 1}


def _crash_and_rerun(tmp_path: Path, url: str) -> None:
    env = _env(tmp_path, url)
    db = Database(url)
    subprocess.run([*KEHU, "migrate", "-v0"], env=env, check=True)
    subprocess.run([sys.executable, "-c", SEED, str(ROWS)], env=env, check=True)
    started = time.perf_counter()
    rng = random.Random(os.environ.get("KEHU_CRASH_SEED", "own-5"))
    killed_midway = 0
    for _run in range(RUNS):
        _kill_mid_handover(env, url, rng.uniform(0, 0.3))
        state = _state(db)
        assert state in (NOTHING, EVERYTHING), state
        if state == EVERYTHING:  # the kill came after the commit
            break
        killed_midway += 1
    else:
        subprocess.run(HANDOVER, env=env, check=True, capture_output=True)
    assert killed_midway, "no kill landed inside the handover's transaction"
    print(f"\n{killed_midway} kills inside the transaction, then a completed handover of {ROWS} customers: "
          f"{time.perf_counter() - started:.1f} s")
    assert _state(db) == EVERYTHING
    assert db.one("select count(*) from customers_customer where owner_id = (select id from org_user "
                  "where username = 'a')")[0] == (ROWS + 1) // 2
    check = subprocess.run([*KEHU, "handover", "check"], env=env, capture_output=True, text=True)
    assert check.returncode == 0 and "total\t0" in check.stdout, check.stdout + check.stderr
    if url.startswith("sqlite"):
        assert db.one("pragma integrity_check")[0] == "ok"
    verify = subprocess.run([*KEHU, "audit", "verify"], env=env, capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr


@pytest.mark.req("OWN-5", "AC-8")
def test_sigkilled_handover_moves_all_or_nothing_sqlite(tmp_path):
    _crash_and_rerun(tmp_path, f"sqlite:///{tmp_path / 'kehu.sqlite3'}")


@pytest.mark.postgres_only
@pytest.mark.req("OWN-5", "AC-8")
@pytest.mark.skipif(not SUITE_URL.startswith("postgres"), reason="the suite is not running on PostgreSQL")
def test_sigkilled_handover_moves_all_or_nothing_postgres(tmp_path):
    with scratch_postgres("handover_crash") as url:
        _crash_and_rerun(tmp_path, url)

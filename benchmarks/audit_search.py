#!/usr/bin/env python3
"""Audit-log search speed (SECURITY.md AUD-6): p50/p95 of the audit admin's searches on N rows.

    .venv/bin/python benchmarks/audit_search.py --rows 200000                      # SQLite file in a temp dir
    .venv/bin/python benchmarks/audit_search.py --rows 200000 \\
        --database-url postgres://postgres@127.0.0.1:5432/kehu_bench                # an empty PostgreSQL database

Rows go in through bulk_create, not ``audit.record`` one by one, but each row's HMAC chain hash
is computed exactly as ``record`` would, so ``audit.verify`` passes afterwards (it is timed too).
The searches are the page's: selector + keyset page of 50 + capped count. Prints figures; asserts
nothing (DESIGN.md: benchmarks are never timed assertions).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.timing import timed  # noqa: E402

USERS = 300
CUSTOMERS = 50_000
BATCH = 5_000
SAMPLES = 40


def setup(database_url: str) -> None:
    os.environ["KEHU_DATABASE_URL"] = database_url
    os.environ.setdefault("KEHU_PROFILE", "test")  # dev/test keys; never point this at production
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def make_people():
    from kehu.org.factories import DepartmentFactory, UserFactory
    from kehu.org.models import User

    department = DepartmentFactory()
    existing = list(User.objects.filter(username__startswith="bench").order_by("pk"))
    if len(existing) < USERS:
        User.objects.bulk_create([
            User(username=f"bench{n}", full_name=f"压测{n}", employee_no=f"B{n:05d}", department=department)
            for n in range(len(existing), USERS)
        ])
        existing = list(User.objects.filter(username__startswith="bench").order_by("pk"))
    auditor = User.objects.filter(username="bench_auditor").first() or UserFactory(
        username="bench_auditor", employee_no="BA0001", department=department, roles=["audit_admin"])
    return existing, auditor


def insert_rows(n: int, people, codes: list[str] | None = None, *, span_days: int = 360) -> float:
    """Append ``n`` rows to the chain with valid hashes, ending now, actions drawn from ``codes`` (every
    registered action by default; repeat a code to weight it); return seconds taken."""
    from django.db import transaction

    from kehu.compliance import actions, audit
    from kehu.compliance.models import AuditChainHead, AuditEntry
    from kehu.core import clock

    if n == 0:
        return 0.0
    rng = random.Random(7)
    codes = codes or sorted(set(audit.ACTIONS) - {actions.AUDIT_PURGE})  # a purge entry carries the chain's start
    started = time.perf_counter()
    now = clock.now()
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        seq, prev = head.seq, head.hash
        span = dt.timedelta(days=span_days)
        batch = []
        for i in range(n):
            actor = rng.choice(people)
            seq += 1
            entry = AuditEntry(
                seq=seq, occurred_at=now - span + span * i / n, actor=actor, actor_name=actor.username,
                actor_roles="salesperson", action=rng.choice(codes), result=rng.choice(["ok"] * 18 + ["denied", "failed"]),
                target_type="customers.customer", target_id=str(rng.randint(1, CUSTOMERS)),
                target_repr=f"客户{i}", data={"field": "mobile", "i": i}, reason="", request_id=f"{i:032x}",
                ip=f"10.{i % 250}.{i % 199}.{i % 97 + 1}", user_agent="bench", channel="web", prev_hash=prev,
            )
            entry.hash = prev = audit.chain_hash(entry)
            batch.append(entry)
            if len(batch) == BATCH:
                AuditEntry.objects.bulk_create(batch)
                batch = []
        AuditEntry.objects.bulk_create(batch)
        head.seq, head.hash = seq, prev
        head.save(update_fields=["seq", "hash"])
    return time.perf_counter() - started



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000, help="rows to append (0: measure what is there)")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--samples", type=int, default=SAMPLES)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='kehu-bench-')}/bench.sqlite3"
    setup(url)

    from django.db import connection

    from kehu.compliance import audit, selectors
    from kehu.compliance.filters import AuditFilters
    from kehu.compliance.models import AuditEntry

    people, auditor = make_people()
    seconds = insert_rows(args.rows, people)
    if connection.vendor == "postgresql" and args.rows:
        # What autovacuum does after a large insert (PostgreSQL >= 13): statistics for the planner
        # and the visibility map that lets the capped count use an index-only scan.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE compliance_auditentry")
    total = AuditEntry.objects.count()
    print(f"database: {connection.vendor}; rows in the log: {total:,}; inserted {args.rows:,} in {seconds:.1f} s")

    rng = random.Random(11)
    newest = AuditEntry.objects.order_by("-seq").values_list("occurred_at", flat=True).first()

    def search(**filters):
        def run():
            page = selectors.audit_page(selectors.audit_entries_for(auditor, AuditFilters(**filters)))
            # Follow to the second page, as a reviewer paging back would.
            if page.next_cursor:
                selectors.audit_page(selectors.audit_entries_for(auditor, AuditFilters(**filters)),
                                     after_seq=page.next_cursor)
        return run

    cases = {
        "by user (page 1+2, count)": lambda: search(user=rng.choice(people).username)(),
        "by object (type+id)": lambda: search(target_type="customers.customer",
                                              target_id=str(rng.randint(1, CUSTOMERS)))(),
        "by time range (1 day)": lambda: (lambda d: search(since=newest - dt.timedelta(days=d + 1),
                                                            until=newest - dt.timedelta(days=d))())(rng.randint(0, 350)),
        "by time range (30 days)": lambda: (lambda d: search(since=newest - dt.timedelta(days=d + 30),
                                                              until=newest - dt.timedelta(days=d))())(rng.randint(0, 320)),
        "by user + 30 days": lambda: (lambda d: search(user=rng.choice(people).username,
                                                        since=newest - dt.timedelta(days=d + 30),
                                                        until=newest - dt.timedelta(days=d))())(rng.randint(0, 320)),
        "no filter (newest)": lambda: search()(),
    }
    print(f"{'search':30} {'p50 ms':>8} {'p95 ms':>8}   ({args.samples} samples each)")
    for name, run in cases.items():
        p50, p95 = timed(run, args.samples)
        print(f"{name:30} {p50:8.1f} {p95:8.1f}")
    started = time.perf_counter()
    result = audit.verify()
    print(f"audit.verify: ok={result.ok} checked={result.checked:,} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()

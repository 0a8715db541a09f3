#!/usr/bin/env python3
"""Exfiltration-alert sweep cost (OWN-6): p50/p95 of ``access_alerts.sweep`` on an audit log of N rows.

    .venv/bin/python benchmarks/access_alerts_sweep.py --rows 300000                  # SQLite file in a temp dir
    .venv/bin/python benchmarks/access_alerts_sweep.py --rows 300000 \\
        --database-url postgres://postgres@127.0.0.1:5432/kehu_bench                   # an empty PostgreSQL database

The log is mostly what the sweep counts, as in a CRM's real log: 300 users over 60 days, 70 % customer
views, 10 % reveals, 1 % exports, the rest other actions (``audit_search.insert_rows``). Ten users then
have a busy day today (200 views each), so the sweep runs both its queries. The first run raises their
alerts; the later runs find them raised (idempotent) and are what a sweep costs every 10 minutes.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.audit_search import insert_rows, make_people, setup  # noqa: E402
from benchmarks.timing import timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--days", type=int, default=60, help="days the rows are spread over, ending now")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='kehu-bench-')}/bench.sqlite3"
    setup(url)

    from django.db import connection, transaction

    from kehu.compliance import actions, audit
    from kehu.compliance.models import AuditEntry
    from kehu.core import clock
    from kehu.customers import access_alerts

    people, _auditor = make_people()
    others = sorted(set(audit.ACTIONS) - {actions.AUDIT_PURGE, *access_alerts.ACTION_KINDS})
    codes = ([actions.CUSTOMER_VIEW] * 70 + [actions.PII_REVEAL] * 10 + [actions.CUSTOMER_EXPORT]
             + others[:19])
    seconds = insert_rows(args.rows, people, codes, span_days=args.days)
    for busy in people[:10]:
        with transaction.atomic():
            audit.record_many(busy, actions.CUSTOMER_VIEW,
                              [(("customers.customer", str(i), f"客户{i}"), {}) for i in range(200)])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE compliance_auditentry")
    print(f"database: {connection.vendor}; rows in the log: {AuditEntry.objects.count():,}; "
          f"inserted {args.rows:,} over {args.days} days in {seconds:.1f} s")
    started = time.perf_counter()
    raised = access_alerts.sweep(now=clock.now())
    print(f"first sweep: {len(raised)} alerts raised in {(time.perf_counter() - started) * 1000:.1f} ms")
    p50, p95 = timed(lambda: access_alerts.sweep(now=clock.now()), args.samples)
    print(f"later sweeps (nothing new): p50 {p50:.1f} ms, p95 {p95:.1f} ms ({args.samples} samples)")
    p50, p95 = timed(lambda: access_alerts.sweep(now=clock.now(), users=[people[0].pk]), args.samples)
    print(f"one user's check after an export: p50 {p50:.1f} ms, p95 {p95:.1f} ms")


if __name__ == "__main__":
    main()

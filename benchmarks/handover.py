#!/usr/bin/env python3
"""Departure handover time (OWN-5): a leaving salesperson's N customers to two colleagues, one transaction.

    .venv/bin/python benchmarks/handover.py --customers 3000                         # SQLite file in a temp dir
    .venv/bin/python benchmarks/handover.py --customers 3000 \\
        --database-url postgres://postgres@127.0.0.1:5432/kehu_bench                  # an empty PostgreSQL database

Each run seeds a fresh leaver with N customers (bulk, as an import does), then times
``org.services.user_handover`` (customer moves through ``ownership.customer_transfer``: row locks, owner
and department, one history row and one chained audit entry per customer, the record and its items, the
account disabled). Prints figures; asserts nothing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.cli import customers_bench  # noqa: E402


def main() -> None:
    args = customers_bench(__doc__, customers=3000)

    from django.db import connection

    from kehu.customers import services
    from kehu.customers.factories import company_name
    from kehu.org import services as org_services
    from kehu.org.factories import DepartmentFactory, UserFactory

    department = DepartmentFactory()
    manager = UserFactory(roles=["sales_manager"], department=department)
    receivers = [UserFactory(roles=["salesperson"], department=department) for _ in range(2)]
    print(f"database: {connection.vendor}; {args.customers:,} customers to two receivers")
    for run in range(args.runs):
        leaver = UserFactory(roles=["salesperson"], department=department)
        entries = [({"kind": "enterprise", "name": company_name(run * args.customers + i), "stage": "potential"}, ())
                   for i in range(args.customers)]
        services.customer_create_many(actor=manager, entries=entries, owner=leaver)
        started = time.perf_counter()
        record = org_services.user_handover(actor=manager, leaver=leaver, receivers=receivers, reason="离职")
        print(f"run {run + 1}: {sum(record.counts.values()):,} moved in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()

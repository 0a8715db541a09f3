#!/usr/bin/env python3
"""Recontact / first-contact sweep time (REL-4): N owned customers, a share of them silent past the policy's X days.

    .venv/bin/python benchmarks/contact_tasks_sweep.py --customers 50000                   # SQLite file in a temp dir
    .venv/bin/python benchmarks/contact_tasks_sweep.py --customers 50000 \\
        --database-url postgres://postgres@127.0.0.1:5432/kehu_bench                       # an empty PostgreSQL database

Seeds N customers in bulk over 100 owners: a third contacted recently, a third silent for 61-400 days, a third
created in the last two days and never contacted. Times the first ``reminders.contact_tasks_sweep`` (creates
the tasks) and the later ones (what every hourly slot costs once they exist). Prints figures; asserts nothing.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.cli import customers_bench  # noqa: E402


def main() -> None:
    args = customers_bench(__doc__, customers=50_000)

    from django.db import connection

    from kehu.core import clock
    from kehu.customers.models import Customer
    from kehu.engagement import reminders
    from kehu.org.factories import DepartmentFactory, UserFactory

    department = DepartmentFactory()
    owners = [UserFactory(roles=["salesperson"], department=department) for _ in range(100)]
    now = clock.now()

    def customer(i: int) -> Customer:
        owner = owners[i % len(owners)]
        share = i % 3
        created = now - dt.timedelta(days=1 + i % 2 if share == 2 else 400)
        contact = {0: now - dt.timedelta(days=i % 50), 1: now - dt.timedelta(days=61 + i % 339), 2: None}[share]
        return Customer(name=f"基准客户{i}有限公司", name_normalized=f"基准客户{i}有限公司", owner=owner,
                        department=department, created_at=created, received_at=created, last_contact_at=contact)

    for start in range(0, args.customers, 5000):
        Customer.objects.bulk_create(customer(i) for i in range(start, min(start + 5000, args.customers)))
    print(f"database: {connection.vendor}; {args.customers:,} customers over {len(owners)} owners")
    for run in range(args.runs):
        started = time.perf_counter()
        result = reminders.contact_tasks_sweep(now=now)
        print(f"run {run + 1}: {result.recontact:,} recontact + {result.first_contact:,} first contact in "
              f"{time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()

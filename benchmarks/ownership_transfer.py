#!/usr/bin/env python3
"""Ownership in bulk (OWN-3, OWN-4): a departure-size transfer and the nightly return sweep.

    .venv/bin/python benchmarks/ownership_transfer.py --database-url sqlite:////tmp/kehu_ownership.sqlite3
    .venv/bin/python benchmarks/ownership_transfer.py --database-url postgres://postgres@127.0.0.1:5432/kehu_x

Migrates the database, gives a leaving salesperson ``--customers`` customers (two contacts each, written
with ``bulk_create``), then times: one ``customer_transfer`` of all of them to a colleague (kind handover)
with its query count; the same customers split between two receivers in one transaction; the return
sweep 400 days later (every customer is due) and its second, idempotent run. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.customers_seed import setup  # noqa: E402


def seed(count: int):
    from kehu.customers.keys import set_customer_keys
    from kehu.customers.models import Contact, Customer
    from kehu.org.factories import DepartmentFactory, UserFactory

    department = DepartmentFactory(name="华东销售部")
    leaving, first, second = (UserFactory(department=department, roles=["salesperson"]) for _ in range(3))
    manager = UserFactory(department=department, roles=["sales_manager"])
    customers = []
    for n in range(count):
        customer = Customer(kind="enterprise", name=f"交接客户{n}有限公司", owner=leaving, department=department)
        set_customer_keys(customer)
        customers.append(customer)
    Customer.objects.bulk_create(customers, batch_size=1000)
    Contact.objects.bulk_create([Contact(customer=c, name=f"联系人{i}", is_primary=i == 0)
                                 for c in customers for i in range(2)], batch_size=2000)
    return manager, leaving, first, second


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--customers", type=int, default=3000)
    options = parser.parse_args()
    setup(options.database_url)
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from kehu.core import clock
    from kehu.customers import ownership
    from kehu.customers.models import Customer, OwnershipKind

    call_command("migrate", verbosity=0)
    manager, leaving, first, second = seed(options.customers)
    mine = Customer.objects.filter(owner=leaving)
    print(f"{connection.vendor}: {options.customers:,} customers with 2 contacts each")

    began = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        result = ownership.customer_transfer(actor=manager, customers=mine, to_owner=first, reason="离职交接",
                                             kind=OwnershipKind.HANDOVER)
    took = time.perf_counter() - began
    print(f"transfer of {result.count:,} to one receiver: {took:.2f} s ({result.count / took:,.0f} customers/s), "
          f"{len(queries.captured_queries)} queries, carried {result.carried}")

    ids = list(Customer.objects.filter(owner=first).order_by("pk").values_list("pk", flat=True))
    began = time.perf_counter()
    with transaction.atomic():
        half = len(ids) // 2
        ownership.customer_transfer(actor=manager, customers=ids[:half], to_owner=leaving, reason="拆分", kind="handover")
        ownership.customer_transfer(actor=manager, customers=ids[half:], to_owner=second, reason="拆分", kind="handover")
    took = time.perf_counter() - began
    print(f"split between two receivers in one transaction: {took:.2f} s ({len(ids) / took:,.0f} customers/s)")

    with clock.frozen(clock.now() + dt.timedelta(days=400)):
        began = time.perf_counter()
        swept = ownership.pool_return_sweep()
        took = time.perf_counter() - began
        print(f"return sweep, every customer due: {swept.returned:,} returned in {took:.2f} s "
              f"({swept.returned / took:,.0f}/s), by rule {swept.by_rule}")
        began = time.perf_counter()
        again = ownership.pool_return_sweep()
        print(f"second sweep: {again.returned} returned in {(time.perf_counter() - began) * 1000:.0f} ms")


if __name__ == "__main__":
    main()

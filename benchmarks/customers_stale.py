#!/usr/bin/env python3
"""Stale-data list (INFO-7) and merge (INFO-5) speed, on a database seeded by customers_seed.py.

    .venv/bin/python benchmarks/customers_seed.py --rows 20000 --database-url sqlite:////tmp/kehu_stale.sqlite3
    .venv/bin/python benchmarks/customers_stale.py --database-url sqlite:////tmp/kehu_stale.sqlite3

The first run spreads ``created_at`` over the last two years and marks a third of the customers reviewed
at a random moment since (the seed creates them all "now", so none would be stale). Each sample is what the
资料待核实 page runs: the policy in force, one page of 20 oldest first and the capped count; also the home
page's count and the customer list with ``stale=1``. Then merges pairs of customers (each with two
contacts) and times the whole ``customer_merge`` transaction. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.customers_seed import setup  # noqa: E402
from benchmarks.timing import timed  # noqa: E402

SAMPLES = 30



def spread_dates() -> None:
    from django.db import transaction

    from kehu.core import clock
    from kehu.customers.models import Customer

    rng = random.Random(11)
    now = clock.now()
    ids = list(Customer.objects.values_list("pk", flat=True))
    with transaction.atomic():
        for start in range(0, len(ids), 1000):
            for pk in ids[start:start + 1000]:
                created = now - dt.timedelta(days=rng.uniform(0, 730))
                reviewed = created + (now - created) * rng.random() if rng.random() < 0.33 else None
                Customer.objects.filter(pk=pk).update(created_at=created, last_reviewed_at=reviewed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--merges", type=int, default=10)
    options = parser.parse_args()
    setup(options.database_url)
    from django.db import connection

    from kehu.customers import selectors, services
    from kehu.customers.models import Customer
    from kehu.org.models import User
    from kehu.org.roles import SALES_MANAGER

    if not Customer.objects.filter(last_reviewed_at__isnull=False).exists():
        began = time.perf_counter()
        spread_dates()
        print(f"spread created_at / last_reviewed_at in {time.perf_counter() - began:.0f} s")
    salesperson = User.objects.get(username="seed0")
    manager = User.objects.get(username="seed_manager")
    total = Customer.objects.filter(deleted_at=None).count()
    print(f"{connection.vendor}: {total:,} customers; {SAMPLES} samples each; times in ms (p50 / p95)")

    def page(user, mine):
        def run():
            reminders = selectors.reminders_in_force()
            rows = selectors.stale_customers_for(user, mine=mine, reminders=reminders)
            selectors.stale_rows(list(rows[:20]), reminders)
            selectors.stale_count(user, mine=mine, reminders=reminders)
        return run

    def listed(user):
        def run():
            rows = selectors.customers_for(user, selectors.CustomerFilters(stale=True))
            list(rows[:21])
            selectors.capped_count(rows)
        return run

    cases = [
        ("stale page, salesperson's own", page(salesperson, True)),
        ("stale page, manager, all visible (department tree)", page(manager, False)),
        ("home count, salesperson", lambda: selectors.stale_count(salesperson)),
        ("customer list stale=1, manager", listed(manager)),
    ]
    for label, run in cases:
        p50, p95 = timed(run, SAMPLES)
        print(f"{label:55s} {p50:8.1f} {p95:8.1f}")
    stale = selectors.stale_count(manager, mine=False)
    print(f"stale customers visible to the manager: {stale.value:,}{'+' if stale.capped else ''}")

    if not manager.has_permission("customer.merge"):
        print(f"{manager.username} lacks customer.merge ({SALES_MANAGER}): merges skipped")
        return
    pairs = list(Customer.objects.filter(deleted_at=None).order_by("-pk").values_list("pk", flat=True)[:2 * options.merges])
    times = []
    for target_id, duplicate_id in zip(pairs[::2], pairs[1::2], strict=False):
        target = selectors.customer_for(manager, target_id)
        duplicate = selectors.customer_for(manager, duplicate_id)
        began = time.perf_counter()
        services.customer_merge(actor=manager, target=target, duplicate=duplicate, take_from_duplicate=["credit_code"])
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    print(f"{'customer_merge (2 contacts moved, one audit row)':55s} {statistics.median(times):8.1f} {times[-1]:8.1f} (max)")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Customer list and search speed (INFO-6): p50/p95 in ms, server side, on a database seeded by customers_seed.py.

    .venv/bin/python benchmarks/customers_search.py --database-url sqlite:////tmp/kehu_bench.sqlite3
    .venv/bin/python benchmarks/customers_search.py --database-url postgres://postgres@127.0.0.1:5432/kehu_bench

Each sample is what a list page runs: the scoped queryset (``visible_to``), ``apply_search``, one keyset
page of 20 in ``-id`` order and the capped count. Queries are drawn from the seeded rows, so they hit.
Prints figures (and PostgreSQL EXPLAIN plans with --explain); asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.customers_seed import setup  # noqa: E402

SAMPLES = 30


def timed(run) -> tuple[float, float]:
    times = []
    for _ in range(SAMPLES):
        began = time.perf_counter()
        run()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--explain", action="store_true")
    options = parser.parse_args()
    setup(options.database_url)
    from django.db import connection

    from kehu.customers.listing import capped_count, keyset_page
    from kehu.customers.models import Contact, Customer
    from kehu.customers.search import apply_search
    from kehu.org.models import User

    rng = random.Random(7)
    total = Customer.objects.count()
    sample = list(Customer.objects.order_by("?" if total < 200_000 else "pk")
                  .filter(pk__in=[rng.randint(1, total) for _ in range(SAMPLES * 3)])[:SAMPLES * 2])
    mobiles = [c.mobile.reveal() for c in Contact.objects.filter(customer__in=sample[:SAMPLES])]
    salesperson = User.objects.get(username="seed0")
    manager, gm = User.objects.get(username="seed_manager"), User.objects.get(username="seed_gm")
    print(f"{connection.vendor}: {total:,} customers, {Contact.objects.count():,} contacts; {SAMPLES} samples each")

    def page(user, queries):
        state = {"i": 0}

        def run():
            query = queries[state["i"] % len(queries)]
            state["i"] += 1
            found = apply_search(Customer.objects.visible_to(user), query)
            keyset_page(found)
            capped_count(found)
        return run

    cases = {
        "list, salesperson (own)": (salesperson, [""]),
        "list, sales manager (department tree)": (manager, [""]),
        "list, general manager (all)": (gm, [""]),
        "name substring, 2 chars (GM)": (gm, [c.name[2:4] for c in sample]),
        "name substring, 4 chars (GM)": (gm, [c.name[2:6] for c in sample]),
        "name substring, 4 chars (salesperson)": (salesperson, [c.name[2:6] for c in sample]),
        "pinyin initials (GM)": (gm, [c.name_initials.split()[0][:5] for c in sample]),
        "full pinyin (GM)": (gm, [c.name_pinyin[:12] for c in sample]),
        "phone last 4 (GM)": (gm, [m[-4:] for m in mobiles]),
        "phone full (GM)": (gm, mobiles),
        "credit code (GM)": (gm, [c.credit_code.lower() for c in sample]),
    }
    print(f"{'case':42} {'p50 ms':>8} {'p95 ms':>8}")
    for label, (user, queries) in cases.items():
        p50, p95 = timed(page(user, queries))
        print(f"{label:42} {p50:8.1f} {p95:8.1f}")
        if options.explain and connection.vendor == "postgresql" and queries[0]:
            found = apply_search(Customer.objects.visible_to(user), queries[0]).order_by("-pk")[:21]
            print("   ", found.explain().replace("\n", "\n    "))


if __name__ == "__main__":
    main()

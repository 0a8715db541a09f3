#!/usr/bin/env python3
"""Custom-field list filters (INFO-8): p50/p95 in ms of ``cf_<key>=value`` on a database seeded by
customers_seed.py, with the education and investment presets' values written into every customer.

    .venv/bin/python benchmarks/customers_seed.py --rows 100000 --database-url sqlite:////tmp/kehu_cf.sqlite3
    .venv/bin/python benchmarks/custom_fields_filter.py --database-url sqlite:////tmp/kehu_cf.sqlite3

Each sample is what the list page runs: ``selectors.customers_for`` with the filter, one keyset page of
20 and the capped count. The filters have no index (JSON values are scanned within the user's scope).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.customers_search import timed  # noqa: E402
from benchmarks.customers_seed import setup  # noqa: E402

CHUNK = 2_000
GRADES = ["学前", "小学", "初中", "高中", "大学", "成人"]
LEVELS = ["C1", "C2", "C3", "C4", "C5"]
PREFERENCES = ["固定收益", "权益类", "混合类", "商品及金融衍生品", "另类投资"]


def fill(rng: random.Random) -> None:
    """Write custom values into every customer that has none (idempotent)."""
    from django.db import transaction

    from kehu.customers.models import Customer

    ids = list(Customer.objects.filter(custom={}).values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        rows = list(Customer.objects.filter(pk__in=ids[start:start + CHUNK]).only("pk", "custom"))
        for row in rows:
            row.custom = {"student_grade": rng.choice(GRADES), "student_name": f"学员{row.pk}",
                          "risk_level": rng.choice(LEVELS), "monthly_order_volume": rng.randint(0, 500),
                          "investment_preference": rng.sample(PREFERENCES, rng.randint(1, 3))}
        with transaction.atomic():
            Customer.objects.bulk_update(rows, ["custom"], batch_size=500)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    options = parser.parse_args()
    setup(options.database_url)
    from django.db import connection

    from kehu.customers import services
    from kehu.customers.listing import capped_count, keyset_page
    from kehu.customers.models import Customer
    from kehu.customers.selectors import CustomerFilters, customers_for
    from kehu.org.factories import UserFactory
    from kehu.org.models import User

    admin = User.objects.filter(username="bench_sysadmin").first() or UserFactory(
        username="bench_sysadmin", employee_no="SA0001", roles=["system_admin"])
    for preset in ("education", "investment", "delivery"):
        services.custom_fields_install_preset(actor=admin, preset=preset)
    fill(random.Random(8))
    salesperson, gm = User.objects.get(username="seed0"), User.objects.get(username="seed_gm")
    print(f"{connection.vendor}: {Customer.objects.count():,} customers with custom values")

    def page(user, custom):
        def run():
            rows = customers_for(user, CustomerFilters(custom=custom))
            keyset_page(rows)
            capped_count(rows)
        return run

    cases = {
        "no custom filter (GM)": (gm, ()),
        "single choice exact (GM)": (gm, (("student_grade", "初中"),)),
        "text substring (GM)": (gm, (("student_name", "学员12"),)),
        "integer exact (GM)": (gm, (("monthly_order_volume", "250"),)),
        "multiple choice has option (GM)": (gm, (("investment_preference", "另类投资"),)),
        "two filters (GM)": (gm, (("student_grade", "初中"), ("risk_level", "C5"))),
        "single choice exact (salesperson)": (salesperson, (("student_grade", "初中"),)),
    }
    print("| filter | p50 ms | p95 ms |\n| --- | ---: | ---: |")
    for label, (user, custom) in cases.items():
        p50, p95 = timed(page(user, custom))
        print(f"| {label} | {p50:.1f} | {p95:.1f} |", flush=True)


if __name__ == "__main__":
    main()

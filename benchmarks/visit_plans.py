#!/usr/bin/env python3
"""Visit planning (REL-2) and compliance (POL-3) speed, on a database seeded by customers_seed.py.

    .venv/bin/python benchmarks/customers_seed.py --rows 100000 --database-url sqlite:////tmp/kehu_visits.sqlite3
    .venv/bin/python benchmarks/visit_plans.py --database-url sqlite:////tmp/kehu_visits.sqlite3

The first run spreads the tiers (2 % strategic, 8 % key, 30 % major, 60 % general) and gives the seed's
departments a key-account manager (half the strategic customers' owners hold the role), a technical and a
quality engineer each. Then it times, with the clock frozen: the first planning sweep of a month (every
plan made), the same sweep again (nothing to do: the nightly cost), the next month's sweep (the old month
missed, the new one planned), recording one visit, the compliance figures of the sales manager (the whole
seed is their department tree) and of the general manager (everything), the drill-down's first page,
and a person's open plans. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.customers_seed import setup  # noqa: E402
from benchmarks.timing import timed  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
SAMPLES = 20
TIERS = (("strategic", 0.02), ("key", 0.08), ("major", 0.30), ("general", 0.60))


def prepare() -> None:
    from django.db import transaction

    from kehu.customers.models import Customer
    from kehu.org.factories import UserFactory
    from kehu.org.models import Department, Role, User, UserRole

    if Customer.objects.filter(tier="strategic").exists():
        return
    rng = random.Random(5)
    ids = list(Customer.objects.values_list("pk", flat=True))
    rng.shuffle(ids)
    start = 0
    with transaction.atomic():
        for tier, share in TIERS:
            chunk = ids[start:start + int(len(ids) * share)]
            start += len(chunk)
            for offset in range(0, len(chunk), 500):
                Customer.objects.filter(pk__in=chunk[offset:offset + 500]).update(tier=tier)
        kam = Role.objects.get(code="key_account_manager")
        owners = sorted(set(Customer.objects.filter(tier="strategic").values_list("owner_id", flat=True)))
        UserRole.objects.bulk_create([UserRole(user_id=pk, role=kam) for pk in owners[::2]], ignore_conflicts=True)
        for n, department in enumerate(Department.objects.filter(name__startswith="销售")):
            for code in ("technical_engineer", "quality_engineer"):
                UserFactory(username=f"seed_{code}_{n}", employee_no=f"T{code[:1]}{n:04d}", department=department,
                            roles=[code])
    print(f"prepared: tiers spread over {len(ids):,} customers; {User.objects.count():,} users")


def once(run) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    options = parser.parse_args()
    setup(options.database_url)
    from django.db import connection

    from kehu.core import clock
    from kehu.customers.models import Customer
    from kehu.engagement import compliance, planning, visits
    from kehu.engagement.models import VisitPlan
    from kehu.org.models import User

    prepare()
    print(f"{connection.vendor}: {Customer.objects.count():,} customers")
    VisitPlan.objects.all().delete()  # a benchmark database: every run starts with no plans
    month = dt.datetime(2031, 3, 10, 9, 0, tzinfo=SH)
    with clock.frozen(month):
        made = []
        first = once(lambda: made.append(planning.plan_visits()))
        print(f"first sweep of a month: {first / 1000:.1f} s, {made[0].created:,} plans")
        again = once(lambda: made.append(planning.plan_visits()))
        print(f"same sweep again: {again / 1000:.1f} s, {made[1].created} made, {made[1].reassigned} reassigned")
        manager = User.objects.get(username="seed_manager")
        kam_plan = VisitPlan.objects.filter(rule="strategic.key_account_manager", status="open").first()
        kam = kam_plan.responsible
        customer = Customer.objects.get(pk=kam_plan.customer_id)
        p50, p95 = timed(lambda: compliance.visit_compliance(manager), SAMPLES)
        print(f"compliance, sales manager (whole tree): p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        gm = User.objects.get(username="seed_gm")
        p50, p95 = timed(lambda: compliance.visit_compliance(gm), SAMPLES)
        print(f"compliance, general manager (all): p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        figure = next(f for f in compliance.visit_compliance(manager) if f.rule.code == "strategic.key_account_manager")
        p50, p95 = timed(lambda: list(compliance.not_visited(manager, figure.rule, figure.current.period)[:50]), SAMPLES)
        print(f"drill-down first page: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        p50, p95 = timed(lambda: list(visits.open_plans(kam)[:50]), SAMPLES)
        print(f"a person's open plans, first page: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        recorded = once(lambda: visits.visit_record(actor=kam, customer=customer, visited_on=month.date(),
                                                    content="benchmark"))
        print(f"record one visit (plans the customer, fulfils, audits): {recorded:.1f} ms; "
              f"KAM figure now {figure.current.done} → "
              f"{next(f for f in compliance.visit_compliance(manager) if f.rule == figure.rule).current.done}")
    with clock.frozen(month + dt.timedelta(days=31)):
        result = []
        rollover = once(lambda: result.append(planning.plan_visits()))
        print(f"next month's sweep: {rollover / 1000:.1f} s, {result[0].missed:,} missed, {result[0].created:,} made")


if __name__ == "__main__":
    main()

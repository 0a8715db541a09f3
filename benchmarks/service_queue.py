#!/usr/bin/env python3
"""The ticket queue and the service analysis on N tickets (SVC-2, SVC-9, SVC-3, FB-2).

    .venv/bin/python benchmarks/service_queue.py --count 100000                        # SQLite file in a temp dir
    .venv/bin/python benchmarks/service_queue.py --count 100000 \\
        --database-url postgres://postgres@127.0.0.1:5432/kehu_analysis              # an empty PostgreSQL database

Seeds (once; a run on a seeded database measures again) customers_seed.py's 300 salespeople in 20 departments
under one sales centre with its manager and the general manager, 3,000 customers owned by them, and N tickets
opened evenly over the twelve months before the frozen "now" (20 October 2026): kinds 40 % complaint, 20 %
inquiry, 15 % after-sales, 15 % quality, 10 % suggestion over the six channels, 30 categories, 60 products,
80 causes; each handled by its customer's owner in the owner's department; tickets older than two weeks
resolved (one in five late) and most closed, two thirds of those rated; the rest open, some unanswered past
their due time. Then times, with the clock frozen: the queue's first page (manager: the whole tree; a
salesperson: their own) and with its filters, the complaint analysis, the SLA compliance and the
satisfaction figures of a month (manager, general manager) and of a quarter. Prints p50/p95; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.audit_search import setup  # noqa: E402
from benchmarks.timing import timed  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 10, 20, 10, 0, tzinfo=SH)
SAMPLES = 20
CUSTOMERS, CHUNK = 3_000, 5_000
KINDS = ["complaint"] * 8 + ["inquiry"] * 4 + ["after_sales"] * 3 + ["quality"] * 3 + ["suggestion"] * 2
CHANNELS = ["phone", "email", "web_form", "in_app", "wechat", "complaint_box"]


def seed(count: int) -> None:
    from django.db import connection, transaction

    from benchmarks.customers_seed import seed_users
    from kehu.customers.models import Customer
    from kehu.policy.selectors import version_in_force
    from kehu.service.models import PRIORITY_RANK, Ticket, TicketCategory

    if Ticket.objects.exists():
        print(f"seeded already: {Ticket.objects.count():,} tickets")
        return
    rng = random.Random(6)
    owners = seed_users()
    with transaction.atomic():
        Customer.objects.bulk_create(
            Customer(name=f"工单客户{n}号有限公司", name_normalized=f"工单客户{n}号有限公司", owner_id=owners[n % len(owners)][0],
                     department_id=owners[n % len(owners)][1]) for n in range(CUSTOMERS))
        categories = TicketCategory.objects.bulk_create(
            TicketCategory(code=f"bench{n}", name=f"分类{n}", name_en=f"Category {n}") for n in range(30))
    customers = list(Customer.objects.filter(name__startswith="工单客户").values_list("pk", "owner_id", "department_id"))
    version = version_in_force(NOW)
    causes = [f"原因{n}：{rng.choice(['包装破损', '发货延迟', '安装不当', '部件故障', '说明不清'])}" for n in range(80)]
    year = dt.timedelta(days=365).total_seconds()
    made = 0
    while made < count:
        rows = []
        for n in range(made, min(count, made + CHUNK)):
            customer, owner, department = rng.choice(customers)
            opened = NOW - dt.timedelta(seconds=rng.random() * year)
            priority = rng.choice(["urgent", "high", "medium", "medium", "low"])
            response_due, resolution_due = opened + dt.timedelta(hours=24), opened + dt.timedelta(hours=72)
            old = NOW - opened > dt.timedelta(days=14)
            late = rng.random() < 0.2
            responded = (opened + dt.timedelta(hours=rng.uniform(30, 60) if late else rng.uniform(0.5, 20))
                         if old or rng.random() < 0.6 else None)
            resolved = opened + dt.timedelta(hours=rng.uniform(80, 300) if late else rng.uniform(2, 70)) if old else None
            closed = resolved is not None and rng.random() < 0.85
            rated = closed and rng.random() < 0.67
            rows.append(Ticket(
                number=f"B{n:09d}", kind=rng.choice(KINDS), channel=rng.choice(CHANNELS),
                category=rng.choice(categories), priority=priority, priority_rank=PRIORITY_RANK[priority],
                strategic=rng.random() < 0.02, title=f"工单{n}", description="基准数据", product=f"产品{rng.randrange(60)}",
                customer_id=customer, responsible_id=owner, department_id=department, policy_version=version,
                opened_at=opened, first_response_due=response_due, first_response_at=responded,
                resolution_due=resolution_due, resolved_at=resolved,
                status="closed" if closed else "resolved" if resolved else "in_progress" if responded else "new",
                closed_at=resolved + dt.timedelta(days=3) if closed else None,
                cause=rng.choice(causes) if resolved else "", repeat=rng.random() < 0.05,
                satisfaction=rng.choice([2, 3, 4, 4, 5, 5]) if rated else None,
                rated_at=resolved + dt.timedelta(days=4) if rated else None, updated_at=NOW))
        Ticket.objects.bulk_create(rows, batch_size=1000)
        made += len(rows)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the statistics autovacuum (PostgreSQL) or a DBA (SQLite) would have
    print(f"seeded {made:,} tickets over {len(customers):,} customers")


def report(label: str, run) -> None:
    p50, p95 = timed(run, SAMPLES)
    print(f"{label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    setup(args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='kehu-bench-')}/bench.sqlite3")
    from django.db import connection

    from kehu.core import clock
    from kehu.org.models import User
    from kehu.service import analysis, analysis_periods, analysis_satisfaction, analysis_sla, selectors

    seed(args.count)
    manager, gm = User.objects.get(username="seed_manager"), User.objects.get(username="seed_gm")
    sales = User.objects.get(username="seed7")
    month = analysis_periods.parse(month_code="2026-09")
    quarter = analysis_periods.parse(quarter_code="2026-Q3")
    print(f"{connection.vendor}: scopes: manager (department tree, every ticket), general manager (all), salesperson (own)")
    with clock.frozen(NOW):
        report("queue first page, manager", lambda: list(selectors.queue(manager)[:50]))
        report("queue first page, salesperson", lambda: list(selectors.queue(sales)[:50]))
        report("queue, complaints breached, manager",
               lambda: list(selectors.queue(manager, kind="complaint", sla_state="breached")[:50]))
        team = sales.department_id
        report("queue, one team, manager", lambda: list(selectors.queue(manager, team=team)[:50]))
        report("queue count (paginator), manager", lambda: selectors.queue(manager).count())
        for who, user in (("manager", manager), ("general manager", gm)):
            report(f"complaint analysis, a month, {who}", lambda user=user: analysis.complaint_analysis(user, month))
            report(f"SLA compliance per team and person, a month, {who}",
                   lambda user=user: analysis_sla.sla_compliance(user, month))
            report(f"complaint rule (POL-3), a month, {who}",
                   lambda user=user: analysis_sla.complaints_answered_in_time(user, month))
            report(f"satisfaction, a month, {who}", lambda user=user: analysis_satisfaction.satisfaction(user, month))
        report("complaint analysis, a quarter, manager", lambda: analysis.complaint_analysis(manager, quarter))
        report("SLA compliance, a quarter, manager", lambda: analysis_sla.sla_compliance(manager, quarter))


if __name__ == "__main__":
    main()

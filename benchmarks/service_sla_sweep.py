#!/usr/bin/env python3
"""SLA sweep time (SVC-3): N open tickets, swept as the 15-minute task does.

    .venv/bin/python benchmarks/service_sla_sweep.py --tickets 100000                   # SQLite file in a temp dir
    .venv/bin/python benchmarks/service_sla_sweep.py --tickets 100000 \\
        --database-url postgres://postgres@127.0.0.1:5432/kehu_bench                     # an empty PostgreSQL database

Seeds N open tickets in bulk over 200 responsible people (20 managers, one marketing VP): priorities 10 %
urgent, 20 % high, 50 % medium, 20 % low, opened evenly over the last five days, their due times from the
evaluator under the policy in force, and their states and escalation step as the previous sweep (15 minutes
ago) left them. Then times: the sweep now (what one 15-minute slot costs: the tickets that turned due soon
or breached in those minutes are notified and escalated), the sweep again at the same instant (nothing to
do: idempotent), and the sweep one hour later. Prints seconds, queries and what each run did; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.audit_search import setup  # noqa: E402

PRIORITIES = ["urgent"] * 1 + ["high"] * 2 + ["medium"] * 5 + ["low"] * 2
SEED_CHUNK = 5000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    setup(args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='kehu-bench-')}/bench.sqlite3")

    from django.db import connection

    from kehu.org.factories import DepartmentFactory, UserFactory
    from kehu.org.models import User
    from kehu.policy.evaluators import sla
    from kehu.policy.evaluators.base import SHANGHAI
    from kehu.policy.selectors import version_in_force
    from kehu.service import sla_sweep
    from kehu.service.counting import COUNTER
    from kehu.service.models import PRIORITY_RANK, SlaState, Ticket

    department = DepartmentFactory()
    managers = [UserFactory(roles=["sales_manager"], department=department) for _ in range(20)]
    UserFactory(roles=["marketing_vp"], department=department)
    User.objects.bulk_create([User(username=f"svc{n}", full_name=f"客服{n}", employee_no=f"S{n:05d}",
                                   department=department, manager=managers[n % 20]) for n in range(200)])
    people = list(User.objects.filter(username__startswith="svc").order_by("pk"))
    now = dt.datetime(2026, 11, 18, 15, 0, tzinfo=SHANGHAI)  # a Wednesday afternoon: the working clocks run
    before = now - dt.timedelta(minutes=15)
    version = version_in_force(now)
    rules = version.section("sla")

    def ticket(i: int) -> Ticket:
        priority = PRIORITIES[i % len(PRIORITIES)]
        opened = before - dt.timedelta(seconds=(i * 7919) % (5 * 86400))
        calendar = sla.Calendar.of(rules, priority)
        target = rules.targets[priority]
        row = Ticket(number=f"B{i:08d}", kind="complaint", channel="phone", priority=priority,
                     priority_rank=PRIORITY_RANK[priority], title=f"基准工单{i}", description="基准",
                     responsible=people[i % len(people)], department=department, policy_version=version,
                     opened_at=opened, status="in_progress" if i % 3 else "new",
                     first_response_at=opened + dt.timedelta(hours=1) if i % 3 else None,
                     first_response_due=sla.deadline(opened, dt.timedelta(hours=target.first_response_hours), calendar),
                     resolution_due=sla.deadline(opened, dt.timedelta(hours=target.resolution_hours), calendar))
        previous = sla_sweep.evaluate(row, rules, before, counter=COUNTER)  # what the last sweep left
        row.response_state, row.sla_state = previous.response_state, previous.sla_state
        row.escalated_to, row.escalated_at = (previous.step.to, before) if previous.step else ("", None)
        return row

    started = time.perf_counter()
    for start in range(0, args.tickets, SEED_CHUNK):
        Ticket.objects.bulk_create(ticket(i) for i in range(start, min(start + SEED_CHUNK, args.tickets)))
    breached = Ticket.objects.filter(sla_state=SlaState.BREACHED).count()
    print(f"database: {connection.vendor}; {args.tickets:,} open tickets over {len(people)} people, "
          f"{breached:,} breached; seeded in {time.perf_counter() - started:.1f} s")
    queries = []

    def counted(execute, sql, *rest):  # the debug query log keeps only the last 9,000
        queries.append(sql)
        return execute(sql, *rest)

    for label, at in (("15 minutes on", now), ("again, same instant", now), ("one hour on", now + dt.timedelta(hours=1))):
        queries.clear()
        with connection.execute_wrapper(counted):
            started = time.perf_counter()
            result = sla_sweep.sla_sweep(now=at)
            seconds = time.perf_counter() - started
        print(f"{label}: {seconds:.2f} s, {len(queries):,} queries; checked {result.checked:,}, states changed "
              f"{result.changed:,}, due soon {result.due_soon:,}, escalated {result.escalated:,}")


if __name__ == "__main__":
    main()

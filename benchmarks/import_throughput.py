#!/usr/bin/env python3
"""Customer import throughput (INFO-9): rows a second for an .xlsx of N generated customers.

    .venv/bin/python benchmarks/import_throughput.py                      # 100,000 rows, SQLite file in /tmp
    .venv/bin/python benchmarks/import_throughput.py --rows 20000 --database-url postgres://…/kehu_importbench
    KEHU_IMPORT_WORKERS=1 .venv/bin/python benchmarks/import_throughput.py   # no worker processes

Each row: company name, credit code, mobile, a contact (360 different names) with a mobile, province/city/district by
name, industry and stage labels; the .xlsx is written by openpyxl. Times reading the file, the dry
run (validation + duplicate check), the atomic import, and a skip-invalid import of a second file
whose every 100th row has a bad mobile. CPU is this process's plus its worker processes'
(kehu/core/parallel.py). On PostgreSQL the customer tables are analysed before each phase, as
autovacuum would have done after the last import. Prints figures and the load average (the machine
may be shared); asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
HEADERS = ["客户名称", "统一社会信用代码", "手机", "联系人", "联系人手机", "省份", "城市", "区县", "行业", "阶段"]


def setup(database_url: str) -> None:
    os.environ["KEHU_DATABASE_URL"] = database_url
    os.environ.setdefault("KEHU_PROFILE", "test")  # dev/test keys; never point this at production
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def workbook(rows: int, run: str, bad_every: int = 0) -> bytes:
    from openpyxl import Workbook

    from kehu.core.validators.credit_code import credit_code_check_char, org_code_check_char
    from kehu.customers.factories import person_name

    rng = random.Random(run)

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADERS)
    for i in range(rows):
        body = f"{int(run) * 1_000_000 + i:08d}"
        first17 = "91330106" + body + org_code_check_char(body)
        bad = bad_every and i % bad_every == bad_every - 1
        sheet.append([f"杭州{run}测{i}号网络技术有限公司", first17 + credit_code_check_char(first17),
                      "1390000" if bad else f"139{run}{i:06d}", person_name(rng), f"137{run}{i:06d}",
                      "浙江省", "杭州市", "西湖区", "信息传输、软件和信息技术服务业", "意向"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def cpu() -> float:
    """CPU seconds of this process and of its finished worker processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=f"sqlite:///{tempfile.mkdtemp(prefix='kehu-bench-')}/kehu.sqlite3")
    args = parser.parse_args()
    setup(args.database_url)

    from django.db import connection

    from kehu.core import parallel
    from kehu.customers import importer, tabular
    from kehu.customers.models import Customer
    from kehu.org.factories import UserFactory
    from kehu.org.models import User

    # A database kept between runs (PostgreSQL) already holds earlier runs' customers and users.
    taken = User.objects.count()
    actor = UserFactory(username=f"importbench{taken}", employee_no=f"IB{taken}", roles=["sales_manager"])
    run = next(str(n) for n in range(10, 99) if not Customer._base_manager.filter(
        name__in=[f"杭州{n}测0号网络技术有限公司", f"杭州{n + 1}测0号网络技术有限公司"]).exists())
    data = workbook(args.rows, run)
    with_errors = workbook(args.rows, str(int(run) + 1), bad_every=100)
    print(f"{args.rows:,} rows, {len(data) / 1e6:.1f} MB .xlsx, database {args.database_url.split('@')[-1]}, "
          f"{parallel.workers()} worker processes for files of {parallel.MIN_ITEMS:,}+ rows, "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    write = {"wall": 0.0, "cpu": 0.0}
    bulk = importer.customer_create_many

    def timed_bulk(**kwargs):  # the write phase alone, inside the import
        wall, used = time.perf_counter(), cpu()
        try:
            return bulk(**kwargs)
        finally:
            write["wall"] += time.perf_counter() - wall
            write["cpu"] += cpu() - used

    importer.customer_create_many = timed_bulk
    phases = []

    def phase(name, run):
        if connection.vendor == "postgresql":  # as autovacuum would have (it is off on the shared test server)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE customers_customer, customers_contact")
        wall, used = time.perf_counter(), cpu()
        result = run()
        phases.append((name, time.perf_counter() - wall, cpu() - used))
        return result

    table = phase("read the .xlsx", lambda: tabular.read_table(data))
    phase("dry run (validation + duplicate check)", lambda: importer.validate_table(actor, table))
    report = phase("atomic import (validation + write)", lambda: importer.import_table(
        actor=actor, table=table, mode=importer.ATOMIC, sha256="bench", file_name="bench"))
    phases.append(("  of which the write (customer_create_many)", write["wall"], write["cpu"]))
    second = tabular.read_table(with_errors)
    skipped = phase("skip-invalid import (1 % bad rows)", lambda: importer.import_table(
        actor=actor, table=second, mode=importer.SKIP_INVALID, sha256="bench", file_name="bench"))
    print(f"{report.imported:,} imported atomically, {skipped.imported:,} skipping {len(skipped.failed_rows):,} bad rows; "
          f"rows/s by the wall clock, and by CPU seconds (this process and its workers)")
    for name, wall, used in phases:
        print(f"{name:45} {wall:7.1f} s {args.rows / wall:8,.0f} rows/s   (CPU {used:6.1f} s, {args.rows / used:8,.0f} rows/CPU-s)")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Customer import throughput (INFO-9): rows a second for an .xlsx of N generated customers.

    .venv/bin/python benchmarks/import_throughput.py                      # 100,000 rows, SQLite file in /tmp
    .venv/bin/python benchmarks/import_throughput.py --rows 20000 --database-url postgres://…/kehu_bench

Each row: company name, credit code, mobile, a contact (360 different names) with a mobile, province/city/district by
name, industry and stage labels. Times reading the file, the dry run (validation + duplicate check)
and the atomic import separately. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import io
import os
import random
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


def workbook(rows: int, run: str) -> bytes:
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
        sheet.append([f"杭州{run}测{i}号网络技术有限公司", first17 + credit_code_check_char(first17),
                      f"139{int(run) % 10}{i:07d}", person_name(rng), f"137{int(run) % 10}{i:07d}", "浙江省", "杭州市",
                      "西湖区", "信息传输、软件和信息技术服务业", "意向"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=f"sqlite:///{tempfile.mkdtemp(prefix='kehu-bench-')}/kehu.sqlite3")
    args = parser.parse_args()
    setup(args.database_url)

    from kehu.customers import importer, tabular
    from kehu.org.factories import UserFactory

    actor = UserFactory(roles=["sales_manager"])
    run = str(int(time.time()) % 90 + 10)
    data = workbook(args.rows, run)
    print(f"{args.rows:,} rows, {len(data) / 1e6:.1f} MB .xlsx, database {args.database_url.split('@')[-1]}, "
          f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    write = {"wall": 0.0, "cpu": 0.0}
    bulk = importer.customer_create_many

    def timed_bulk(**kwargs):  # the write phase alone, inside the import
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return bulk(**kwargs)
        finally:
            write["wall"] += time.perf_counter() - wall
            write["cpu"] += time.process_time() - cpu

    importer.customer_create_many = timed_bulk
    phases = []

    def phase(name, run):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run()
        phases.append((name, time.perf_counter() - wall, time.process_time() - cpu))
        return result

    table = phase("read the .xlsx", lambda: tabular.read_table(data))
    phase("dry run (validation + duplicate check)", lambda: importer.validate_table(actor, table))
    report = phase("atomic import (validation again + write)", lambda: importer.import_table(
        actor=actor, table=table, mode=importer.ATOMIC, sha256="bench", file_name="bench"))
    phases.append(("  of which the write (customer_create_many)", write["wall"], write["cpu"]))
    print(f"{report.imported:,} imported; wall-clock rows/s (CPU seconds of this process in brackets)")
    for name, wall, cpu in phases:
        print(f"{name:45} {wall:7.1f} s {args.rows / wall:8,.0f} rows/s   (CPU {cpu:6.1f} s, {args.rows / cpu:8,.0f} rows/CPU-s)")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")

if __name__ == "__main__":
    main()

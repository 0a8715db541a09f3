#!/usr/bin/env python3
"""Attachments and consent (INFO-10, PRIV-1): the cost of a content check, an upload, a download,
the marketing gate and a campaign audience.

    .venv/bin/python benchmarks/attachments_consent.py                              # SQLite file in a temp dir
    .venv/bin/python benchmarks/attachments_consent.py --people 20000 \\
        --database-url postgres://postgres@127.0.0.1:5432/<an empty database>

Prints figures; asserts nothing (DESIGN.md: benchmarks are never timed assertions).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks.timing import timed  # noqa: E402

SAMPLES = 20


def setup(database_url: str, media: str) -> None:
    os.environ["KEHU_DATABASE_URL"] = database_url
    os.environ.setdefault("KEHU_PROFILE", "test")  # dev/test keys; never point this at production
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kehu.settings")
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    settings.MEDIA_ROOT = media
    call_command("migrate", verbosity=0)



def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--people", type=int, default=10_000)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="kehu-bench-")
    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # ten 20 MB uploads live there


def run(args, work: str) -> None:
    setup(args.database_url or f"sqlite:///{work}/bench.sqlite3", f"{work}/media")

    from django.db import transaction

    from kehu.customers import consent, filetypes, services
    from kehu.customers.factories import CustomerFactory
    from kehu.customers.models import ConsentRecord, Customer
    from kehu.org.factories import UserFactory

    sales = UserFactory(roles=["salesperson"])
    customer = CustomerFactory(owner=sales)
    big_pdf = b"%PDF-1.7\n" + os.urandom(20 * 1024 * 1024 - 9)
    big_text = ("客户拜访记录，" * (20 * 1024 * 1024 // 21)).encode()
    print("content check, 20 MB (ms p50 / p95):")
    for label, data, name in (("pdf", big_pdf, "a.pdf"), ("text (UTF-8 decode)", big_text, "a.txt")):
        p50, p95 = timed(lambda data=data, name=name: filetypes.check(data, name), SAMPLES)
        print(f"  {label:22} {p50:8.1f} {p95:8.1f}")

    p50, p95 = timed(lambda: services.attachment_upload(actor=sales, customer=customer, data=big_pdf,
                                                        file_name="合同.pdf"), samples=10)
    print(f"upload service, 20 MB (hash, write, row, audit): {p50:.1f} / {p95:.1f} ms")
    attachment = customer.attachments.first()

    def download():
        with services.attachment_download(actor=sales, attachment=attachment) as handle:
            while handle.read(1 << 20):
                pass

    p50, p95 = timed(download, samples=10)
    print(f"download service + read, 20 MB: {p50:.1f} / {p95:.1f} ms")

    # N individuals; a third consented to SMS, a third of those withdrew, the rest never asked.
    started = time.perf_counter()
    people = [Customer(kind="individual", name=f"个人{n}", name_normalized=f"个人{n}", owner=sales)
              for n in range(args.people)]
    Customer.objects.bulk_create(people, batch_size=2000)
    people = list(Customer.objects.filter(kind="individual").order_by("pk"))
    rows = []
    for n, person in enumerate(people):
        if n % 3 == 0:
            rows.append(ConsentRecord(customer=person, purpose="marketing", channel="sms", status="granted",
                                      legal_basis="consent", notice_version="v1", collected_via="online",
                                      collected_by=sales, collected_at=person.created_at))
            if n % 9 == 0:
                rows.append(ConsentRecord(customer=person, purpose="marketing", channel="sms", status="withdrawn",
                                          legal_basis="consent", notice_version="v1", collected_via="online",
                                          collected_by=sales, collected_at=person.created_at))
    with transaction.atomic():
        ConsentRecord.objects.bulk_create(rows, batch_size=2000)
    print(f"seeded {len(people)} individuals, {len(rows)} consent rows in {time.perf_counter() - started:.1f} s")

    sample = people[::max(1, len(people) // 200)]
    index = iter(range(10**9))
    p50, p95 = timed(lambda: consent.marketing_allowed(sample[next(index) % len(sample)], "sms"), samples=200)
    print(f"marketing_allowed (one person): {p50:.2f} / {p95:.2f} ms")
    count = 0

    def audience():
        nonlocal count
        count = consent.marketing_audience(Customer.objects.all(), "sms").count()

    p50, p95 = timed(audience, samples=10)
    print(f"marketing_audience count over {len(people)} ({count} allowed): {p50:.1f} / {p95:.1f} ms")


if __name__ == "__main__":
    main()

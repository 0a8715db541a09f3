"""The arguments the customer-count benchmarks share, and Django set up on the database they name."""

from __future__ import annotations

import argparse
import tempfile

from benchmarks.audit_search import setup


def customers_bench(doc: str, customers: int) -> argparse.Namespace:
    """``--customers N --runs R --database-url URL`` (a fresh SQLite file in a temp dir by default),
    parsed, with Django set up on that database before the caller imports its models."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=customers)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    setup(args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='kehu-bench-')}/bench.sqlite3")
    return args

"""Lift and restore the audit tables' guard triggers, the way a database owner could.

For the test runner (a transactional test ends by emptying every table, which the guards rightly
refuse) and for tests that tamper with the log on purpose. Needs ownership of the tables: the
application's database role in production has none (SECURITY.md AUD-3), so this cannot be used
to rewrite history from inside the application there.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator

_MIGRATIONS = ("0002_audit_append_only", "0003_audit_guards")
_VENDORS = {"sqlite": "SQLITE", "postgresql": "POSTGRES"}


def _statements(connection, *, reverse: bool) -> list[str]:
    prefix = _VENDORS.get(connection.vendor)
    if prefix is None:
        return []
    modules = [importlib.import_module(f"kehu.compliance.migrations.{name}") for name in _MIGRATIONS]
    if reverse:
        return [sql for module in reversed(modules) for sql in getattr(module, f"{prefix}_REVERSE")]
    return [sql for module in modules for sql in getattr(module, prefix)]


def drop_guards(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection, reverse=True):
            cursor.execute(statement)


def create_guards(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection, reverse=False):
            cursor.execute(statement)


@contextlib.contextmanager
def lifted(connection) -> Iterator[None]:
    drop_guards(connection)
    try:
        yield
    finally:
        create_guards(connection)

"""Database-specific SQL (triggers) in migrations: one statement list per vendor and direction."""

from __future__ import annotations

from django.db import migrations


def run_vendor_sql(*, sqlite: list[str], postgresql: list[str],
                   sqlite_reverse: list[str], postgresql_reverse: list[str]) -> migrations.RunPython:
    """A migration operation running the statements for the database at hand (others get none)."""

    def run(schema_editor, statements_by_vendor: dict[str, list[str]]) -> None:
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)  # None: plpgsql bodies contain a literal %

    def forwards(apps, schema_editor):
        run(schema_editor, {"sqlite": sqlite, "postgresql": postgresql})

    def backwards(apps, schema_editor):
        run(schema_editor, {"sqlite": sqlite_reverse, "postgresql": postgresql_reverse})

    return migrations.RunPython(forwards, backwards)

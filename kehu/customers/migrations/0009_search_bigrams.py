"""Bigram search key for one- and two-character Chinese name searches (INFO-6).

Trigram indexes (migration 0004) cannot answer a term shorter than three characters, so ``%天成%`` scanned
the table. ``name_bigrams`` holds the CJK characters and adjacent pairs of name and short name
(``kehu.customers.keys.cjk_bigrams``, kept by ``set_customer_keys``); a 1-2 character CJK term matches
exactly when it is one of its tokens.

PostgreSQL: a GIN index on ``string_to_array(name_bigrams, ' ')``, queried with ``@> ARRAY[term]``.
SQLite: an external-content FTS5 table (``unicode61``: CJK ideographs are token characters, the
space-separated tokens come out whole) kept in step by triggers, queried with a one-token phrase.
Existing rows are filled in before the indexes are built.

The index on ``deleted_at`` becomes partial (deleted rows only): every list filters ``deleted_at IS NULL``,
which SQLite without statistics answered through that index, sorting the whole table by id.

Both are done with plain SQL: the column is added with a plain ``ALTER TABLE … ADD COLUMN``: Django's AddField remakes the table on
SQLite (a NOT NULL column), which would drop the FTS triggers of migration 0004 with the old table.
"""

from django.db import migrations, models

from kehu.core.vendor_sql import run_vendor_sql

TABLE = "customers_customer"
FTS = "customers_customer_bigrams"

POSTGRES = [
    f"CREATE INDEX customers_bigrams_gin ON {TABLE} USING gin ((string_to_array(name_bigrams, ' ')))",
]
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS customers_bigrams_gin"]

SQLITE = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5(name_bigrams, content='{TABLE}', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
    f"""CREATE TRIGGER {FTS}_insert AFTER INSERT ON {TABLE} BEGIN
        INSERT INTO {FTS}(rowid, name_bigrams) VALUES (new.id, new.name_bigrams);
    END""",
    f"""CREATE TRIGGER {FTS}_delete AFTER DELETE ON {TABLE} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, name_bigrams) VALUES ('delete', old.id, old.name_bigrams);
    END""",
    f"""CREATE TRIGGER {FTS}_update AFTER UPDATE OF name_bigrams ON {TABLE} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, name_bigrams) VALUES ('delete', old.id, old.name_bigrams);
        INSERT INTO {FTS}(rowid, name_bigrams) VALUES (new.id, new.name_bigrams);
    END""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {FTS}_update",
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"DROP TRIGGER IF EXISTS {FTS}_insert",
    f"DROP TABLE IF EXISTS {FTS}",
]


def fill_bigrams(apps, schema_editor):
    from kehu.customers.keys import cjk_bigrams

    Customer = apps.get_model("customers", "Customer")
    batch = []
    for customer in Customer._base_manager.only("id", "name", "short_name").iterator(chunk_size=2_000):
        customer.name_bigrams = cjk_bigrams(customer.name, customer.short_name)
        batch.append(customer)
        if len(batch) == 2_000:
            Customer._base_manager.bulk_update(batch, ["name_bigrams"])
            batch = []
    Customer._base_manager.bulk_update(batch, ["name_bigrams"])


class Migration(migrations.Migration):
    dependencies = [("customers", "0008_custom_fields")]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddField(model_name="customer", name="name_bigrams",
                                                  field=models.TextField(blank=True, default="", editable=False))],
            database_operations=[migrations.RunSQL(
                f"ALTER TABLE {TABLE} ADD COLUMN name_bigrams text NOT NULL DEFAULT ''",
                f"ALTER TABLE {TABLE} DROP COLUMN name_bigrams")],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="customer", name="deleted_at",
                                      field=models.DateTimeField(blank=True, editable=False, null=True)),
                migrations.AddIndex(model_name="customer", index=models.Index(
                    condition=models.Q(deleted_at__isnull=False), fields=["deleted_at"], name="customers_deleted")),
            ],
            database_operations=[migrations.RunSQL(
                ["DROP INDEX customers_customer_deleted_at_3fde6325",
                 f"CREATE INDEX customers_deleted ON {TABLE} (deleted_at) WHERE deleted_at IS NOT NULL"],
                ["DROP INDEX customers_deleted",
                 f"CREATE INDEX customers_customer_deleted_at_3fde6325 ON {TABLE} (deleted_at)"])],
        ),
        migrations.RunPython(fill_bigrams, migrations.RunPython.noop),
        run_vendor_sql(sqlite=SQLITE, postgresql=POSTGRES,
                       sqlite_reverse=SQLITE_REVERSE, postgresql_reverse=POSTGRES_REVERSE),
    ]

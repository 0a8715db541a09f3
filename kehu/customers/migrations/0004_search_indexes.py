"""Search indexes for customer names (INFO-6): pg_trgm GIN indexes on PostgreSQL, an FTS5 trigram table on SQLite.

PostgreSQL: Django's ``icontains`` emits ``UPPER(col::text) LIKE UPPER('%x%')``, so the name columns are
indexed on that expression; ``contains`` on the pinyin keys emits ``col::text LIKE '%x%'``, which a plain
trigram index on the column serves.

SQLite: an external-content FTS5 table (trigram tokenizer, SQLite ≥ 3.34) over the four text keys, kept
in step by triggers; ``kehu.customers.search`` queries it for terms of three characters or more.
"""

from django.db import migrations

from kehu.core.vendor_sql import run_vendor_sql

TABLE = "customers_customer"
FTS = "customers_customer_fts"
COLUMNS = "name, short_name, name_pinyin, name_initials"
NEW = "new.name, new.short_name, new.name_pinyin, new.name_initials"
OLD = "old.name, old.short_name, old.name_pinyin, old.name_initials"

POSTGRES = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX customers_name_trgm ON {TABLE} USING gin ((UPPER(name::text)) gin_trgm_ops)",
    f"CREATE INDEX customers_short_trgm ON {TABLE} USING gin ((UPPER(short_name::text)) gin_trgm_ops)",
    f"CREATE INDEX customers_pinyin_trgm ON {TABLE} USING gin (name_pinyin gin_trgm_ops)",
    f"CREATE INDEX customers_initials_trgm ON {TABLE} USING gin (name_initials gin_trgm_ops)",
]
POSTGRES_REVERSE = [
    f"DROP INDEX IF EXISTS {name}"
    for name in ("customers_name_trgm", "customers_short_trgm", "customers_pinyin_trgm", "customers_initials_trgm")
]

SQLITE = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5({COLUMNS}, content='{TABLE}', content_rowid='id', tokenize='trigram')",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
    f"""CREATE TRIGGER {FTS}_insert AFTER INSERT ON {TABLE} BEGIN
        INSERT INTO {FTS}(rowid, {COLUMNS}) VALUES (new.id, {NEW});
    END""",
    f"""CREATE TRIGGER {FTS}_delete AFTER DELETE ON {TABLE} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, {COLUMNS}) VALUES ('delete', old.id, {OLD});
    END""",
    f"""CREATE TRIGGER {FTS}_update AFTER UPDATE OF {COLUMNS} ON {TABLE} BEGIN
        INSERT INTO {FTS}({FTS}, rowid, {COLUMNS}) VALUES ('delete', old.id, {OLD});
        INSERT INTO {FTS}(rowid, {COLUMNS}) VALUES (new.id, {NEW});
    END""",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {FTS}_update",
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"DROP TRIGGER IF EXISTS {FTS}_insert",
    f"DROP TABLE IF EXISTS {FTS}",
]


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_import_export")]
    operations = [run_vendor_sql(sqlite=SQLITE, postgresql=POSTGRES,
                                 sqlite_reverse=SQLITE_REVERSE, postgresql_reverse=POSTGRES_REVERSE)]

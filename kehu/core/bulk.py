"""``insert``: ``QuerySet.bulk_create`` without the ORM's per-value SQL compilation (INFO-9 import speed).

``bulk_create`` compiles every value of every row as a possible SQL expression (about 1.5 µs a
value, 70 µs a customer of 45 columns). Here each column gets what an INSERT gets in any case —
``pre_save(obj, add=True)`` then ``get_db_prep_save`` — except that a plain column (text, number,
boolean, foreign key) holding a ``str``/``int``/``bool``/``None`` skips the conversion, which for
those types is the identity. Encrypted columns, blind indexes, dates, JSON and UUIDs go through
their field exactly as in ``save()``. Rows are sent as multi-row ``INSERT … VALUES … RETURNING id``
statements, as large as the database's parameter limit allows, and the new primary keys are set on
the objects in order.
"""

from __future__ import annotations

from django.db import connections, models, router

# Field classes (exactly these, not subclasses) whose conversion is the identity for a value of this type.
NATIVE = {models.CharField: str, models.TextField: str, models.EmailField: str, models.URLField: str,
          models.IntegerField: int, models.BigIntegerField: int, models.SmallIntegerField: int,
          models.PositiveIntegerField: int, models.PositiveSmallIntegerField: int, models.ForeignKey: int,
          models.BooleanField: bool}
MAX_PARAMS = 30_000  # under SQLite's 32,766 (3.32+); PostgreSQL binds client-side (Django's default)
MAX_ROWS = 1_000


def _row(obj, columns, connection) -> list:
    values = []
    for field, attname, native in columns:
        value = obj.__dict__.get(attname, obj) if native else obj
        if value is not None and type(value) is not native:
            value = field.get_db_prep_save(field.pre_save(obj, True), connection)
        values.append(value)
    return values


def insert(model, objs: list) -> None:
    """Insert unsaved ``objs`` of ``model`` (no pk set) and set their pks, in one or a few statements."""
    if not objs:
        return
    meta = model._meta
    connection = connections[router.db_for_write(model)]
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    columns = [(f, f.attname, NATIVE.get(type(f))) for f in fields]
    quote = connection.ops.quote_name
    head = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) VALUES ")
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, min(MAX_ROWS, MAX_PARAMS // len(fields)))
    with connection.cursor() as cursor:
        for start in range(0, len(objs), per_statement):
            chunk = objs[start:start + per_statement]
            params = []
            for obj in chunk:
                params += _row(obj, columns, connection)
            cursor.execute(f"{head}{', '.join([one] * len(chunk))} RETURNING {quote(meta.pk.column)}", params)
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding, obj._state.db = False, connection.alias

"""``insert``: ``QuerySet.bulk_create`` without the ORM's per-value SQL compilation (INFO-9 import speed).

``bulk_create`` compiles every value of every row as a possible SQL expression (about 1.5 µs a
value, 70 µs a customer of 45 columns). Here each column gets what an INSERT gets in any case —
``pre_save(obj, add=True)`` then ``get_db_prep_save`` — with three shortcuts that give the same
values: a plain column (text, number, boolean, foreign key) holding its own Python type, and any
column with a plain ``pre_save`` holding None, are sent as they are (their conversion is the
identity); a date or time is converted once when the next row holds the very same object (the
rows of one batch share their creation instant); an encrypted column sends its token
(``ProtectedValue.sealed()``, what its ``get_prep_value`` returns) and a blind index what its
``pre_save`` computes. JSON and UUIDs go through their field exactly as in ``save()``. Rows are sent as multi-row ``INSERT … VALUES …
RETURNING id`` statements, as large as the database's parameter limit allows, and the new primary
keys are set on the objects in order.
"""

from __future__ import annotations

from functools import cache

from django.db import connections, models, router

# Field classes (exactly these, not subclasses) whose conversion is the identity for a value of this type.
NATIVE = {models.CharField: str, models.TextField: str, models.EmailField: str, models.URLField: str,
          models.IntegerField: int, models.BigIntegerField: int, models.SmallIntegerField: int,
          models.PositiveIntegerField: int, models.PositiveSmallIntegerField: int, models.ForeignKey: int,
          models.BooleanField: bool}
MAX_PARAMS = 30_000  # under SQLite's 32,766 (3.32+); PostgreSQL binds client-side (Django's default)
MAX_ROWS = 1_000
_UNSET = object()


class _Column:
    __slots__ = ("field", "attname", "native", "none_as_is", "memo", "converted", "protected", "index")

    def __init__(self, field):
        from kehu.core.protected import BlindIndexField, ProtectedField

        self.field, self.attname = field, field.attname
        self.native = NATIVE.get(type(field))
        plain_pre_save = type(field).pre_save is models.Field.pre_save or (
            isinstance(field, models.DateField) and not field.auto_now and not field.auto_now_add)
        self.none_as_is = plain_pre_save and not isinstance(field, models.JSONField)
        # dates and times are immutable: the same object converts to the same value
        self.memo = plain_pre_save and type(field) in (models.DateTimeField, models.DateField)
        self.converted = (_UNSET, None)
        # an encrypted value's database value is its token; a blind index's is what its pre_save computes
        self.protected = type(field) is ProtectedField
        self.index = type(field) is BlindIndexField

    def convert(self, obj, value, connection):
        """The database value of ``value``, this column's attribute on ``obj`` (``_UNSET`` when not loaded)."""
        if self.protected and value is not _UNSET:
            return value.sealed()
        if self.index:
            return self.field.pre_save(obj, True)
        if self.memo and value is self.converted[0]:
            return self.converted[1]
        converted = self.field.get_db_prep_save(self.field.pre_save(obj, True), connection)
        if self.memo:
            self.converted = (value, converted)
        return converted


@cache
def _defaults(model) -> list[tuple[str, object, bool]]:
    """(attname, default, whether the default is called for each instance) of every concrete field."""
    return [(f.attname, f.get_default if f.has_default() and callable(f.default) else f.get_default(),
             f.has_default() and callable(f.default)) for f in model._meta.concrete_fields]


def new(model, values: dict, **related):
    """``model(**values, **related)``, built the quicker way Django builds rows read from the
    database (every column's value in order, ``Model.__init__``'s positional form, half the time):
    ``values`` by attname, every other column at its default, then the ``related`` objects set."""
    obj = model(*[values[name] if name in values else (default() if call else default)
                  for name, default, call in _defaults(model)])
    for name, value in related.items():
        setattr(obj, name, value)
    return obj


def columns(model) -> list[_Column]:
    """Every concrete column but the primary key, in the order ``insert`` sends them."""
    return [_Column(f) for f in model._meta.concrete_fields if f is not model._meta.pk]


def row(obj, cols: list[_Column], connection) -> list:
    """The database values of ``obj``'s columns, as an INSERT of it would send them."""
    attributes = obj.__dict__
    values = []
    for column in cols:  # the identity cases inline: most columns of a row
        value = attributes.get(column.attname, _UNSET)
        if (value is None and column.none_as_is) or type(value) is column.native:
            values.append(value)
        else:
            values.append(column.convert(obj, value, connection))
    return values


def connection_for(model):
    return connections[router.db_for_write(model)]


def insert(model, objs: list) -> None:
    """Insert unsaved ``objs`` of ``model`` (no pk set) and set their pks, in one or a few statements."""
    if not objs:
        return
    connection = connection_for(model)
    cols = columns(model)
    pks = insert_rows(model, [row(obj, cols, connection) for obj in objs])
    for obj, pk in zip(objs, pks, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, connection.alias


def insert_rows(model, rows: list[list]) -> list:
    """Insert rows of database values (``row``'s) into ``model``'s table; their new primary keys, in order."""
    if not rows:
        return []
    meta = model._meta
    connection = connection_for(model)
    quote = connection.ops.quote_name
    table, pk = quote(meta.db_table), quote(meta.pk.column)
    names = [quote(f.column) for f in meta.concrete_fields if f is not meta.pk]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _copy(cursor.cursor, table, pk, names, rows, (meta.db_table, meta.pk.column))
        head = f"INSERT INTO {table} ({', '.join(names)}) VALUES "
        one = "(" + ", ".join(["%s"] * len(names)) + ")"
        per_statement = max(1, min(MAX_ROWS, MAX_PARAMS // len(names)))
        pks = []
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            cursor.execute(f"{head}{', '.join([one] * len(chunk))} RETURNING {pk}",
                           [value for values in chunk for value in values])
            pks += [pk for (pk,) in cursor.fetchall()]
        return pks


def _copy(cursor, table: str, pk: str, names: list[str], rows: list[list], sequence_of: tuple[str, str]) -> list:
    """PostgreSQL: the keys drawn from the table's sequence (ascending, in the rows' order), then
    one ``COPY … FROM STDIN`` of the rows with their keys: psycopg writes the values in C, about
    five times faster than binding them into INSERT statements. COPY runs the table's triggers
    and checks its constraints as INSERT does."""
    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                   [*sequence_of, len(rows)])
    pks = sorted(pk for (pk,) in cursor.fetchall())
    with cursor.copy(f"COPY {table} ({pk}, {', '.join(names)}) FROM STDIN") as copy:
        for key, values in zip(pks, rows, strict=True):
            copy.write_row([key, *values])
    return pks

"""Field-key rotation (SECURITY.md CRY-5): re-encrypt every stored token under the current key.

Targets are every ProtectedField of every installed model, found by introspection, plus encrypted
columns registered by hand (``register_column``) for values that are not ProtectedFields, such as
the TOTP secret. A row is pending when its token does not start with ``v1:<current key id>:``, so
the selection itself is the resume point: batches of 1,000 commit one by one, and a run killed
mid-way continues with the rows still pending. Within a run, rows are walked in primary-key order
from the last one seen, so a row that cannot be decrypted is reported once and skipped instead of
being selected again forever.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, models, transaction

from kehu.core import crypto
from kehu.core.protected import ProtectedField, ProtectedValue, report_integrity_failure

BATCH_SIZE = 1000


@dataclass(frozen=True)
class Target:
    model: type[models.Model]
    column: str
    # Columns the associated data needs besides the token (loaded with it).
    needs: tuple[str, ...]
    reseal: Callable[[models.Model], None]

    @property
    def label(self) -> str:
        return f"{self.model._meta.label_lower}.{self.column}"

    def pending(self):
        return (
            self.model._base_manager.filter(**{f"{self.column}__startswith": f"{crypto.VERSION}:"})
            .exclude(**{f"{self.column}__startswith": crypto.current_prefix()})
        )


_registered: list[Callable[[], Target]] = []


def register_column(model_label: str, column: str, *, associated: Callable[[models.Model], bytes],
                    needs: tuple[str, ...] = ()) -> None:
    """An encrypted text column outside ProtectedField; ``associated(row)`` gives its associated data."""

    def make() -> Target:
        def reseal(row):
            setattr(row, column, crypto.reencrypt(getattr(row, column), associated=associated(row)))

        return Target(apps.get_model(model_label), column, needs, reseal)

    _registered.append(make)


def _field_target(model, protected: ProtectedField) -> Target:
    def reseal(row):
        setattr(row, protected.attname, getattr(row, protected.attname).resealed())

    return Target(model, protected.attname, (protected.bind_to,) if protected.bind_to else (), reseal)


def targets() -> list[Target]:
    found = [
        _field_target(model, f)
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
        for f in model._meta.local_fields
        if isinstance(f, ProtectedField)
    ]
    return found + [make() for make in _registered]


@dataclass
class Outcome:
    target: str
    pending: int
    rotated: int = 0
    failed: list = field(default_factory=list)


def _write(target: Target, rows: list) -> None:
    """``UPDATE … FROM (VALUES …)``: one statement per chunk, where bulk_update's CASE over 1,000 rows
    costs SQLite quadratic time and a statement per row costs PostgreSQL a round trip each (SQLite
    needs 3.33 for UPDATE FROM). The values still come from the field's own get_db_prep_save."""
    meta = target.model._meta
    column = meta.get_field(target.column)
    quote = connection.ops.quote_name
    chunk = min(len(rows), (connection.features.max_query_params or 2000) // 2) or 1
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            values = ", ".join(["(%s, %s)"] * len(part))
            # VALUES columns are named column1, column2 by both SQLite and PostgreSQL.
            cursor.execute(
                f"UPDATE {quote(meta.db_table)} SET {quote(column.column)} = v.column2 FROM (VALUES {values}) AS v "
                f"WHERE {quote(meta.db_table)}.{quote(meta.pk.column)} = v.column1",
                [p for row in part for p in (row.pk, column.get_db_prep_save(getattr(row, column.attname), connection))],
            )


def rotate(target: Target, *, batch_size: int = BATCH_SIZE, progress: Callable[[Outcome], None] | None = None) -> Outcome:
    from kehu.compliance import actions, audit

    outcome = Outcome(target.label, target.pending().count())
    after = None
    while True:
        with transaction.atomic():
            batch = target.pending().order_by("pk").only("pk", target.column, *target.needs)
            if after is not None:
                batch = batch.filter(pk__gt=after)
            rows = list(batch.select_for_update()[:batch_size])
            if not rows:
                return outcome
            done = []
            for row in rows:
                try:
                    target.reseal(row)
                    done.append(row)
                except crypto.DecryptionError as exc:
                    stored = getattr(row, target.column)
                    token = stored.token if isinstance(stored, ProtectedValue) else stored
                    report_integrity_failure(target.model, target.column, row.pk, token, exc)
                    outcome.failed.append(row.pk)
            _write(target, done)
            audit.record(None, actions.KEYS_ROTATE, (target.label, "", ""),
                         {"rows": len(done), "failed": len(rows) - len(done), "key_id": crypto.current_key_id()})
            after = rows[-1].pk
        outcome.rotated += len(done)
        if progress:
            progress(outcome)

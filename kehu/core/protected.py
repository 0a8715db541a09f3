"""Protected personal-information fields (SECURITY.md CRY-2..5, PI-4): one field type for encryption at
rest, blind-index search and masked display.

A model declares the encrypted column and its index columns side by side::

    mobile = ProtectedField(kind="mobile", blank=True)
    mobile_bidx = BlindIndexField(source="mobile")              # exact match
    mobile_l4 = BlindIndexField(source="mobile", last4=True)    # last-4 search

Design, and why:

- **Explicit companion columns**, not columns conjured in ``contribute_to_class``. Migrations rebuild
  models from their recorded state, where an auto-added column would be added a second time (the
  usual workaround is to recognise migration-state models by their ``__fake__`` module, which is
  Django internals). Declared columns migrate like any other, show up in ``grep``, and a system
  check (``kehu.E101``) fails at start-up when a ProtectedField lacks the companions its kind needs,
  so forgetting one cannot go unnoticed. ``protected_columns("mobile")`` names the set for
  ``save(update_fields=...)``.
- **A value object, not a string.** Reading the attribute gives a :class:`ProtectedValue`:
  ``str()`` is the MASKED form, so a template, log line or f-string never prints plaintext by
  accident; the plaintext comes only from an explicit ``.reveal()``. Decryption is lazy: a list
  page that shows masked values decrypts each once, a page that does not show the field decrypts
  nothing. Assigning a plain ``str`` marks the value for encryption on save.
- **Encryption happens when the value is written** (``get_prep_value``), which covers ``save()``,
  ``bulk_create`` and ``bulk_update`` alike; the index columns compute themselves in ``pre_save``
  from the same plaintext. ``QuerySet.update(mobile="…")`` with a plain string is refused: it
  would bypass the indexes.
- **Associated data** binds every ciphertext to ``<app>.<model>.<field>``, so a token copied into
  another column does not decrypt. ``bind_to="uid"`` adds a column whose value is known before the
  insert (a UUID, a foreign key) and binds the token to its row as well; the auto-increment ``id``
  cannot serve, it does not exist until after the INSERT that must already carry the ciphertext.
- **Lookups on the ciphertext column are refused** except ``isnull`` and ``startswith`` (rotation
  selects by key-id prefix): ``filter(mobile="138…")`` would silently find nothing. Search goes
  through :func:`protected_lookup` and :func:`protected_last4_lookup`.
- A token that fails authentication shows as ``[完整性错误]`` and is reported as a security event:
  a log warning always, an audit entry (``security.integrity``) when inside a transaction (CRY-4).
"""

from __future__ import annotations

import logging

from django.core import checks
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.query_utils import DeferredAttribute
from django.utils.translation import gettext as _

from kehu.core import blind_index, crypto, masking

security_log = logging.getLogger("kehu.security")

# Which kinds get an exact-match index and a last-4 index. An address is only ever shown, never
# searched by exact value.
KINDS = {
    "mobile": {"index": True, "last4": True},
    "id_number": {"index": True, "last4": True},
    "bank_account": {"index": True, "last4": True},
    "email": {"index": True, "last4": False},
    "address": {"index": False, "last4": False},
}
INDEX_SUFFIX = "_bidx"
LAST4_SUFFIX = "_l4"


class ProtectedValue:
    """The value of a ProtectedField on one row: a ciphertext, a new plaintext, or both."""

    __slots__ = ("_field", "_instance", "_token", "_plain", "_fresh")

    def __init__(self, field: ProtectedField, *, token: str | None = None, plain: str | None = None, instance=None,
                 fresh: bool = False):
        self._field = field
        self._instance = instance
        self._token = token
        self._plain = plain
        self._fresh = fresh

    def bound(self, instance) -> ProtectedValue:
        return ProtectedValue(self._field, token=self._token, plain=self._plain, instance=instance, fresh=self._fresh)

    @property
    def kind(self) -> str:
        return self._field.kind

    @property
    def is_new(self) -> bool:
        """True when assigned in this process rather than loaded: its indexes are (re)computed on
        save and validators check it. Recomputing on a later save costs one HMAC, nothing more."""
        return self._fresh

    @property
    def token(self) -> str | None:
        return self._token

    @property
    def key_id(self) -> str | None:
        return crypto.key_id_of(self._token) if self._token else None

    def _associated(self) -> bytes:
        return self._field.associated_data(self._instance)

    def reveal(self) -> str:
        """The plaintext. Raises crypto.IntegrityError when the stored token was tampered with."""
        if self._plain is None:
            self._plain = crypto.decrypt(self._token, associated=self._associated()) if self._token else ""
        return self._plain

    def sealed(self) -> str:
        """The token to store, encrypting a new plaintext on first use."""
        if self._token is None:
            self._token = crypto.encrypt(self._plain, associated=self._associated()) if self._plain else ""
        return self._token

    def resealed(self) -> ProtectedValue:
        """The same plaintext under the current key (rotation)."""
        return ProtectedValue(
            self._field, token=crypto.reencrypt(self._token, associated=self._associated()), instance=self._instance
        )

    def masked(self) -> str:
        try:
            return masking.mask(self.kind, self.reveal())
        except crypto.IntegrityError as exc:
            self._report(exc)
            return _("[完整性错误]")
        except crypto.DecryptionError as exc:
            self._report(exc)
            return _("[无法解密]")

    def _report(self, exc: Exception) -> None:
        report_integrity_failure(self._field.model, self._field.name, getattr(self._instance, "pk", None),
                                 self._token, exc)

    def __str__(self) -> str:
        return self.masked()

    def __repr__(self) -> str:
        return f"<ProtectedValue {self.kind} key {self._token.split(':')[1] if self._token else '-'}>"

    def __bool__(self) -> bool:
        return bool(self._token if self._plain is None else self._plain)


def report_integrity_failure(model, column: str, pk, token: str | None, exc: Exception) -> None:
    """CRY-4: a stored ciphertext did not authenticate. Never logs the token or any plaintext."""
    label = model._meta.label_lower
    key = token.split(":", 2)[1] if token and token.count(":") >= 2 else ""
    security_log.warning("integrity failure on %s.%s row %s (key %s): %s", label, column, pk, key, exc)
    if transaction.get_connection().in_atomic_block:
        # Lazy import: kehu.core sits below kehu.compliance; only this report reaches up.
        from kehu.compliance import actions, audit

        audit.record(
            None, actions.SECURITY_INTEGRITY, (label, pk if pk is not None else "", column),
            {"field": column, "key_id": key, "error": str(exc)}, result="failed",
        )


class ProtectedDescriptor(DeferredAttribute):
    """Every value stored on the instance is a ProtectedValue bound to that instance (or None)."""

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = self.field.wrap(value, instance)


class ProtectedField(models.TextField):
    descriptor_class = ProtectedDescriptor

    def __init__(self, *args, kind: str, bind_to: str | None = None, **kwargs):
        if kind not in KINDS:
            raise ValueError(f"ProtectedField kind must be one of {sorted(KINDS)}, not {kind!r}")
        self.kind = kind
        self.bind_to = bind_to
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        if self.bind_to:
            kwargs["bind_to"] = self.bind_to
        return name, path, args, kwargs

    def associated_data(self, instance) -> bytes:
        text = f"kehu.protected:{self.model._meta.label_lower}.{self.name}"
        if self.bind_to:
            if instance is None:
                # values()/values_list() give no row to bind to: a programming error, not tampering.
                raise TypeError(f"{self.name} is bound to its row: load it through the model, not values()")
            text += f":{getattr(instance, self.bind_to)}"
        return text.encode("utf-8")

    def wrap(self, value, instance=None):
        if value is None:
            return None
        if isinstance(value, ProtectedValue) and value._field is self and self._token_fits(value, instance):
            return value.bound(instance)
        if isinstance(value, ProtectedValue):
            # Copied from another field or another row: the token's associated data would not
            # match here, so the value is encrypted afresh for its new place.
            return ProtectedValue(self, plain=value.reveal(), instance=instance, fresh=True)
        return ProtectedValue(self, plain=str(value), instance=instance, fresh=True)

    def _token_fits(self, value: ProtectedValue, instance) -> bool:
        if value.token is None or value._instance is None or value._instance is instance or not self.bind_to:
            return True
        return getattr(value._instance, self.bind_to) == getattr(instance, self.bind_to)

    def from_db_value(self, value, expression, connection):
        return None if value is None else ProtectedValue(self, token=value)

    def to_python(self, value):
        # A serialised fixture carries the token (value_to_string); anything else is plaintext input.
        if isinstance(value, str) and crypto.is_token(value):
            return ProtectedValue(self, token=value)
        return value

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return value.sealed() if value is not None else None

    def get_prep_value(self, value):
        if value is None or value == "":
            return value
        if isinstance(value, ProtectedValue):
            return value.sealed()
        raise TypeError(
            f"{self.name} takes a plaintext only through the model attribute and save(): "
            "QuerySet.update() would leave its blind index stale"
        )

    def validate(self, value, model_instance):
        if isinstance(value, ProtectedValue):
            # Only "required" applies; choices make no sense for personal data.
            if not value and not self.blank:
                raise ValidationError(self.error_messages["blank"], code="blank")
            return
        super().validate(value, model_instance)

    def run_validators(self, value):
        # Validators see the plaintext, and only of a new value: stored values were checked when written.
        if isinstance(value, ProtectedValue) and value.is_new:
            super().run_validators(value.reveal())

    def get_lookup(self, lookup_name):
        if lookup_name not in {"isnull", "startswith"}:
            return None
        return super().get_lookup(lookup_name)

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        wanted = []
        if KINDS[self.kind]["index"]:
            wanted.append((self.name + INDEX_SUFFIX, False))
        if KINDS[self.kind]["last4"]:
            wanted.append((self.name + LAST4_SUFFIX, True))
        for name, last4 in wanted:
            companion = next((f for f in self.model._meta.local_fields if f.name == name), None)
            if not (isinstance(companion, BlindIndexField) and companion.source == self.name and companion.last4 == last4):
                errors.append(checks.Error(
                    f"ProtectedField {self.name!r} (kind {self.kind}) needs "
                    f"{name} = BlindIndexField(source={self.name!r}{', last4=True' if last4 else ''})",
                    obj=self, id="kehu.E101",
                ))
        if self.bind_to and self.bind_to not in {f.attname for f in self.model._meta.local_fields}:
            errors.append(checks.Error(f"bind_to={self.bind_to!r} is not a column of this model", obj=self,
                                       id="kehu.E102"))
        return errors


class BlindIndexField(models.CharField):
    """The keyed HMAC of a ProtectedField's plaintext (or of its last four characters), kept in step
    with it on every write."""

    def __init__(self, *args, source: str, last4: bool = False, **kwargs):
        self.source = source
        self.last4 = last4
        kwargs.update(max_length=blind_index.INDEX_HEX, db_index=True, editable=False, blank=True, default="")
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key in ("max_length", "db_index", "editable", "blank", "default"):
            kwargs.pop(key, None)
        kwargs["source"] = self.source
        if self.last4:
            kwargs["last4"] = True
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.source)
        if value is None or value.is_new:
            kind = self.model._meta.get_field(self.source).kind
            plain = value.reveal() if value is not None else ""
            index = "" if not plain else (
                blind_index.last4_index(kind, plain) if self.last4 else blind_index.full_index(kind, plain)
            )
            setattr(model_instance, self.attname, index)
        return getattr(model_instance, self.attname)


def protected_columns(name: str) -> list[str]:
    """The field and its index columns, for ``save(update_fields=protected_columns("mobile"))``."""
    return [name, name + INDEX_SUFFIX, name + LAST4_SUFFIX]


def _protected_field(model, name: str) -> ProtectedField:
    field = model._meta.get_field(name)
    if not isinstance(field, ProtectedField):
        raise TypeError(f"{model._meta.label}.{name} is not a ProtectedField")
    return field


def protected_lookup(model, name: str, value: str) -> dict[str, str]:
    """``Model.objects.filter(**protected_lookup(Model, "mobile", "13812345678"))``: exact match."""
    field = _protected_field(model, name)
    return {name + INDEX_SUFFIX: blind_index.full_index(field.kind, value)}


def protected_last4_lookup(model, name: str, last4: str) -> dict[str, str]:
    """``Model.objects.filter(**protected_last4_lookup(Model, "mobile", "5678"))``."""
    field = _protected_field(model, name)
    if len(blind_index.normalise(field.kind, last4)) != 4:
        raise ValueError("a last-4 search takes exactly four digits")
    return {name + LAST4_SUFFIX: blind_index.last4_index(field.kind, last4)}

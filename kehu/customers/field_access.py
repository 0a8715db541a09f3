"""Field permissions per role (SEC-3, SECURITY.md AC-4, PI-3, PI-4): the one answer to "what may
this user do with field F of a customer or contact", asked by every door — the pages, the API,
the export, the import and, as the last line, the services themselves.

A role's level for a field is its ``FieldPermission`` row, or by default *edit* when the role
holds ``customer.edit`` and *read* otherwise; a role without ``customer.edit`` never edits whatever
its row says. A user gets the widest level among their business roles that hold ``customer.view``
(admin-duty roles and roles that cannot see customers add nothing). Levels, narrowest first:

- ``hidden``: never shown (pages, API output, export) and never written;
- ``read``: shown (masked when protected), never written — the page renders it as text, the API
  answers 403 naming the field;
- ``once``: writable while empty (and on create), read-only once it holds a value (填写后只读:
  the credit code or ID number a salesperson typed is not theirs to change later);
- ``edit``.

The fields a new record needs (customer name and kind, contact name) are always at least read and
are writable when creating. Masking: protected fields are masked everywhere by default; a role
that holds ``pii.unmask`` may be set to "masked in lists only", and then the detail page shows the
plaintext — each showing written to the audit log as a reveal and counted against the hourly cap.

The answer is computed once per user object and kept on it, so once per request; the roles' rows
are cached across requests under each role's ``updated_at`` (no query while they are unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache
from django.utils.translation import gettext as _

from kehu.core.errors import PermissionDenied
from kehu.customers import permissions as perms
from kehu.customers.models import Contact, Customer, FieldPermission
from kehu.org import roles

HIDDEN, READ, ONCE, EDIT = FieldPermission.HIDDEN, FieldPermission.READ, FieldPermission.ONCE, FieldPermission.EDIT
LEVELS = (HIDDEN, READ, ONCE, EDIT)  # narrowest first
EVERYWHERE, LISTS = FieldPermission.EVERYWHERE, FieldPermission.LISTS
CUSTOMER, CONTACT = FieldPermission.CUSTOMER, FieldPermission.CONTACT
ENTITIES = (CUSTOMER, CONTACT)
MODELS = {CUSTOMER: Customer, CONTACT: Contact}
PROTECTED = {CUSTOMER: ("mobile", "id_number", "email", "address"), CONTACT: ("mobile", "email")}
# What names the record: never hidden, and settable when the record is created.
IDENTITY = {CUSTOMER: frozenset({"name", "kind"}), CONTACT: frozenset({"name"})}

# Shipped defaults (data migration 0005). Engineers serve the customer but have no need of an
# individual's identity number or birthday; salespeople may fill in the credit code and ID number
# but not change them once set, nor turn an enterprise into an individual; customer service keeps
# contact data current but leaves the customer's identity and the sales stage to sales.
DEFAULT_RULES: dict[str, dict[tuple[str, str], str]] = {
    **{code: {(CUSTOMER, "id_number"): HIDDEN, (CUSTOMER, "birthday"): HIDDEN}
       for code in (roles.TECHNICAL_ENGINEER, roles.QUALITY_ENGINEER, roles.AFTER_SALES_ENGINEER)},
    **{code: {(CUSTOMER, "credit_code"): ONCE, (CUSTOMER, "id_number"): ONCE, (CUSTOMER, "kind"): READ}
       for code in (roles.SALESPERSON, roles.KEY_ACCOUNT_MANAGER)},
    roles.CUSTOMER_SERVICE: {(CUSTOMER, "name"): READ, (CUSTOMER, "kind"): READ, (CUSTOMER, "credit_code"): ONCE,
                             (CUSTOMER, "id_number"): ONCE, (CUSTOMER, "stage"): READ},
}


def fields_of(entity: str) -> tuple[str, ...]:
    """The fields of the matrix, in form order: what the services let a caller set."""
    from kehu.customers import services

    return (*services.CUSTOMER_FIELDS, "tags") if entity == CUSTOMER else services.CONTACT_FIELDS


def label(entity: str, name: str) -> str:
    if name == "tags":
        return _("标签")
    return str(MODELS[entity]._meta.get_field(name).verbose_name)


def access_label(level: str) -> str:
    return str(dict(FieldPermission.ACCESS_CHOICES)[level])


def role_default(role) -> str:
    return EDIT if perms.EDIT in role.permissions else READ


def role_level(role, row: FieldPermission | None) -> str:
    level = row.access if row else role_default(role)
    if perms.EDIT not in role.permissions:
        level = min(level, READ, key=LEVELS.index)
    return level


class FieldForbidden(PermissionDenied):
    """A write touched a field the user may not write (403 in the API, naming the field)."""


def _refusal(entity: str, name: str, level: str) -> FieldForbidden:
    if level == ONCE:
        message = _("字段“%(label)s”已填写，您的角色不能修改（填写后只读）。")
    else:
        message = _("无权修改字段“%(label)s”：该字段对您的角色为%(access)s。")
    return FieldForbidden("field_forbidden", message % {"label": label(entity, name), "access": access_label(level)},
                          field=name, details={"entity": entity, "access": level})


def _has_value(obj, name: str) -> bool:
    if name == "tags":
        return obj.tags.exists()
    value = getattr(obj, name)
    return value not in ("", None, False)


@dataclass
class FieldAccess:
    """One user's levels and mask modes. Ask ``for_user(user)``; do not build one yourself."""

    levels: dict[tuple[str, str], str] = field(default_factory=dict)
    lists_only: frozenset[tuple[str, str]] = frozenset()

    def level(self, entity: str, name: str) -> str:
        return self.levels.get((entity, name), HIDDEN)

    def visible(self, entity: str, name: str) -> bool:
        return self.level(entity, name) != HIDDEN

    def hidden(self, entity: str) -> frozenset[str]:
        return frozenset(n for n in fields_of(entity) if not self.visible(entity, n))

    def may_write(self, entity: str, name: str, obj=None) -> bool:
        """``obj`` None: creating a record."""
        level = self.level(entity, name)
        if obj is None and name in IDENTITY[entity]:
            return True
        if level == EDIT:
            return True
        return level == ONCE and (obj is None or not _has_value(obj, name))

    def writable(self, entity: str, obj=None) -> frozenset[str]:
        return frozenset(n for n in fields_of(entity) if self.may_write(entity, n, obj))

    def require_writable(self, entity: str, names, obj=None) -> None:
        """FieldForbidden for the first of ``names`` (in form order) the user may not write."""
        names = set(names)
        for name in fields_of(entity):
            if name in names and not self.may_write(entity, name, obj):
                raise _refusal(entity, name, self.level(entity, name))

    def plain_on_detail(self, entity: str, name: str) -> bool:
        """Masked in lists only for this user: the detail page may show the plaintext (audited)."""
        return (entity, name) in self.lists_only and self.visible(entity, name)


RULES_CACHE_SECONDS = 600


def _rules_key(role) -> str:
    return f"kehu:field_rules:{role.pk}:{role.updated_at.isoformat()}"


def _rules_of(held) -> dict[tuple[int, str, str], FieldPermission]:
    """The FieldPermission rows of the ``held`` roles: from the cache (no query) when it knows them.

    A role's rows are cached under its ``updated_at``, which ``rules_changed`` moves whenever they
    change; every request loads the user's roles afresh, so a change made through any process is
    seen by every other at its next request, whatever the cache backend (locmem is per process).
    Whatever else writes FieldPermission rows (a data migration) must call ``rules_changed`` too."""
    keys = {_rules_key(role): role for role in held}
    cached = cache.get_many(list(keys))
    missing = {role.pk: key for key, role in keys.items() if key not in cached}
    if missing:
        fresh = {key: [] for key in missing.values()}
        for row in FieldPermission.objects.filter(role__in=list(missing)):
            fresh[missing[row.role_id]].append(row)
        cache.set_many(fresh, RULES_CACHE_SECONDS)
        cached.update(fresh)
    return {(row.role_id, row.entity, row.field): row for rows in cached.values() for row in rows}


def rules_changed(role) -> None:
    """After ``role``'s FieldPermission rows changed (inside the writing transaction): move its
    ``updated_at`` so no process answers from the rows cached before."""
    cache.delete(_rules_key(role))  # the same key again when the clock stands still (tests)
    role.save(update_fields=["updated_at"])


def for_user(user) -> FieldAccess:
    """The user's field access, computed once per user object and kept on it; the roles' rows come
    from the cache (``_rules_of``), so usually no query at all."""
    cached = user.__dict__.get("_kehu_field_access")
    if cached is not None:
        return cached
    held = [r for r in (user.held_roles if user.is_authenticated else [])
            if not r.is_admin_duty and perms.VIEW in r.permissions]
    rows = _rules_of(held) if held else {}
    levels: dict[tuple[str, str], str] = {}
    lists_only: set[tuple[str, str]] = set()
    for role in held:
        for entity in ENTITIES:
            for name in fields_of(entity):
                row = rows.get((role.pk, entity, name))
                level = role_level(role, row)
                if name in IDENTITY[entity]:
                    level = max(level, READ, key=LEVELS.index)
                key = (entity, name)
                levels[key] = max(levels.get(key, HIDDEN), level, key=LEVELS.index)
                if row and row.mask == LISTS and name in PROTECTED[entity] and perms.UNMASK in role.permissions:
                    lists_only.add(key)
    answer = FieldAccess(levels, frozenset(lists_only))
    user.__dict__["_kehu_field_access"] = answer
    return answer

"""Data scope (ORG-3): the one place that decides which rows a user may see.

A model joins by using ``ScopedManager`` and declaring where its owner, department and sharing
live::

    class Customer(models.Model):
        objects = ScopedManager(owner="owner", department="owner__department", shared="team_members")

``Model.objects.visible_to(user)`` then applies the widest data scope among the user's roles.
Models with extra ways to be seen (a public pool's members, say) add ``scope_extra_q(user)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.db.models import Q

from kehu.org import roles


@dataclass(frozen=True)
class ScopeFields:
    owner: str
    department: str
    company: str
    shared: str | None = None


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user) -> ScopedQuerySet:
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        fields: ScopeFields = self.model._default_manager.scope_fields
        scope = user.data_scope
        if scope == roles.ALL:
            return self.all()
        condition = self._scope_q(fields, scope, user)
        extra = getattr(self.model, "scope_extra_q", None)
        if extra is not None:
            extra_q = extra(user)
            if extra_q is not None:
                condition |= extra_q
        return self.filter(condition)

    def _scope_q(self, fields: ScopeFields, scope: str, user) -> Q:
        own = Q(**{fields.owner: user.pk})
        department = user.department
        if scope == roles.OWN or (department is None and scope != roles.OWN_SHARED):
            return own
        if scope == roles.OWN_SHARED:
            if not fields.shared:
                return own
            # Not a join: joining the sharing table would repeat rows. The ids are read first (one
            # index lookup) and passed as a list: as an ``IN (subquery)`` inside the OR, PostgreSQL
            # filtered every row with a hashed SubPlan instead of OR-ing two index scans
            # (docs/performance.md "Customer search"). Past INLINE_IDS_MAX the subquery stays.
            shared = self.model._base_manager.filter(**{fields.shared: user.pk}).values_list("pk", flat=True)
            return own | Q(pk__in=_inline(shared))
        if scope == roles.DEPARTMENT:
            return own | Q(**{fields.department: department.pk})
        if scope == roles.DEPARTMENT_TREE:
            # A join on the path, not the tree's ids: a manager's tree often holds most rows, and SQLite
            # answered ``department_id IN (…)`` by sorting every match, where the join walks the id
            # order and stops after one page (measured: docs/performance.md "Customer search").
            return own | Q(**{f"{fields.department}__path__startswith": department.path})
        if scope == roles.COMPANY:
            return own | Q(**{fields.company: department.company_id})
        raise ValueError(f"unknown data scope {scope!r}")


INLINE_IDS_MAX = 1_000  # ids passed as literals; more stay a subquery (SQLite's bound-parameter limit)


def _inline(ids: models.QuerySet):
    """``ids`` as a list when there are at most INLINE_IDS_MAX of them (one query), else the subquery itself."""
    found = list(ids[: INLINE_IDS_MAX + 1])
    return found if len(found) <= INLINE_IDS_MAX else ids


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):
    def __init__(self, *, owner: str | None = None, department: str | None = None, company: str | None = None,
                 shared: str | None = None):
        super().__init__()
        # Related managers are built from this class without arguments; the queryset reads the
        # fields from the model's default manager, so only that one needs them.
        if owner is not None and department is not None:
            self.scope_fields = ScopeFields(
                owner=owner, department=department, company=company or f"{department}__company", shared=shared
            )

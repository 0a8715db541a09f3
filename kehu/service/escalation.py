"""Who stands on each step of a ticket's escalation chain (SVC-3), read for a whole batch of tickets at once.

The policy's ``sla.escalation`` names each step by a code:

- ``owner``: the ticket's responsible person (责任人);
- ``manager``: that person's line manager (``User.manager``, 直属上级), else the head of their department,
  else the head of the ticket's team; never the responsible person themself;
- any other code: every active user holding the role of that code (``marketing_vp`` → 营销副总).

``People`` answers these for the tickets of one sweep chunk with three queries in all (the responsible
users, the departments, each role once per sweep), so the sweep never asks per ticket.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from kehu.org.models import Department, Role, User

OWNER, MANAGER = "owner", "manager"


def step_index(chain, code: str) -> int:
    """Where ``code`` stands in ``chain`` (-1: not on it, e.g. never escalated)."""
    return next((i for i, step in enumerate(chain) if step.to == code), -1)


class People:
    """The people of every escalation step, for the tickets loaded into it; roles cached across chunks."""

    def __init__(self):
        self._role_holders: dict[str, list[User]] = {}
        self._users: dict[int, User] = {}
        self._departments: dict[int, Department] = {}
        self._role_names: dict[str, str] | None = None

    def load(self, tickets: Iterable) -> None:
        """Read the responsible users (with their managers) and the departments whose heads may be asked."""
        tickets = list(tickets)
        wanted = {t.responsible_id for t in tickets} - set(self._users)
        if wanted:
            self._users.update(User.objects.select_related("manager").in_bulk(wanted))
        departments = ({u.department_id for u in self._users.values()} | {t.department_id for t in tickets})
        departments -= {None, *self._departments}
        if departments:
            self._departments.update(Department.objects.select_related("head").in_bulk(departments))

    def responsible(self, ticket) -> User:
        return self._users[ticket.responsible_id]

    def of(self, ticket, code: str) -> list[User]:
        """The active people of step ``code`` for ``ticket`` (possibly none: nobody holds the role)."""
        if code == OWNER:
            people = [self.responsible(ticket)]
        elif code == MANAGER:
            people = [self._manager(ticket)]
        else:
            people = self._holders(code)
        return [person for person in people if person is not None and person.is_active]

    def _manager(self, ticket) -> User | None:
        person = self.responsible(ticket)
        candidates = [person.manager if person.manager_id else None]
        for department_id in (person.department_id, ticket.department_id):
            department = self._departments.get(department_id)
            candidates.append(department.head if department and department.head_id else None)
        return next((c for c in candidates if c is not None and c.pk != person.pk and c.is_active), None)

    def step_label(self, code: str) -> str:
        """A step's name for people: 责任人, 直属上级 or the role's name."""
        if code == OWNER:
            return _("责任人")
        if code == MANAGER:
            return _("直属上级")
        if self._role_names is None:
            self._role_names = {role.code: role.display_name for role in Role.objects.all()}
        return self._role_names.get(code, code)

    def _holders(self, code: str) -> list[User]:
        if code not in self._role_holders:
            self._role_holders[code] = list(User.objects.filter(is_active=True, roles__code=code).distinct()
                                            .order_by("pk"))
        return self._role_holders[code]

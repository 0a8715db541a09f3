"""Handover on departure (SECURITY.md AC-8, OWN-5): data belongs to the company, so whatever a leaving user is
responsible for moves to one or more receivers in the same transaction that disables them.

Each app that keeps records with a responsible person registers one ``Handover`` here (in its
AppConfig.ready()): which rows are open (a deleted customer or a closed ticket is not), which field names
the responsible person, how to move rows (default: update that field; customers go through their bulk
transfer so their ownership history and audit come from one place), and whether the kind is *split*
among several receivers (customers, opportunities, tickets…) or goes whole to the first receiver (duties
such as heading a department). ``user_disable`` asks for a successor while any of them still points at
the user; ``services.user_handover`` moves everything to several receivers; ``orphaned`` is the admin
check "open records owned by inactive users".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

CHUNK = 500  # ids per UPDATE: SQLite caps the variables of one statement

Move = Callable[..., int]  # move(ids, receiver, *, actor, reason) -> how many moved
Split = Callable[[str, list[int], Sequence], dict[int, list[int]]]  # (kind, ids, receivers) -> {receiver pk: ids}


@dataclass(frozen=True)
class Handover:
    code: str
    label: object
    open_rows: Callable[[], QuerySet]
    owner_field: str
    move: Move | None = None
    split: bool = False
    url_name: str = ""  # the page of one record (reversed with its id), linked from the handover record

    def owned_by(self, user) -> QuerySet:
        return self.open_rows().filter(**{self.owner_field: user})

    def orphaned(self) -> QuerySet:
        return self.open_rows().filter(**{f"{self.owner_field}__is_active": False})

    def transfer(self, ids: list[int], receiver, *, actor=None, reason: str = "") -> int:
        """Give the rows ``ids`` to ``receiver``: the kind's own move, else an UPDATE per CHUNK ids."""
        if not ids:
            return 0
        if self.move is not None:
            return self.move(ids, receiver, actor=actor, reason=reason)
        return sum(self.open_rows().filter(pk__in=ids[start:start + CHUNK]).update(**{self.owner_field: receiver})
                   for start in range(0, len(ids), CHUNK))

    def held_ids(self, user, *, lock: bool = False) -> list[int]:
        """The ids ``user`` holds, in id order; ``lock``: row-locked until the transaction ends (PostgreSQL),
        so nobody moves one of them between the plan and the move."""
        rows = self.owned_by(user).order_by("pk")
        return list((rows.select_for_update() if lock else rows).values_list("pk", flat=True))


HANDOVERS: dict[str, Handover] = {}


def register(handover: Handover) -> None:
    HANDOVERS[handover.code] = handover


def label(code: str) -> str:
    return str(HANDOVERS[code].label) if code in HANDOVERS else code


def pending(user) -> dict[str, int]:
    """How many records of each kind the user still holds (kinds with none are left out)."""
    counts = {code: h.owned_by(user).count() for code, h in HANDOVERS.items()}
    return {code: n for code, n in counts.items() if n}


def orphaned() -> dict[str, int]:
    """Open records of each kind whose responsible person is disabled: 0 everywhere after every departure."""
    return {code: h.orphaned().count() for code, h in HANDOVERS.items()}


def hand_over(user, successor, *, actor=None, reason: str = "") -> dict[str, int]:
    """Move everything to ``successor``; returns the count moved per kind. Runs in the caller's transaction."""
    return {code: h.transfer(h.held_ids(user, lock=True), successor, actor=actor, reason=reason)
            for code, h in HANDOVERS.items()}


def split_even(code: str, ids: list[int], receivers: Sequence) -> dict[int, list[int]]:
    """Deal the ids (in id order) round the receivers like cards: counts differ by at most one, the first
    receivers take the remainder, and the same input always gives the same split."""
    return {receiver.pk: ids[i::len(receivers)] for i, receiver in enumerate(receivers)}


def plan(user, receivers: Sequence, split: Split = split_even, *, lock: bool = False) -> dict[str, dict[int, list[int]]]:
    """{kind: {receiver pk: ids}} for everything ``user`` holds now; nothing is moved (``lock``: see held_ids)."""
    planned = {}
    for code, h in HANDOVERS.items():
        ids = h.held_ids(user, lock=lock)
        if not ids:
            continue
        shares = split(code, ids, receivers) if h.split else {receivers[0].pk: ids}
        if sorted(i for share in shares.values() for i in share) != ids or not set(shares) <= {r.pk for r in receivers}:
            raise ValueError(f"the split of {code} must give every record to exactly one of the receivers")
        planned[code] = {pk: share for pk, share in shares.items() if share}
    return planned


def carry_out(planned: dict[str, dict[int, list[int]]], receivers: Sequence, *, actor, reason: str) -> dict:
    """Move what ``plan`` planned; {kind: {receiver pk: moved}}. Runs in the caller's transaction."""
    by_pk = {r.pk: r for r in receivers}
    moved: dict[str, dict[int, int]] = {}
    for code, shares in planned.items():
        for pk, ids in shares.items():
            moved.setdefault(code, {})[pk] = HANDOVERS[code].transfer(ids, by_pk[pk], actor=actor, reason=reason)
    return moved


def register_org_handovers() -> None:
    from kehu.org.models import Department, PolicyResponsibility, User

    register(Handover("org.department_head", _("部门负责人"), Department.objects.all, "head"))
    register(Handover("org.policy_responsibility", _("制度责任人"), PolicyResponsibility.objects.all, "person"))
    # Direct reports (active ones): the successor never becomes their own manager.
    register(Handover("org.direct_reports", _("直属下级"), lambda: User.objects.filter(is_active=True), "manager",
                      move=_reassign_reports))


def _reassign_reports(ids: list[int], successor, **_context) -> int:
    from kehu.org.models import User

    rows = User.objects.filter(pk__in=ids)
    moved = rows.exclude(pk=successor.pk).update(manager=successor)
    # If the successor reported to the leaver, they now report to the leaver's own manager.
    leaver_manager = rows.filter(pk=successor.pk).values_list("manager__manager", flat=True).first()
    moved += rows.filter(pk=successor.pk).update(manager=leaver_manager)
    return moved

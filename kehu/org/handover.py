"""Handover on departure (SECURITY.md AC-8): data belongs to the company, so whatever a leaving user is
responsible for moves to a successor in the same transaction that disables them.

Each app that keeps records with a responsible person registers one ``Handover`` here (in its
AppConfig.ready()); ``user_disable`` asks for a successor whenever any of them still points at the user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Handover:
    code: str
    label: object
    # The rows the user is responsible for, and how to give one queryset of them to the successor.
    owned_by: Callable[[object], QuerySet]
    transfer: Callable[[QuerySet, object], int]


HANDOVERS: dict[str, Handover] = {}


def register(handover: Handover) -> None:
    HANDOVERS[handover.code] = handover


def pending(user) -> dict[str, int]:
    """How many records of each kind the user still holds (kinds with none are left out)."""
    counts = {code: h.owned_by(user).count() for code, h in HANDOVERS.items()}
    return {code: n for code, n in counts.items() if n}


def hand_over(user, successor) -> dict[str, int]:
    """Move everything to ``successor``; returns the count moved per kind. Runs in the caller's transaction."""
    return {code: h.transfer(h.owned_by(user), successor) for code, h in HANDOVERS.items()}


def _reassign(field: str) -> Callable[[QuerySet, object], int]:
    return lambda rows, successor: rows.update(**{field: successor})


def register_org_handovers() -> None:
    from kehu.org.models import Department, PolicyResponsibility, User

    register(Handover("org.department_head", _("部门负责人"),
                      lambda user: Department.objects.filter(head=user), _reassign("head")))
    register(Handover("org.policy_responsibility", _("制度责任人"),
                      lambda user: PolicyResponsibility.objects.filter(person=user), _reassign("person")))
    # Direct reports: the successor never becomes their own manager.
    register(Handover("org.direct_reports", _("直属下级"),
                      lambda user: User.objects.filter(manager=user), _reassign_reports))


def _reassign_reports(rows: QuerySet, successor) -> int:
    moved = rows.exclude(pk=successor.pk).update(manager=successor)
    # If the successor reported to the leaver, they now report to the leaver's own manager.
    leaver_manager = rows.filter(pk=successor.pk).values_list("manager__manager", flat=True).first()
    moved += rows.filter(pk=successor.pk).update(manager=leaver_manager)
    return moved

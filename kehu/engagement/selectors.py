"""Reads of relationship maintenance, always within the reader's data scope (ORG-3)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from kehu.engagement import permissions as perms
from kehu.engagement.models import Task, TaskStatus
from kehu.org.access import require_permission
from kehu.org.models import User


def open_tasks(user) -> QuerySet:
    """The user's own open tasks, soonest due first."""
    return (Task.objects.filter(assignee=user, status=TaskStatus.OPEN).select_related("customer")
            .order_by("due_date", "id"))


def tasks_due(user, today: dt.date) -> QuerySet:
    """Open tasks due today or overdue."""
    return open_tasks(user).filter(due_date__lte=today)


def team_members(manager) -> QuerySet:
    """The active colleagues in the manager's data scope, the manager left out."""
    require_permission(manager, perms.TEAM_VIEW)
    return (User.objects.visible_to(manager).filter(is_active=True).exclude(pk=manager.pk)
            .select_related("department").order_by("department__path", "full_name", "id"))


def team_member(manager, pk) -> User:
    member = team_members(manager).filter(pk=pk).first()
    if member is None:
        raise Http404(_("成员不存在，或不在您的数据范围内。"))
    return member


def team_tasks_due(member_ids: list[int], today: dt.date) -> dict[int, int]:
    """Open tasks due by ``today`` per member, in one query."""
    rows = (Task.objects.filter(assignee__in=member_ids, status=TaskStatus.OPEN, due_date__lte=today)
            .values("assignee").annotate(n=Count("pk")))
    return {row["assignee"]: row["n"] for row in rows}

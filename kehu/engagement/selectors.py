"""Reads of relationship maintenance, always within the reader's data scope (ORG-3)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kehu.core.errors import NotFound
from kehu.customers import permissions as customer_perms
from kehu.engagement import permissions as perms
from kehu.engagement.models import FollowUp, Task, TaskStatus
from kehu.org.access import require_permission
from kehu.org.models import User

TAB_LIMIT = 50  # follow-ups on the customer page's tab; the list and the API page through all of them


@dataclass(frozen=True)
class FollowUpFilters:
    customer: int | None = None
    by: int | None = None
    kind: str = ""
    since: dt.date | None = None
    until: dt.date | None = None


def followups_for(user, filters: FollowUpFilters | None = None) -> QuerySet:
    """Follow-ups the user may see: those of the customers in their scope (REL-1), newest first."""
    require_permission(user, customer_perms.VIEW)
    f = filters or FollowUpFilters()
    conditions = {"customer_id": f.customer, "by_id": f.by, "kind": f.kind or None,
                  "happened_at__date__gte": f.since, "happened_at__date__lte": f.until}
    return (FollowUp.objects.visible_to(user).filter(customer__deleted_at=None)
            .filter(**{key: value for key, value in conditions.items() if value is not None})
            .select_related("customer", "contact", "by").order_by("-happened_at", "-id"))


def followup_for(user, pk: int) -> FollowUp:
    followup = followups_for(user).filter(pk=pk).first()
    if followup is None:
        raise NotFound("followup_not_found", _("跟进记录不存在，或您无权查看。"))
    return followup


def followups_of(customer, limit: int = TAB_LIMIT) -> QuerySet:
    """A customer's follow-ups (the caller has it through a selector: in scope), newest first."""
    return (FollowUp.objects.filter(customer=customer).select_related("contact", "by")
            .order_by("-happened_at", "-id")[:limit])


def tasks_for(user, *, status: str = TaskStatus.OPEN, due_by: dt.date | None = None) -> QuerySet:
    """The user's own tasks of one status (all statuses with ``status=""``), soonest due first."""
    require_permission(user, perms.MY_DAY)
    tasks = Task.objects.filter(assignee=user).select_related("customer").order_by("due_date", "id")
    if status:
        tasks = tasks.filter(status=status)
    return tasks.filter(due_date__lte=due_by) if due_by else tasks


def task_for(user, pk: int) -> Task:
    task = tasks_for(user, status="").filter(pk=pk).first()
    if task is None:
        raise NotFound("task_not_found", _("待办不存在，或不是您的。"))
    return task


def team_members(manager) -> QuerySet:
    """The active colleagues in the manager's data scope, the manager left out."""
    require_permission(manager, perms.TEAM_VIEW)
    return (User.objects.visible_to(manager).filter(is_active=True).exclude(pk=manager.pk)
            .select_related("department").order_by("department__path", "full_name", "id"))


def team_member(manager, pk: int) -> User:
    member = team_members(manager).filter(pk=pk).first()
    if member is None:
        raise NotFound("member_not_found", _("成员不存在，或不在您的数据范围内。"))
    return member

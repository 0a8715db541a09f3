"""The engagement app's own sections of "my day" (REL-6); see kehu.engagement.myday."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.engagement import myday, selectors
from kehu.engagement import permissions as perms

ROWS = 10  # rows a section shows; its count says how many there are


def tasks_due(user, today) -> myday.MyDaySection | None:
    """Open tasks due today or overdue (two queries: the first rows, the count)."""
    if not user.has_permission(perms.MY_DAY):
        return None
    tasks = selectors.tasks_due(user, today)
    rows = [myday.MyDayRow(title=task.title, detail=task.customer.name if task.customer else task.kind_label,
                           url=reverse("customers:detail", args=[task.customer_id]) if task.customer_id else "",
                           due=task.due_date, overdue=task.due_date < today) for task in tasks[:ROWS]]
    return myday.MyDaySection(title=_("今日待办"), rows=rows, count=len(rows) if len(rows) < ROWS else tasks.count())


def register() -> None:
    myday.register(tasks_due, title=gettext_lazy("今日待办"), team=selectors.team_tasks_due)

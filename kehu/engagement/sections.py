"""The engagement app's own sections of "my day" (REL-6); see kehu.engagement.myday."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.engagement import myday, selectors
from kehu.engagement import permissions as perms

ROWS = 10  # rows a section shows; its count says how many there are


def _task_url(task, record: bool) -> str:
    """A customer's task opens the follow-up form (recording one closes the task), else the customer."""
    if not task.customer_id:
        return ""
    return reverse("engagement:followup_new" if record else "customers:detail", args=[task.customer_id])


def tasks_due(user, today) -> myday.MyDaySection | None:
    """Open tasks due today or overdue (two queries: the first rows, the count)."""
    if not user.has_permission(perms.MY_DAY):
        return None
    tasks = selectors.tasks_for(user, due_by=today)
    record = user.has_permission(perms.FOLLOWUP_RECORD)
    rows = [myday.MyDayRow(title=task.title, detail=task.customer.name if task.customer else task.kind_label,
                           url=_task_url(task, record), due=task.due_date, overdue=task.due_date < today,
                           done_url=reverse("engagement:task_done", args=[task.pk]))
            for task in tasks[:ROWS]]
    return myday.MyDaySection(title=_("今日待办"), rows=rows, count=len(rows) if len(rows) < ROWS else tasks.count())


def register() -> None:
    myday.register(tasks_due, title=gettext_lazy("今日待办"), team=selectors.team_tasks_due)

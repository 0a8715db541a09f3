"""The engagement app's own sections of "my day" (REL-6), and their team-summary columns; see
kehu.engagement.myday. The customer sections reuse the customer archive's own reads (资料待核实,
即将退回公海): the same conditions as its lists and home cards."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.core import clock
from kehu.customers import permissions as customer_perms
from kehu.customers import pools
from kehu.customers import selectors as customer_selectors
from kehu.customers.models import Customer
from kehu.engagement import myday, selectors
from kehu.engagement import permissions as perms
from kehu.engagement.models import FOLLOW_UP, TASK_URLS, Task, TaskStatus
from kehu.policy.selectors import version_in_force

ROWS = 10  # rows a section shows; its count says how many there are


def _section(title, rows: QuerySet, row: Callable, link: str = "") -> myday.MyDaySection | None:
    """The first ROWS rows and the count (no second query when they are all there); None when empty."""
    shown = list(rows[:ROWS])
    if not shown:
        return None
    count = len(shown) if len(shown) < ROWS else rows.count()
    return myday.MyDaySection(title=title, rows=[row(item) for item in shown], link=link, count=count)


def _task_rows(user, today, follow_ups: bool):
    tasks = selectors.tasks_for(user, due_by=today)
    tasks = tasks.filter(kind=FOLLOW_UP) if follow_ups else tasks.exclude(kind=FOLLOW_UP)
    record = user.has_permission(perms.FOLLOWUP_RECORD)

    def row(task):
        # A kind with a page of its own opens it; else a customer's task opens the follow-up form (recording
        # one closes the task).
        if task.kind in TASK_URLS:
            url = TASK_URLS[task.kind](task)
        else:
            url = reverse("engagement:followup_new" if record else "customers:detail",
                          args=[task.customer_id]) if task.customer_id else ""
        return myday.MyDayRow(title=task.title, detail=task.customer.name if task.customer else task.kind_label,
                              url=url, due=task.due_date, overdue=task.due_date < today,
                              done_url=None if task.kind in TASK_URLS  # done on that page (a callback: its rating)
                              else reverse("engagement:task_done", args=[task.pk]))

    return tasks, row


def tasks_due(user, today) -> myday.MyDaySection | None:
    """Open tasks due today or overdue (recontacts, first contacts, care, visits…), planned follow-ups aside."""
    if not user.has_permission(perms.MY_DAY):
        return None
    tasks, row = _task_rows(user, today, follow_ups=False)
    return _section(_("今日待办"), tasks, row)


def followups_due(user, today) -> myday.MyDaySection | None:
    """Follow-ups whose next date (a follow_up task) has come."""
    if not user.has_permission(perms.MY_DAY):
        return None
    tasks, row = _task_rows(user, today, follow_ups=True)
    return _section(_("到期跟进"), tasks, row, link=reverse("engagement:followups"))


def _customer_row(url_name: str, detail: Callable) -> Callable:
    return lambda customer: myday.MyDayRow(title=customer.name, url=reverse(url_name, args=[customer.pk]),
                                           detail=detail(customer))


def stale(user, today) -> myday.MyDaySection | None:
    """My customers whose data is due for review (INFO-7), longest unchecked first."""
    if not user.has_permission(customer_perms.VIEW):
        return None
    reminders = customer_selectors.reminders_in_force()
    rows = customer_selectors.stale_customers_for(user, mine=True, reminders=reminders)
    overdue = lambda customer: _("逾期 %(n)d 天") % {  # noqa: E731
        "n": customer_selectors.stale_rows([customer], reminders)[0].days_overdue}
    return _section(_("资料待核实"), rows, _customer_row("customers:review", overdue), link=reverse("customers:stale"))


def returning(user, today) -> myday.MyDaySection | None:
    """My customers the pool rules return within the warning period (OWN-3), with the rule's reason."""
    if not user.has_permission(customer_perms.VIEW):
        return None
    now = clock.now()
    version = version_in_force(now)
    rules = version.section("pools")
    reason = lambda customer: pools.decide_return(rules, customer, now, version.number).reason  # noqa: E731
    return _section(_("即将退回公海"), pools.returning_soon(user, now, rules=rules).order_by("last_contact_at", "pk"),
                    _customer_row("customers:ownership", reason), link=reverse("customers:mine") + "?soon=1")


# --- the manager's team summary: one query per column for every member ----------------------------------
def _per_owner(rows: QuerySet, field: str) -> dict[int, int]:
    return {row[field]: row["n"] for row in rows.values(field).annotate(n=Count("pk"))}


def team_tasks_due(member_ids: list[int], today) -> dict[int, int]:
    return _per_owner(Task.objects.filter(assignee__in=member_ids, status=TaskStatus.OPEN, due_date__lte=today),
                      "assignee")


def team_stale(member_ids: list[int], today) -> dict[int, int]:
    return _per_owner(Customer.objects.filter(customer_selectors.stale_condition(), owner__in=member_ids,
                                              deleted_at=None), "owner")


def team_returning(member_ids: list[int], today) -> dict[int, int]:
    return _per_owner(Customer._base_manager.filter(pools.returning_soon_q(clock.now()), owner__in=member_ids),
                      "owner")


def register() -> None:
    myday.register(tasks_due, title=gettext_lazy("今日待办"), team=team_tasks_due)
    myday.register(followups_due)
    myday.register(stale, title=gettext_lazy("资料待核实"), team=team_stale)
    myday.register(returning, title=gettext_lazy("即将退回公海"), team=team_returning)

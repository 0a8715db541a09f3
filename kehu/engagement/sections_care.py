"""The "my day" section of care (REL-3, REL-6): the care tasks due this week (two queries)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.engagement import care, myday
from kehu.engagement import permissions_care as perms
from kehu.engagement.models import CareItem, TaskStatus

ROWS = 10
WEEK = dt.timedelta(days=7)


def care_this_week(user, today: dt.date) -> myday.MyDaySection | None:
    if not user.has_permission(perms.CARE_SEND):
        return None
    items = care.care_items(user).filter(on__lte=today + WEEK)
    rows = [myday.MyDayRow(title=item.task.title, detail=item.customer.name, due=care.shown_date(user, item),
                           overdue=item.on < today, url=reverse("engagement:care_detail", args=[item.pk]))
            for item in items[:ROWS]]
    return myday.MyDaySection(title=_("本周客户关怀"), rows=rows, link=reverse("engagement:care_list"),
                              count=len(rows) if len(rows) < ROWS else items.count())


def team_care_this_week(member_ids: list[int], today: dt.date) -> dict[int, int]:
    rows = (CareItem.objects.filter(task__assignee__in=member_ids, task__status=TaskStatus.OPEN,
                                    on__lte=today + WEEK)
            .values("task__assignee").annotate(n=Count("pk")))
    return {row["task__assignee"]: row["n"] for row in rows}


def register() -> None:
    myday.register(care_this_week, title=gettext_lazy("本周客户关怀"), team=team_care_this_week)

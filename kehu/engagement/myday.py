"""The "my day" page (我的一天, REL-6): sections other apps register, like the home page's cards.

A section is ``section(user, today) -> MyDaySection | None`` (None: nothing to show this user) and costs
a fixed small number of queries whatever the user's data. Apps register theirs from AppConfig.ready()::

    from kehu.engagement import myday

    def visits_due(user, today):
        plans = selectors.visits_due(user, today)
        return myday.MyDaySection(title=_("待拜访"), rows=[myday.MyDayRow(...) for plan in plans[:10]],
                                  link=reverse("engagement:visits"), count=plans.count())

    myday.register(visits_due, team=lambda members, today: {...})  # team: optional, see below

``team(member_ids, today) -> {user_pk: count}`` gives the manager's team summary one column: the count
for every member (a list of user ids) in one query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

Section = Callable[..., "MyDaySection | None"]
TeamCount = Callable[..., dict]


@dataclass(frozen=True)
class MyDayRow:
    title: str
    url: str = ""
    detail: str = ""
    due: dt.date | None = None
    overdue: bool = False
    done_url: str = ""  # a POST that marks the row done (a task's), shown as a button


@dataclass(frozen=True)
class MyDaySection:
    title: object
    rows: list[MyDayRow] = field(default_factory=list)
    link: str = ""
    count: int | None = None  # all of them, where ``rows`` shows the first few


@dataclass(frozen=True)
class Registered:
    section: Section
    title: object = ""  # the team summary's column heading
    team: TeamCount | None = None


SECTIONS: list[Registered] = []


def register(section: Section, *, title: object = "", team: TeamCount | None = None) -> Section:
    if all(registered.section is not section for registered in SECTIONS):
        SECTIONS.append(Registered(section, title, team))
    return section


def sections_for(user, today: dt.date) -> list[MyDaySection]:
    return [shown for registered in SECTIONS if (shown := registered.section(user, today)) is not None]


def team_columns() -> list[Registered]:
    return [registered for registered in SECTIONS if registered.team is not None]

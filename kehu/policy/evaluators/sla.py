"""SVC-3: when a ticket's response or resolution is due, whether it is on track, due soon or breached, and
how far up the escalation chain it has gone. Pure: no database, no clock; every datetime is aware.

A clock runs on a calendar. ``24x7`` counts every second. ``working`` counts working hours (the policy's
``workday_start_hour``–``workday_end_hour``, Asia/Shanghai) on China's working days as the chinese_calendar
package publishes them: Monday to Friday, minus statutory holidays, plus the adjusted working weekends (调休).
Pauses (waiting on the customer) stop the clock: time inside a pause never counts. A clock that runs out
exactly at the end of a working day is due then, not at the next morning's start.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import chinese_calendar
from django.utils.translation import gettext as _

from kehu.policy.evaluators.base import SHANGHAI, Decision
from kehu.policy.schemas import SLA_CALENDARS, EscalationStep, SlaRules

ON_TRACK, DUE_SOON, BREACHED = "on_track", "due_soon", "breached"
_MAX_DAYS = 3 * 366  # a budget no calendar can fit in three years is a bug, not a deadline

Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class Calendar:
    kind: str = "24x7"  # "24x7" or "working"
    start_hour: int = 9
    end_hour: int = 18

    def __post_init__(self):
        if self.kind not in SLA_CALENDARS:
            raise ValueError(f"calendar must be one of {SLA_CALENDARS}, not {self.kind!r}")
        if not 0 <= self.start_hour < self.end_hour <= 24:
            raise ValueError("working hours must satisfy 0 <= start < end <= 24")

    @classmethod
    def of(cls, rules: SlaRules, priority: str) -> Calendar:
        return cls(rules.targets[priority].calendar, rules.workday_start_hour, rules.workday_end_hour)

    def windows(self, since: dt.datetime) -> Iterator[Interval]:
        """The counting windows from the Shanghai day holding ``since`` onwards, in order."""
        day = since.astimezone(SHANGHAI).date()
        for _n in range(_MAX_DAYS):
            midnight = dt.datetime.combine(day, dt.time(), SHANGHAI)
            if self.kind == "24x7":
                yield midnight, midnight + dt.timedelta(days=1)
            elif _is_workday(day):
                yield midnight + dt.timedelta(hours=self.start_hour), midnight + dt.timedelta(hours=self.end_hour)
            day += dt.timedelta(days=1)
        raise ValueError("SLA budget does not fit the calendar within three years")


def _is_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # the package publishes each year once the State Council announces it
        raise ValueError(f"chinese_calendar has no working calendar for {day.year}; update the package") from None


def _aware(*moments: dt.datetime) -> None:
    if any(moment.tzinfo is None for moment in moments):
        raise ValueError("evaluators need aware datetimes")


def _merged(pauses: Iterable[Interval]) -> list[Interval]:
    merged: list[list[dt.datetime]] = []
    for start, end in sorted(pauses):
        _aware(start, end)
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def _counting(since: dt.datetime, calendar: Calendar, pauses: Iterable[Interval]) -> Iterator[Interval]:
    """The stretches from ``since`` on during which the clock runs: calendar windows minus pauses."""
    paused = _merged(pauses)
    for start, end in calendar.windows(since):
        start = max(start, since)
        if end <= start:
            continue
        for p_start, p_end in paused:
            if p_end <= start or p_start >= end:
                continue
            if p_start > start:
                yield start, p_start
            start = max(start, p_end)
            if start >= end:
                break
        if start < end:
            yield start, end


def deadline(start: dt.datetime, budget: dt.timedelta, calendar: Calendar,
             pauses: Iterable[Interval] = ()) -> dt.datetime:
    """When a clock started at ``start`` with ``budget`` of counted time runs out (Asia/Shanghai)."""
    _aware(start)
    if budget < dt.timedelta(0):
        raise ValueError("budget must not be negative")
    left = budget
    for w_start, w_end in _counting(start, calendar, pauses):
        if w_end - w_start >= left:
            return w_start + left
        left -= w_end - w_start
    raise AssertionError("unreachable: windows() raises before running out")  # pragma: no cover


def counted(since: dt.datetime, until: dt.datetime, calendar: Calendar,
            pauses: Iterable[Interval] = ()) -> dt.timedelta:
    """Counted time between two moments (zero when ``until`` is not after ``since``)."""
    _aware(since, until)
    total = dt.timedelta(0)
    if until <= since:
        return total
    for w_start, w_end in _counting(since, calendar, pauses):
        if w_start >= until:
            break
        total += min(w_end, until) - w_start
    return total


Counter = Callable[[dt.datetime, dt.datetime, Calendar], dt.timedelta]  # ``counted`` without pauses, or as fast


def state(now: dt.datetime, due: dt.datetime, *, budget: dt.timedelta, calendar: Calendar,
          warning_percent: int = 80, due_soon_hours: int | None = None, counter: Counter = counted) -> str:
    """Breached once ``now`` is past ``due`` (exactly at it is not); due soon once ``warning_percent`` of
    the budget is used (counted time left ≤ the rest of the budget) or, if set, ``due_soon_hours`` or fewer
    counted hours are left; else on track. ``counter``: a faster equal of ``counted`` for a batch (the sweep)."""
    _aware(now, due)
    if now > due:
        return BREACHED
    left = counter(now, due, calendar)
    if left * 100 <= budget * (100 - warning_percent):
        return DUE_SOON
    if due_soon_hours is not None and left <= dt.timedelta(hours=due_soon_hours):
        return DUE_SOON
    return ON_TRACK


def escalation_step(now: dt.datetime, due: dt.datetime, chain: list[EscalationStep],
                    calendar: Calendar, *, counter: Counter = counted) -> EscalationStep | None:
    """The furthest step of ``chain`` reached: a step is reached once the clock is breached and at least
    its ``after_hours`` of counted time have passed since ``due``. None while not breached."""
    _aware(now, due)
    if now <= due:
        return None
    over = counter(due, now, calendar)
    reached = [step for step in chain if over >= dt.timedelta(hours=step.after_hours)]
    # A step of 0 hours is reached the moment the clock breaches, even outside working hours.
    return reached[-1] if reached else None


@dataclass(frozen=True)
class SlaClock(Decision):
    due: dt.datetime
    state: str
    escalated_to: str | None  # the code of the furthest escalation step reached


FIRST_RESPONSE, RESOLUTION = "first_response", "resolution"


def clock(rules: SlaRules, priority: str, *, kind: str = RESOLUTION, opened: dt.datetime, now: dt.datetime,
          pauses: Iterable[Interval] = (), version: int) -> SlaClock:
    """The ``kind`` clock (first response or resolution) of a ticket of ``priority`` opened at ``opened``,
    under ``rules`` of ``version`` (the version in force when the ticket opened)."""
    if kind not in (FIRST_RESPONSE, RESOLUTION):
        raise ValueError(f"kind must be {FIRST_RESPONSE!r} or {RESOLUTION!r}, not {kind!r}")
    pauses = list(pauses)
    target = rules.targets[priority]
    calendar = Calendar.of(rules, priority)
    hours = target.first_response_hours if kind == FIRST_RESPONSE else target.resolution_hours
    budget = dt.timedelta(hours=hours)
    due = deadline(opened, budget, calendar, pauses)
    current = state(now, due, budget=budget, calendar=calendar, warning_percent=rules.breach_warning_percent,
                    due_soon_hours=rules.due_soon_hours)
    step = escalation_step(now, due, rules.escalation, calendar)
    values = {"due": f"{due.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"}
    reasons = {
        RESOLUTION: {BREACHED: _("应于 %(due)s 前解决，已超时"), DUE_SOON: _("应于 %(due)s 前解决，即将到期"),
                     ON_TRACK: _("应于 %(due)s 前解决")},
        FIRST_RESPONSE: {BREACHED: _("应于 %(due)s 前首次响应，已超时"),
                         DUE_SOON: _("应于 %(due)s 前首次响应，即将到期"), ON_TRACK: _("应于 %(due)s 前首次响应")},
    }
    return SlaClock(policy_version=version, reason=reasons[kind][current] % values, due=due, state=current,
                    escalated_to=step.to if step else None)


def resolution_clock(rules: SlaRules, priority: str, **facts) -> SlaClock:
    return clock(rules, priority, kind=RESOLUTION, **facts)

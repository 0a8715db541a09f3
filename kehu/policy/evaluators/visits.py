"""REL-2 and POL-3: which visits a customer is owed under the tier × visitor cadences, and by when.

Cadences are calendar periods in Asia/Shanghai (a month, a quarter, a half-year, a year), not rolling day
counts: "visited monthly" means a visit in every calendar month, which is what the compliance figure
"strategic customers visited this month" counts. A visit anywhere in a period fulfils that period.

The due date of a (customer, rule) is the end of the earliest period still owed: the period after the one
of the last qualifying visit, but never one before the rule began to apply to the customer (``since``: a
customer that becomes strategic owes nothing for the months before). Visited in the current period → the
next period's end, not due. Otherwise: overdue once the due date has passed (a whole period went by without
a visit), due soon in the last ``due_soon_days`` days before it, else not due. Pure: no database, no clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from kehu.policy.evaluators.base import Decision
from kehu.policy.schemas import PERIODS, VisitsRules

NOT_DUE, DUE_SOON, OVERDUE = "not_due", "due_soon", "overdue"
_MONTHS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date
    end: dt.date  # the last day, inclusive

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def following(self) -> Period:
        return period_of(self.kind, self.end + dt.timedelta(days=1))

    def preceding(self) -> Period:
        return period_of(self.kind, self.start - dt.timedelta(days=1))


def period_of(kind: str, day: dt.date) -> Period:
    """The calendar period of ``kind`` that holds ``day``: months, quarters, half-years and years start on
    the 1st of January and of every 1, 3, 6 or 12 months after it."""
    if kind not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}, not {kind!r}")
    months = _MONTHS[kind]
    first = (day.month - 1) // months * months + 1
    start = dt.date(day.year, first, 1)
    after = first + months
    next_start = dt.date(day.year + 1, 1, 1) if after > 12 else dt.date(day.year, after, 1)
    return Period(kind, start, next_start - dt.timedelta(days=1))


@dataclass(frozen=True)
class CadenceRule:
    tier: str
    visitor: str  # "owner" or a role code
    period: str

    @property
    def code(self) -> str:
        return f"{self.tier}.{self.visitor}"


def rules_for(rules: VisitsRules, tier: str) -> list[CadenceRule]:
    """The cadence rules a customer of ``tier`` falls under, in the policy's order."""
    return [CadenceRule(tier, visitor, period) for visitor, period in rules.cadence.get(tier, {}).items()]


def all_rules(rules: VisitsRules) -> list[CadenceRule]:
    return [rule for tier in rules.cadence for rule in rules_for(rules, tier)]


def state_on(due: dt.date, today: dt.date, due_soon_days: int) -> str:
    left = (due - today).days
    if left < 0:
        return OVERDUE
    return DUE_SOON if left < due_soon_days else NOT_DUE


@dataclass(frozen=True)
class VisitDue(Decision):
    rule: CadenceRule
    current: Period  # the period today falls in
    owed: Period  # the earliest period without a visit
    due: dt.date
    state: str
    visited_this_period: bool


def visit_due(rules: VisitsRules, rule: CadenceRule, last_visit: dt.date | None, today: dt.date, *,
              since: dt.date, version: int) -> VisitDue:
    """When is ``rule`` next due for a customer last visited (for this rule) on ``last_visit``, the rule
    applying to it from ``since``?"""
    current = period_of(rule.period, today)
    first = period_of(rule.period, since)
    visited = last_visit is not None and last_visit in current
    if visited:
        owed = current.following()
    elif last_visit is not None and last_visit >= first.start:
        owed = period_of(rule.period, last_visit).following()
    else:
        owed = first
    state = NOT_DUE if visited else state_on(owed.end, today, rules.due_soon_days)
    values = {"due": f"{owed.end:%Y-%m-%d}"}
    reason = {
        OVERDUE: _("应于 %(due)s 前拜访，已逾期"),
        DUE_SOON: _("应于 %(due)s 前拜访，即将到期"),
        NOT_DUE: _("本期已拜访，下次应于 %(due)s 前拜访") if visited else _("应于 %(due)s 前拜访"),
    }[state] % values
    return VisitDue(policy_version=version, reason=reason, rule=rule, current=current, owed=owed, due=owed.end,
                    state=state, visited_this_period=visited)

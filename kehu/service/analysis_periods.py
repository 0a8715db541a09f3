"""The period an analysis covers (SVC-9, SVC-3, FB-2, PERF-1): a calendar month, a quarter or a custom range
of days, always in Beijing time, and the period just before it for the "previous period" column.

A period is read from the query string (``?month=2026-10``, ``?quarter=2026-Q4``, ``?start=…&end=…``); with
none of them it is the current month. The previous period of a month is the month before, of a quarter the
quarter before, of a custom range the same number of days just before it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.core.errors import DomainError
from kehu.policy.evaluators.base import SHANGHAI

MONTH, QUARTER, RANGE = "month", "quarter", "range"
MAX_RANGE_DAYS = 731  # two years: a longer custom range is a mistake, and would read the whole table
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")


def _month_start(day: dt.date, months_back: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


def _month_end(start: dt.date) -> dt.date:
    return _month_start(start, -1) - dt.timedelta(days=1)


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), SHANGHAI)


@dataclass(frozen=True)
class Period:
    kind: str  # MONTH, QUARTER or RANGE
    start: dt.date
    end: dt.date  # inclusive

    @property
    def since(self) -> dt.datetime:
        """The first moment of the period (Beijing midnight)."""
        return midnight(self.start)

    @property
    def until(self) -> dt.datetime:
        """The first moment after the period."""
        return midnight(self.end + dt.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        if self.kind == MONTH:
            return _("%(year)s年%(month)s月") % {"year": self.start.year, "month": self.start.month}
        if self.kind == QUARTER:
            return _("%(year)s年第%(quarter)s季度") % {"year": self.start.year, "quarter": (self.start.month - 1) // 3 + 1}
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}"

    @property
    def code(self) -> str:
        """The query-string value that selects this period again."""
        if self.kind == MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start:%Y-%m-%d}..{self.end:%Y-%m-%d}"

    def query(self) -> dict[str, str]:
        if self.kind == MONTH:
            return {"month": self.code}
        if self.kind == QUARTER:
            return {"quarter": self.code}
        return {"start": f"{self.start:%Y-%m-%d}", "end": f"{self.end:%Y-%m-%d}"}

    def preceding(self) -> Period:
        if self.kind == MONTH:
            start = _month_start(self.start, 1)
            return Period(MONTH, start, _month_end(start))
        if self.kind == QUARTER:
            start = _month_start(self.start, 3)
            return Period(QUARTER, start, _month_end(_month_start(start, -2)))
        end = self.start - dt.timedelta(days=1)
        return Period(RANGE, end - dt.timedelta(days=self.days - 1), end)

    def months(self, count: int = 12) -> list[dt.date]:
        """The first days of the ``count`` months ending with the one holding the period's end, oldest first."""
        return [_month_start(self.end, back) for back in range(count - 1, -1, -1)]


def month(day: dt.date) -> Period:
    start = _month_start(day)
    return Period(MONTH, start, _month_end(start))


def quarter(day: dt.date) -> Period:
    start = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return Period(QUARTER, start, _month_end(_month_start(start, -2)))


def _invalid(field: str, message) -> DomainError:
    return DomainError("invalid_period", message, field=field, status=422)


def parse(*, month_code: str = "", quarter_code: str = "", start: str = "", end: str = "",
          today: dt.date | None = None) -> Period:
    """The period the caller asked for; the current month when they asked for none. Bad input is a 422
    naming the parameter, never a silent fallback (a report for the wrong month is worse than an error)."""
    if start or end:
        try:
            first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
        except ValueError:
            raise _invalid("start" if not _is_date(start) else "end", _("日期格式应为 YYYY-MM-DD")) from None
        if last < first:
            raise _invalid("end", _("结束日期不能早于开始日期"))
        if (last - first).days + 1 > MAX_RANGE_DAYS:
            raise _invalid("end", _("自定义期间最长 %(days)s 天") % {"days": MAX_RANGE_DAYS})
        return Period(RANGE, first, last)
    if quarter_code:
        matched = _QUARTER.match(quarter_code.strip())
        if not matched:
            raise _invalid("quarter", _("季度格式应为 2026-Q4"))
        return quarter(dt.date(int(matched[1]), int(matched[2]) * 3 - 2, 1))
    if month_code:
        matched = _MONTH.match(month_code.strip())
        if not matched or not 1 <= int(matched[2]) <= 12:
            raise _invalid("month", _("月份格式应为 2026-10"))
        return month(dt.date(int(matched[1]), int(matched[2]), 1))
    return month(today or clock.today())


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True

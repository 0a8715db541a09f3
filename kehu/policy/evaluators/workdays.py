"""China's working days, for every clock that counts working time (SVC-3) and for the festival dates of care
(REL-3). Pure: no database, no clock.

The State Council announces each year's holidays and adjusted working days (调休) around November of the
year before; the chinese_calendar package publishes them in a release after that. A clock never stops at
the end of what the package knows: a ticket opened in December routinely runs into January. For a year the
package does not publish yet, the days off are the statutory ones of the 2024 holiday rules
(《全国年节及纪念日放假办法》, in force since 2025) on the days they fall, and weekends; the adjusted working
days cannot be known, so none. A warning is logged once per year so that the operator updates the package;
the clocks then use the announced calendar from the next computation on.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging

import chinese_calendar
from lunar_python import Lunar, LunarMonth

log = logging.getLogger(__name__)


def lunar_to_solar(year: int, month: int, day: int) -> dt.date:
    """Lunar year/month/day (ordinary month) → solar date; a 30th in a 29-day month is its last day."""
    day = min(day, LunarMonth.fromYm(year, month).getDayCount())
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def qingming(year: int) -> dt.date:
    """Tomb-Sweeping Day: the day of the 清明 solar term."""
    term = Lunar.fromYmd(year, 3, 1).getJieQiTable()["清明"]
    return dt.date(term.getYear(), term.getMonth(), term.getDay())


@functools.cache
def statutory_days_off(year: int) -> frozenset[dt.date]:
    """The statutory holidays of ``year`` on their own days (2024 rules): New Year's Day; Spring Festival's
    eve and first three days; Qingming; 1–2 May; Dragon Boat; Mid-Autumn; 1–3 October."""
    spring = lunar_to_solar(year, 1, 1)
    return frozenset({
        dt.date(year, 1, 1),
        *(spring + dt.timedelta(days=offset) for offset in range(-1, 3)),
        qingming(year),
        dt.date(year, 5, 1), dt.date(year, 5, 2),
        lunar_to_solar(year, 5, 5),
        lunar_to_solar(year, 8, 15),
        dt.date(year, 10, 1), dt.date(year, 10, 2), dt.date(year, 10, 3),
    })


def is_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        _warn_provisional(day.year)
        return day.weekday() < 5 and day not in statutory_days_off(day.year)


@functools.cache
def _warn_provisional(year: int) -> None:
    log.warning("chinese_calendar does not publish %s yet: working time in %s counts weekdays minus the statutory "
                "holidays, without the adjusted working days; update the chinesecalendar package", year, year)


"""REL-3: the care occasions (birthdays, festivals, statutory holidays, anniversaries) in a window of days.

Pure functions of (care rules, facts, dates). A care task is created ``lead_days`` before its occasion,
so the sweep asks for the occasions between today and today + lead_days (``window``).

- A **solar birthday** falls on the same month and day; 29 February falls on 28 February in a common year.
- A **lunar birthday** (``Contact.birthday_is_lunar``) keeps the date of birth as the solar date; the lunar
  month and day of that date are celebrated each lunar year. Born in a leap month (闰月): celebrated in
  the ordinary month of the same number, as most families do. Born on the 30th: a short (29-day) month
  has no 30th, so the last day of the month.
- **Spring Festival** is lunar 1/1 and **Mid-Autumn** lunar 8/15 (lunar-python).
- A **statutory holiday** is the first day off of its period as the State Council announced it
  (chinese-calendar), a weekend joined to the break included, so care reaches the customer before it; for a year the library does not
  know yet, the holiday's own day (1 January, Qingming, 1 May, lunar 5/5, 1 October).
- A **cooperation anniversary** counts whole years from the date cooperation started.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import chinese_calendar
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N
from lunar_python import Solar

from kehu.policy.evaluators.workdays import lunar_to_solar, qingming
from kehu.policy.schemas import CareRules

# kind → label (marked for translation, translated where shown)
KINDS = {
    "birthday": N("生日"),
    "spring_festival": N("春节"),
    "mid_autumn": N("中秋节"),
    "holiday": N("法定节假日"),
    "anniversary": N("合作周年"),
}
HOLIDAY_LABELS = {
    "new_years_day": N("元旦"),
    "tomb_sweeping_day": N("清明节"),
    "labour_day": N("劳动节"),
    "dragon_boat_festival": N("端午节"),
    "national_day": N("国庆节"),
}


@dataclass(frozen=True)
class Occasion:
    kind: str  # a key of KINDS
    on: dt.date
    code: str = ""  # the holiday's code, for kind "holiday"
    years: int = 0  # for kind "anniversary"

    @property
    def label(self) -> str:
        if self.kind == "holiday":
            return _(HOLIDAY_LABELS[self.code])
        if self.kind == "anniversary":
            return _("合作 %(years)s 周年") % {"years": self.years}
        return _(KINDS[self.kind])


def window(rules: CareRules, today: dt.date) -> tuple[dt.date, dt.date]:
    """The days whose occasions get a care task today: today … today + lead_days."""
    return today, today + dt.timedelta(days=rules.lead_days)


def solar_birthday(born: dt.date, year: int) -> dt.date:
    if born.month == 2 and born.day == 29:
        try:
            return dt.date(year, 2, 29)
        except ValueError:
            return dt.date(year, 2, 28)
    return born.replace(year=year)


def lunar_birthday(born: dt.date, lunar_year: int) -> dt.date:
    """The solar date of the birthday in ``lunar_year`` of someone born (solar) on ``born``."""
    lunar = Solar.fromYmd(born.year, born.month, born.day).getLunar()
    return lunar_to_solar(lunar_year, abs(lunar.getMonth()), lunar.getDay())  # negative month: a leap month


def _in(start: dt.date, end: dt.date, days) -> list[dt.date]:
    return sorted({day for day in days if start <= day <= end})


def _years(start: dt.date, end: dt.date) -> range:
    # a lunar year starts in late January or February: lunar year Y-1 can still land in solar year Y
    return range(start.year - 1, end.year + 1)


def birthdays_between(born: dt.date, lunar: bool, start: dt.date, end: dt.date) -> list[dt.date]:
    if lunar:
        return _in(start, end, (lunar_birthday(born, year) for year in _years(start, end)))
    return _in(start, end, (solar_birthday(born, year) for year in range(start.year, end.year + 1)))


def anniversaries_between(since: dt.date, start: dt.date, end: dt.date) -> list[Occasion]:
    return [Occasion("anniversary", day, years=day.year - since.year)
            for day in _in(start, end, (solar_birthday(since, year) for year in range(start.year, end.year + 1)))
            if day.year > since.year]


def _holiday_by_rule(code: str, year: int) -> dt.date:
    if code == "tomb_sweeping_day":
        return qingming(year)
    if code == "dragon_boat_festival":
        return lunar_to_solar(year, 5, 5)
    return {"new_years_day": dt.date(year, 1, 1), "labour_day": dt.date(year, 5, 1),
            "national_day": dt.date(year, 10, 1)}[code]


def holiday_start(code: str, year: int) -> dt.date:
    """The first day off of holiday ``code`` in ``year`` as announced; the holiday's own day if not yet announced."""
    day = _holiday_by_rule(code, year)
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return day
    if not on_holiday or name != chinese_calendar.Holiday[code].value:
        return day  # the library does not have this holiday on its day (a rearranged year): keep the day
    while True:  # back over the days off of the same break: the holiday's own, and a weekend joined to it
        before = day - dt.timedelta(days=1)
        if chinese_calendar.get_holiday_detail(before) not in {(True, name), (True, None)}:
            return day
        day = before


def festivals_between(rules: CareRules, start: dt.date, end: dt.date) -> list[Occasion]:
    """Spring Festival, Mid-Autumn and the chosen statutory holidays between ``start`` and ``end``."""
    found: list[Occasion] = []
    for year in _years(start, end):
        if rules.spring_festival:
            found.append(Occasion("spring_festival", lunar_to_solar(year, 1, 1)))
        if rules.mid_autumn:
            found.append(Occasion("mid_autumn", lunar_to_solar(year, 8, 15)))
        found += [Occasion("holiday", holiday_start(code, year), code=code) for code in rules.holidays]
    return sorted((o for o in set(found) if start <= o.on <= end), key=lambda o: (o.on, o.kind, o.code))

"""SVC-3: the working calendar keeps counting past the last year the chinese_calendar package publishes.

A ticket opened in December runs into January; until the package publishes the new year, working time there
counts weekdays minus the statutory holidays of the 2024 rules on their own days (no adjusted working days).
"""

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from kehu.policy.evaluators import sla, workdays

pytestmark = pytest.mark.req("SVC-3")

SH = ZoneInfo("Asia/Shanghai")
WORKING = sla.Calendar("working")
H = dt.timedelta(hours=1)


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_statutory_rule_agrees_with_the_announced_calendar_of_the_years_under_the_2024_rules(year):
    # Every statutory day the rule names is a day off in the State Council's announcement for that year.
    assert all(chinese_calendar.is_holiday(day) for day in workdays.statutory_days_off(year))
    assert len(workdays.statutory_days_off(year)) == 13  # the 13 statutory days off since 2025


def test_an_unpublished_year_counts_weekdays_minus_its_statutory_holidays(monkeypatch):
    monkeypatch.setattr(workdays.chinese_calendar, "is_workday", _published_until(2026))
    assert workdays.is_workday(dt.date(2027, 1, 4))  # a Monday
    assert not workdays.is_workday(dt.date(2027, 1, 1))  # New Year's Day, a Friday
    assert not workdays.is_workday(dt.date(2027, 1, 9))  # a Saturday
    assert [workdays.is_workday(dt.date(2027, 2, day)) for day in range(4, 10)] == [
        True, False, False, False, False, True]  # Spring Festival: the eve (5 Feb) and the first three days
    assert not workdays.is_workday(dt.date(2027, 9, 15))  # Mid-Autumn, lunar 8/15


def test_a_clock_opened_on_new_years_eve_runs_into_the_unpublished_year(monkeypatch, caplog):
    monkeypatch.setattr(workdays.chinese_calendar, "is_workday", _published_until(2026))
    workdays._warn_provisional.cache_clear()
    opened = dt.datetime(2026, 12, 31, 17, tzinfo=SH)  # Thursday: 17–18 counts, then New Year and a weekend
    with caplog.at_level(logging.WARNING, logger="kehu.policy.evaluators.workdays"):
        assert sla.deadline(opened, 2 * H, WORKING) == dt.datetime(2027, 1, 4, 10, tzinfo=SH)
    assert "2027" in caplog.text and "chinesecalendar" in caplog.text  # the operator is told to update


def test_the_real_package_has_no_year_after_2026_yet_and_the_clock_still_answers():
    # Guards the assumption above with the installed package: when it publishes 2027, this test still passes
    # (the announced calendar wins) and the provisional rule simply stops being used for that year.
    due = sla.deadline(dt.datetime(2026, 12, 31, 17, tzinfo=SH), 2 * H, WORKING)
    assert dt.datetime(2027, 1, 4, 9, tzinfo=SH) < due <= dt.datetime(2027, 1, 5, 18, tzinfo=SH)


def _published_until(last_year: int):
    real = chinese_calendar.is_workday

    def is_workday(day):
        if day.year > last_year:
            raise NotImplementedError(f"no available data for year {day.year}")
        return real(day)

    return is_workday

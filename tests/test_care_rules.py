"""REL-3 care occasions: pure evaluator, no database. Lunar birthdays land on their solar dates."""

import datetime as dt

import pytest
from lunar_python import Lunar

from kehu.policy.evaluators import care
from kehu.policy.schemas import CareRules

pytestmark = pytest.mark.req("REL-3")

YEARS_2027_2028 = (dt.date(2027, 1, 1), dt.date(2028, 12, 31))


def solar_of(year: int, month: int, day: int) -> dt.date:
    """The solar date of a lunar date (a negative month is a leap month)."""
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


def test_a_lunar_birthday_on_the_fifteenth_of_the_eighth_month_lands_on_mid_autumn_each_year():
    born = solar_of(1988, 8, 15)
    assert born == dt.date(1988, 9, 25)
    assert care.birthdays_between(born, True, *YEARS_2027_2028) == [dt.date(2027, 9, 15), dt.date(2028, 10, 3)]
    # the same person celebrating by the solar calendar
    assert care.birthdays_between(born, False, *YEARS_2027_2028) == [dt.date(2027, 9, 25), dt.date(2028, 9, 25)]


def test_a_leap_month_birthday_is_celebrated_in_the_ordinary_month():
    born = solar_of(2023, -2, 10)  # 闰二月初十 2023
    assert born == dt.date(2023, 3, 31)
    # neither 2027 nor 2028 has a leap second month: the ordinary second month's 10th
    assert care.birthdays_between(born, True, *YEARS_2027_2028) == [solar_of(2027, 2, 10), solar_of(2028, 2, 10)]
    assert solar_of(2027, 2, 10) == dt.date(2027, 3, 17)


def test_a_birthday_on_the_thirtieth_falls_on_the_last_day_of_a_short_month():
    born = solar_of(2023, 12, 30)  # 2023's twelfth month has 30 days; 2025's has 29
    assert care.birthdays_between(born, True, dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == [
        solar_of(2025, 12, 29)]


def test_a_lunar_birthday_late_in_the_lunar_year_falls_in_the_next_solar_year():
    born = solar_of(1990, 12, 20)
    assert care.birthdays_between(born, True, dt.date(2028, 1, 1), dt.date(2028, 1, 31)) == [solar_of(2027, 12, 20)]


def test_29_february_falls_on_28_february_in_a_common_year():
    born = dt.date(2000, 2, 29)
    assert care.birthdays_between(born, False, *YEARS_2027_2028) == [dt.date(2027, 2, 28), dt.date(2028, 2, 29)]
    assert [o.on for o in care.anniversaries_between(born, *YEARS_2027_2028)] == [
        dt.date(2027, 2, 28), dt.date(2028, 2, 29)]


def test_anniversaries_count_whole_years_and_not_the_first_day():
    since = dt.date(2026, 12, 7)
    assert care.anniversaries_between(since, dt.date(2026, 12, 1), dt.date(2026, 12, 31)) == []
    [first] = care.anniversaries_between(since, dt.date(2027, 12, 1), dt.date(2027, 12, 31))
    assert (first.on, first.years, first.label) == (dt.date(2027, 12, 7), 1, "合作 1 周年")


def test_festivals_spring_festival_and_mid_autumn_from_the_lunar_calendar():
    found = care.festivals_between(CareRules(holidays=[]), *YEARS_2027_2028)
    assert [(o.kind, o.on) for o in found] == [
        ("spring_festival", dt.date(2027, 2, 6)), ("mid_autumn", dt.date(2027, 9, 15)),
        ("spring_festival", dt.date(2028, 1, 26)), ("mid_autumn", dt.date(2028, 10, 3))]


def test_statutory_holidays_start_on_the_first_day_off_announced():
    rules = CareRules(spring_festival=False, mid_autumn=False, holidays=["labour_day", "national_day",
                                                                        "dragon_boat_festival"])
    found = care.festivals_between(rules, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert [(o.code, o.on) for o in found] == [
        ("labour_day", dt.date(2025, 5, 1)), ("dragon_boat_festival", dt.date(2025, 5, 31)),
        ("national_day", dt.date(2025, 10, 1))]
    # 2024: the Dragon Boat Festival (10 June) was a Monday off after the weekend of 8-9 June
    rules = CareRules(spring_festival=False, mid_autumn=False, holidays=["dragon_boat_festival"])
    [dragon] = care.festivals_between(rules, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert dragon.on == dt.date(2024, 6, 8)


def test_a_holiday_in_a_year_not_yet_announced_is_its_own_day():
    rules = CareRules(spring_festival=False, mid_autumn=False, holidays=["tomb_sweeping_day", "national_day"])
    found = care.festivals_between(rules, dt.date(2031, 1, 1), dt.date(2031, 12, 31))
    assert [(o.code, o.on) for o in found] == [("tomb_sweeping_day", dt.date(2031, 4, 5)),
                                               ("national_day", dt.date(2031, 10, 1))]


def test_the_window_runs_lead_days_ahead():
    assert care.window(CareRules(lead_days=3), dt.date(2027, 9, 12)) == (dt.date(2027, 9, 12), dt.date(2027, 9, 15))
    assert care.window(CareRules(lead_days=0), dt.date(2027, 9, 12)) == (dt.date(2027, 9, 12), dt.date(2027, 9, 12))

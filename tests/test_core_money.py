"""CNY money, Chinese date formats, their template filters and the industry list (PLAT-6, INFO-1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from kehu.core.industries import INDUSTRIES, INDUSTRY_CHOICES, industry_label
from kehu.core.money import format_cny, format_cny_long, format_wan, to_money

pytestmark = pytest.mark.req("PLAT-6")


@pytest.mark.parametrize(
    "value,expected",
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("-0.005", "-0.01"),
        ("2.675", "2.68"),  # as a float 2.675 is 2.67499…; as a Decimal string it rounds up
        ("0.125", "0.13"),  # half-up, not banker's (which would give 0.12)
        (Decimal("1234.5"), "1234.50"),
        (7, "7.00"),
        (" 12.3 ", "12.30"),
        ("-0.001", "0.00"),
    ],
)
def test_to_money_quantises_half_up(value, expected):
    result = to_money(value)
    assert isinstance(result, Decimal)
    assert str(result) == expected


@pytest.mark.parametrize("value", [0.1, 1.0, True, None, [1]])
def test_to_money_refuses_floats_and_other_types(value):
    with pytest.raises(TypeError):
        to_money(value)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf", Decimal("NaN"), "12元", "", "1e400000"])
def test_to_money_refuses_non_finite_and_non_numbers(value):
    with pytest.raises(ValueError):
        to_money(value)


@given(cents=st.integers(-(10**15), 10**15))
def test_to_money_keeps_whole_cents_exactly(cents):
    amount = Decimal(cents) / 100
    assert to_money(amount) == amount


@pytest.mark.parametrize(
    "value,expected",
    [("1234.56", "¥1,234.56"), ("-1234.56", "-¥1,234.56"), (0, "¥0.00"), ("1234567.891", "¥1,234,567.89")],
)
def test_format_cny(value, expected):
    assert format_cny(value) == expected


@pytest.mark.parametrize(
    "value,expected",
    [
        ("1234567", "123.46 万元"),
        ("10000", "1.00 万元"),
        ("-12345678", "-1,234.57 万元"),
        ("9999.99", "9,999.99 元"),
        ("-5", "-5.00 元"),
    ],
)
def test_format_wan(value, expected):
    assert format_wan(value) == expected


def test_format_cny_long():
    assert format_cny_long("12345678") == "¥12,345,678.00（1,234.57 万元）"
    assert format_cny_long("999.5") == "¥999.50"


def render(source: str, **context) -> str:
    return Template("{% load kehu_format %}" + source).render(Context(context))


def test_money_filters():
    assert render("{{ a|cny }} {{ a|wan }}", a=Decimal("1234567")) == "¥1,234,567.00 123.46 万元"
    assert render("[{{ a|cny }}][{{ a|wan }}]", a=None) == "[][]"


def test_cndate_filter_in_shanghai_time():
    assert render("{{ d|cndate }}", d=dt.date(2026, 11, 22)) == "2026-11-22"
    assert render("{{ t|cndate }}", t=dt.datetime(2026, 11, 22, 6, 5, tzinfo=dt.UTC)) == "2026-11-22 14:05"
    # 20:00 UTC is already the next day in Shanghai.
    assert render("{{ t|cndate }}", t=dt.datetime(2026, 11, 22, 20, 0, tzinfo=dt.UTC)) == "2026-11-23 04:00"
    new_york = dt.datetime(2026, 11, 22, 1, 5, tzinfo=ZoneInfo("America/New_York"))
    assert render("{{ t|cndate }}", t=new_york) == "2026-11-22 14:05"
    assert render("[{{ t|cndate }}]", t=None) == "[]"


@pytest.mark.req("INFO-1")
def test_industry_sections_of_gb_t_4754_2017():
    assert [i.code for i in INDUSTRIES] == list("ABCDEFGHIJKLMNOPQRST")
    assert industry_label("A", "zh-hans") == "农、林、牧、渔业"
    assert industry_label("i", "en") == "Information Transmission, Software and Information Technology Services"
    assert industry_label("T", "zh-hans") == "国际组织"
    with pytest.raises(KeyError):
        industry_label("U", "zh-hans")


@pytest.mark.req("INFO-1")
def test_industry_choices_follow_the_active_language():
    code, label = INDUSTRY_CHOICES[2]
    with translation.override("zh-hans"):
        assert (code, str(label)) == ("C", "制造业")
    with translation.override("en"):
        assert str(label) == "Manufacturing"

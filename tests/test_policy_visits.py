"""REL-2 visit cadences: the policy section and its pure evaluator, at every calendar-period boundary.

"Today" comes from the controllable clock: the period turns at midnight Asia/Shanghai, which is 16:00 UTC
the day before, so the boundary cases freeze the clock on both sides of it."""

import copy
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kehu.core import clock
from kehu.policy import schemas
from kehu.policy.defaults import DEFAULT_RULES
from kehu.policy.evaluators import visits
from kehu.policy.evaluators.visits import DUE_SOON, NOT_DUE, OVERDUE, CadenceRule, period_of, visit_due

pytestmark = [pytest.mark.req("REL-2"), pytest.mark.req("POL-3")]

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC
RULES = schemas.PolicyRules().visits
MONTHLY = CadenceRule("strategic", "key_account_manager", "month")
QUARTERLY = CadenceRule("strategic", "quality_engineer", "quarter")
HALF_YEARLY = CadenceRule("strategic", "general_manager", "half_year")
YEARLY = CadenceRule("key", "marketing_vp", "year")
SINCE = dt.date(2025, 1, 1)
D = dt.date


def test_default_matrix_is_the_requirements():
    # REL-2: top management with strategic customers every 6 months, the key-account manager monthly,
    # the technical lead every 6 months, the quality engineer quarterly; other tiers as the policy sets.
    assert [(r.visitor, r.period) for r in visits.rules_for(RULES, "strategic")] == [
        ("general_manager", "half_year"), ("key_account_manager", "month"), ("technical_engineer", "half_year"),
        ("quality_engineer", "quarter")]
    assert ("owner", "quarter") in [(r.visitor, r.period) for r in visits.rules_for(RULES, "key")]
    assert visits.rules_for(RULES, "potential") == []
    assert MONTHLY.code == "strategic.key_account_manager"
    assert len(visits.all_rules(RULES)) == 9


@pytest.mark.parametrize("kind,day,start,end", [
    ("month", D(2026, 2, 1), D(2026, 2, 1), D(2026, 2, 28)),
    ("month", D(2028, 2, 29), D(2028, 2, 1), D(2028, 2, 29)),  # leap year
    ("month", D(2026, 12, 31), D(2026, 12, 1), D(2026, 12, 31)),
    ("quarter", D(2026, 3, 31), D(2026, 1, 1), D(2026, 3, 31)),
    ("quarter", D(2026, 4, 1), D(2026, 4, 1), D(2026, 6, 30)),
    ("quarter", D(2026, 12, 15), D(2026, 10, 1), D(2026, 12, 31)),
    ("half_year", D(2026, 6, 30), D(2026, 1, 1), D(2026, 6, 30)),
    ("half_year", D(2026, 7, 1), D(2026, 7, 1), D(2026, 12, 31)),
    ("year", D(2026, 7, 1), D(2026, 1, 1), D(2026, 12, 31)),
])
def test_periods_are_calendar_aligned(kind, day, start, end):
    period = period_of(kind, day)
    assert (period.start, period.end) == (start, end)
    assert day in period and period.following().start == end + dt.timedelta(days=1)
    assert period.preceding().end == start - dt.timedelta(days=1)


def test_unknown_period_is_refused():
    with pytest.raises(ValueError):
        period_of("week", D(2026, 1, 1))


def _due(rule, last_visit, at: dt.datetime, since=SINCE):
    with clock.frozen(at):
        return visit_due(RULES, rule, last_visit, clock.today(), since=since, version=3)


def _sh(y, m, d, h=12, minute=0):
    return dt.datetime(y, m, d, h, minute, tzinfo=SH)


@pytest.mark.parametrize("at,state,due", [
    # Visited in November: December is owed, due 12-31.
    (_sh(2026, 12, 1, 0, 0), NOT_DUE, D(2026, 12, 31)),
    (_sh(2026, 12, 24, 23, 59), NOT_DUE, D(2026, 12, 31)),  # 7 days left: not yet "soon"
    (_sh(2026, 12, 25, 0, 0), DUE_SOON, D(2026, 12, 31)),  # the last 7 days of the period
    (_sh(2026, 12, 31, 23, 59), DUE_SOON, D(2026, 12, 31)),
    (_sh(2027, 1, 1, 0, 0), OVERDUE, D(2026, 12, 31)),  # December went by without a visit
    (dt.datetime(2026, 12, 31, 15, 59, tzinfo=UTC), DUE_SOON, D(2026, 12, 31)),  # 23:59 in Shanghai
    (dt.datetime(2026, 12, 31, 16, 0, tzinfo=UTC), OVERDUE, D(2026, 12, 31)),  # midnight in Shanghai
])
def test_monthly_rule_at_its_boundaries(at, state, due):
    decision = _due(MONTHLY, D(2026, 11, 30), at)
    assert (decision.state, decision.due) == (state, due)
    assert decision.policy_version == 3 and not decision.visited_this_period


def test_a_visit_in_the_calendar_month_counts_for_that_month_only():
    # Visited on the 1st: the month is done, the next one is due at its end.
    done = _due(MONTHLY, D(2026, 12, 1), _sh(2026, 12, 31, 23, 59))
    assert done.visited_this_period and done.state == NOT_DUE and done.due == D(2027, 1, 31)
    assert "2027-01-31" in done.reason
    # Visited on the last day of November: 30 days ago at most, but December itself is still owed.
    owed = _due(MONTHLY, D(2026, 11, 30), _sh(2026, 12, 2))
    assert not owed.visited_this_period and owed.due == D(2026, 12, 31)


def test_overdue_keeps_the_earliest_missed_period():
    decision = _due(MONTHLY, D(2026, 9, 15), _sh(2026, 12, 6))
    assert decision.state == OVERDUE and decision.due == D(2026, 10, 31) and "已逾期" in decision.reason


@pytest.mark.parametrize("rule,last,at,state,due", [
    (QUARTERLY, D(2026, 3, 31), _sh(2026, 6, 23, 23, 59), NOT_DUE, D(2026, 6, 30)),
    (QUARTERLY, D(2026, 3, 31), _sh(2026, 6, 24, 0, 0), DUE_SOON, D(2026, 6, 30)),
    (QUARTERLY, D(2026, 3, 31), _sh(2026, 7, 1, 0, 0), OVERDUE, D(2026, 6, 30)),
    (QUARTERLY, D(2026, 4, 1), _sh(2026, 6, 30, 23, 59), NOT_DUE, D(2026, 9, 30)),  # visited this quarter
    (HALF_YEARLY, D(2026, 6, 30), _sh(2026, 12, 25, 0, 0), DUE_SOON, D(2026, 12, 31)),
    (HALF_YEARLY, D(2026, 6, 30), _sh(2027, 1, 1, 0, 0), OVERDUE, D(2026, 12, 31)),
    (HALF_YEARLY, D(2026, 7, 1), _sh(2026, 12, 31, 23, 59), NOT_DUE, D(2027, 6, 30)),
    (YEARLY, D(2025, 12, 31), _sh(2026, 12, 24, 23, 59), NOT_DUE, D(2026, 12, 31)),
    (YEARLY, D(2025, 12, 31), _sh(2027, 1, 1, 0, 0), OVERDUE, D(2026, 12, 31)),
])
def test_quarter_half_year_and_year_boundaries(rule, last, at, state, due):
    decision = _due(rule, last, at)
    assert (decision.state, decision.due) == (state, due)


def test_never_visited_owes_from_the_period_the_rule_began():
    # Strategic since 2026-12-10: December is owed; nothing before it.
    decision = _due(MONTHLY, None, _sh(2026, 12, 10), since=D(2026, 12, 10))
    assert decision.owed.start == D(2026, 12, 1) and decision.state == NOT_DUE
    # A visit from before the rule applied does not move the first owed period back.
    decision = _due(MONTHLY, D(2025, 6, 1), _sh(2027, 2, 3), since=D(2026, 12, 10))
    assert decision.due == D(2026, 12, 31) and decision.state == OVERDUE


def test_due_soon_window_follows_the_policy():
    rules = RULES.model_copy(update={"due_soon_days": 1})
    with clock.frozen(_sh(2026, 12, 30)):
        assert visit_due(rules, MONTHLY, None, clock.today(), since=D(2026, 12, 1), version=1).state == NOT_DUE
    with clock.frozen(_sh(2026, 12, 31)):
        assert visit_due(rules, MONTHLY, None, clock.today(), since=D(2026, 12, 1), version=1).state == DUE_SOON


def test_cadences_are_validated_with_their_field_path():
    rules = copy.deepcopy(DEFAULT_RULES)
    rules["visits"]["cadence"]["key"]["owner"] = 90
    rules["visits"]["due_soon_days"] = 0
    with pytest.raises(schemas.RulesInvalid) as info:
        schemas.validate_rules(rules)
    errors = {e.field: e.message for e in info.value.errors}
    assert errors["visits.cadence.key.owner"] == "必须是以下值之一：'month'、'quarter'、'half_year'、'year'"
    assert errors["visits.due_soon_days"] == "必须是大于 0 的整数"


def test_versions_in_the_first_format_read_their_day_cadences_as_periods():
    old = {"cadence_days": {"strategic": {"general_manager": 183, "key_account_manager": 30,
                                          "quality_engineer": 91}, "key": {"marketing_vp": 365}}}
    rules = schemas.VisitsRules.model_validate(old)
    assert rules.cadence == {"strategic": {"general_manager": "half_year", "key_account_manager": "month",
                                           "quality_engineer": "quarter"}, "key": {"marketing_vp": "year"}}
    assert rules.period_for("strategic", "key_account_manager") == "month"
    assert rules.period_for("general", "owner") is None


def test_policy_page_shows_the_cadences_in_words():
    from kehu.policy import display

    table = next(t for t in display.tables(schemas.PolicyRules(), {"key_account_manager": "大客户经理"})
                 if t.name == "visits")
    rows = {row.path: (row.label, row.value) for row in table.rows}
    assert rows["visits.cadence.strategic.key_account_manager"] == ("拜访周期（等级 × 拜访人） › 战略客户 › 大客户经理", "每月")
    assert rows["visits.cadence.key.owner"] == ("拜访周期（等级 × 拜访人） › 重点客户 › 客户负责人", "每季度")
    assert rows["visits.cadence.potential"][1] == "无"
    assert rows["visits.due_soon_days"] == ("周期结束前提示即将到期", "7 天")

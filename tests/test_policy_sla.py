"""SVC-3 SLA clocks: pure evaluator, no database. The working calendar comes from the chinese_calendar
package: in 2026 the National Day holiday runs 1–7 October, with Sunday 20 September and Saturday
10 October adjusted working days (调休)."""

import copy
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from kehu.policy import display, schemas
from kehu.policy.defaults import DEFAULT_RULES
from kehu.policy.evaluators import sla
from kehu.policy.evaluators.sla import BREACHED, DUE_SOON, ON_TRACK, Calendar

pytestmark = pytest.mark.req("SVC-3")

SH = ZoneInfo("Asia/Shanghai")
WORKING = Calendar("working")
CLOCK = Calendar("24x7")
H = dt.timedelta(hours=1)


def at(month, day, hour=0, minute=0, second=0, year=2026):
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=SH)


def test_a_ticket_opened_friday_at_five_with_24_working_hours_is_due_wednesday_afternoon():
    # Fri 17–18 (1 h), Mon 9 h, Tue 9 h, Wed 9–14 (5 h)
    assert sla.deadline(at(11, 13, 17), 24 * H, WORKING) == at(11, 18, 14)
    assert sla.deadline(at(11, 13, 17), 24 * H, CLOCK) == at(11, 14, 17)


def test_the_working_clock_skips_national_day_and_counts_the_adjusted_saturday():
    # Wed 30 Sep 17–18 (1 h); 1–7 Oct holiday; Thu 8, Fri 9 (18 h); Sat 10 Oct is a working day: 9–14
    assert sla.deadline(at(9, 30, 17), 24 * H, WORKING) == at(10, 10, 14)
    # the 24x7 clock runs straight through the holiday
    assert sla.deadline(at(9, 30, 17), 24 * H, CLOCK) == at(10, 1, 17)


def test_an_adjusted_working_sunday_counts_and_the_saturday_before_it_does_not():
    # Fri 18 Sep 17–18 (1 h), Sat 19 off, Sun 20 Sep is a working day: 9–17 (8 h)
    assert sla.deadline(at(9, 18, 17), 9 * H, WORKING) == at(9, 20, 17)


def test_outside_working_hours_the_clock_starts_next_working_morning_and_ends_at_the_close_not_next_morning():
    assert sla.deadline(at(11, 14, 10), 1 * H, WORKING) == at(11, 16, 10)  # Saturday → Monday
    assert sla.deadline(at(11, 16, 9), 9 * H, WORKING) == at(11, 16, 18)
    assert sla.deadline(at(11, 16, 20), 0 * H, WORKING) == at(11, 17, 9)


def test_working_hours_come_from_the_policy():
    rules = schemas.SlaRules(workday_start_hour=8, workday_end_hour=17)
    calendar = Calendar.of(rules, "medium")
    assert calendar == Calendar("working", 8, 17)
    assert sla.deadline(at(11, 13, 16), 2 * H, calendar) == at(11, 16, 9)
    around_the_clock = _urgent_24x7(rules)
    assert Calendar.of(around_the_clock, "urgent") == Calendar("24x7", 8, 17)


def _urgent_24x7(rules: schemas.SlaRules) -> schemas.SlaRules:
    # Every priority runs on the working calendar by default (so a complaint's clock skips National Day,
    # the issue-6 done-when); these tests set the 24×7 clock on urgent the way a company would.
    urgent = rules.targets["urgent"].model_copy(update={"calendar": "24x7"})
    return rules.model_copy(update={"targets": {**rules.targets, "urgent": urgent}})


def test_a_pause_spanning_a_weekend_extends_the_deadline_by_the_counted_time_it_covers():
    pause = [(at(11, 13, 12), at(11, 16, 12))]  # waiting on the customer Fri noon → Mon noon
    # working: Thu 10–18 (8 h), Fri 9–12 (3 h), Mon 12–18 (6 h), Tue 9–16 (7 h); without the pause Mon 16:00
    assert sla.deadline(at(11, 12, 10), 24 * H, WORKING) == at(11, 16, 16)
    assert sla.deadline(at(11, 12, 10), 24 * H, WORKING, pause) == at(11, 17, 16)
    # 24x7: Fri 10–12 (2 h), then 22 h from Mon noon
    assert sla.deadline(at(11, 13, 10), 24 * H, CLOCK, pause) == at(11, 17, 10)


def test_overlapping_and_empty_pauses_count_once():
    pauses = [(at(11, 16, 10), at(11, 16, 12)), (at(11, 16, 11), at(11, 16, 13)), (at(11, 16, 15), at(11, 16, 15))]
    assert sla.deadline(at(11, 16, 9), 5 * H, WORKING, pauses) == at(11, 16, 17)


def test_counted_time_between_two_moments():
    assert sla.counted(at(11, 13, 17), at(11, 16, 10), WORKING) == 2 * H
    assert sla.counted(at(11, 13, 17), at(11, 16, 10), CLOCK) == 65 * H
    assert sla.counted(at(11, 16, 10), at(11, 13, 17), CLOCK) == dt.timedelta(0)


def test_exactly_at_the_deadline_is_not_breached_one_second_later_is():
    due = sla.deadline(at(11, 13, 17), 24 * H, WORKING)
    assert sla.state(due, due, budget=24 * H, calendar=WORKING) == DUE_SOON
    assert sla.state(due + dt.timedelta(seconds=1), due, budget=24 * H, calendar=WORKING) == BREACHED


def test_due_soon_once_the_warning_share_of_the_budget_is_used():
    due = at(11, 16, 10)  # budget 10 h on the clock, opened at midnight; 80 % used at 08:00
    assert sla.state(at(11, 16, 7, 59, 59), due, budget=10 * H, calendar=CLOCK) == ON_TRACK
    assert sla.state(at(11, 16, 8), due, budget=10 * H, calendar=CLOCK) == DUE_SOON
    assert sla.state(at(11, 16, 5), due, budget=10 * H, calendar=CLOCK, warning_percent=50) == DUE_SOON
    # or once no more than due_soon_hours are left
    assert sla.state(at(11, 16, 7), due, budget=10 * H, calendar=CLOCK, due_soon_hours=3) == DUE_SOON
    assert sla.state(at(11, 16, 6, 59), due, budget=10 * H, calendar=CLOCK, due_soon_hours=3) == ON_TRACK


def test_due_soon_counts_working_time_left_not_wall_time():
    due = at(11, 16, 10)  # Monday 10:00; on Friday 17:30 only 1.5 working hours are left
    assert sla.state(at(11, 13, 17, 30), due, budget=10 * H, calendar=WORKING) == DUE_SOON
    assert sla.state(at(11, 13, 17, 30), due, budget=10 * H, calendar=CLOCK) == ON_TRACK


def test_escalation_climbs_owner_manager_vp_by_counted_time_after_the_breach():
    chain = schemas.SlaRules().escalation
    due = at(11, 18, 14)  # Wednesday 14:00, working calendar
    assert sla.escalation_step(due, due, chain, WORKING) is None
    assert sla.escalation_step(due + dt.timedelta(seconds=1), due, chain, WORKING).to == "owner"
    assert sla.escalation_step(at(11, 18, 17, 59), due, chain, WORKING).to == "owner"
    assert sla.escalation_step(at(11, 18, 18), due, chain, WORKING).to == "manager"  # 4 working hours
    assert sla.escalation_step(at(11, 23, 10, 59), due, chain, WORKING).to == "manager"
    # 24 working hours: Wed 4 h, Thu 9 h, Fri 9 h, Mon 9–11
    assert sla.escalation_step(at(11, 23, 11), due, chain, WORKING).to == "marketing_vp"
    assert sla.escalation_step(at(11, 19, 14), due, chain, CLOCK).to == "marketing_vp"


def test_the_resolution_clock_of_the_default_policy_records_its_version():
    rules = schemas.SlaRules()
    clock = sla.resolution_clock(rules, "medium", opened=at(9, 30, 17), now=at(10, 8, 9), version=3)
    # medium: 45 working hours; Sep 30 1 h, Oct 8, 9, 10 (adjusted), 12 → 37 h, Oct 13 9–17
    assert clock.due == at(10, 13, 17)
    assert (clock.state, clock.escalated_to, clock.policy_version) == (ON_TRACK, None, 3)
    with translation.override("zh-hans"):
        assert clock.reason == "应于 2026-10-13 17:00 前解决"
    late = sla.resolution_clock(_urgent_24x7(rules), "urgent", opened=at(9, 30, 17), now=at(10, 2, 17), version=3)
    assert (late.due, late.state, late.escalated_to) == (at(10, 1, 17), BREACHED, "marketing_vp")
    # on the default working calendar the same 24 hours skip the holiday: Sep 30 1 h, Oct 8–9 18 h, Oct 10 9–14
    waiting = sla.resolution_clock(rules, "urgent", opened=at(9, 30, 17), now=at(10, 2, 17), version=3)
    assert (waiting.due, waiting.state, waiting.escalated_to) == (at(10, 10, 14), ON_TRACK, None)


def test_the_first_response_clock_of_a_medium_ticket_skips_national_day():
    rules = schemas.SlaRules()
    first = sla.clock(rules, "medium", kind=sla.FIRST_RESPONSE, opened=at(9, 30, 17), now=at(10, 10, 12),
                      version=1)
    assert (first.due, first.state) == (at(10, 10, 14), DUE_SOON)
    with translation.override("en"):
        reason = sla.clock(rules, "medium", kind=sla.FIRST_RESPONSE, opened=at(9, 30, 17), now=at(10, 10, 15),
                           version=1).reason
    assert reason == "First response due by 2026-10-10 14:00; breached"


def test_naive_datetimes_and_years_the_package_does_not_know_are_refused():
    with pytest.raises(ValueError, match="aware"):
        sla.deadline(dt.datetime(2026, 11, 13, 17), H, WORKING)
    with pytest.raises(ValueError, match="chinese_calendar"):
        sla.deadline(at(1, 6, 9, year=2099), H, WORKING)
    with pytest.raises(ValueError):
        Calendar("business")


# --- the policy section ------------------------------------------------------------------------
def test_default_sla_rules():
    r = schemas.PolicyRules.model_validate(DEFAULT_RULES).sla
    assert {p: (t.first_response_hours, t.resolution_hours, t.calendar) for p, t in r.targets.items()} == {
        # Every priority on the working calendar (it used to be 24x7 for urgent and high): issue 6's strategic
        # complaint clock must skip the National Day holiday by default.
        "urgent": (24, 24, "working"), "high": (24, 48, "working"), "medium": (24, 45, "working"),
        "low": (24, 90, "working")}
    assert (r.workday_start_hour, r.workday_end_hour, r.breach_warning_percent, r.due_soon_hours) == (9, 18, 80, None)
    assert r.auto_close_days == 7
    assert [(s.to, s.after_hours) for s in r.escalation] == [("owner", 0), ("manager", 4), ("marketing_vp", 24)]


def test_versions_with_one_calendar_for_the_section_are_read_with_it_on_every_target():
    old = {"calendar": "working", "targets": {p: {"first_response_hours": 24, "resolution_hours": 72}
                                              for p in schemas.PRIORITIES},
           "breach_warning_percent": 80, "auto_close_days": 7}
    rules = schemas.SlaRules.model_validate(old)
    assert {t.calendar for t in rules.targets.values()} == {"working"}


def _errors(rules):
    with pytest.raises(schemas.RulesInvalid) as caught:
        schemas.validate_rules(rules)
    return {e.field: e.message for e in caught.value.errors}


def test_bad_sla_rules_name_the_field_and_the_rule():
    rules = copy.deepcopy(DEFAULT_RULES)
    rules["sla"]["targets"]["low"]["calendar"] = "business"
    rules["sla"]["workday_start_hour"] = 18
    rules["sla"]["workday_end_hour"] = 9
    rules["sla"]["escalation"] = [{"to": "owner", "after_hours": 4}, {"to": "manager", "after_hours": 4}]
    with translation.override("zh-hans"):
        errors = _errors(rules)
    assert errors["sla.targets.low.calendar"] == "必须是以下值之一：'working'、'24x7'"
    assert errors["sla.workday_end_hour"] == "工作时间结束必须晚于开始"
    assert errors["sla.escalation"] == "升级步骤的超时小时数必须逐级递增"
    with translation.override("en"):
        errors = _errors(rules)
    assert errors["sla.workday_end_hour"] == "The end of working hours must be later than the start"
    assert errors["sla.escalation"] == "Each escalation step must come more hours after the breach than the one before"


def test_the_policy_page_shows_the_calendar_hours_and_escalation_chain():
    rules = schemas.PolicyRules.model_validate(DEFAULT_RULES)
    with translation.override("zh-hans"):
        table = next(t for t in display.tables(rules, {"marketing_vp": "营销副总"}) if t.name == "sla")
    rows = {row.path: row for row in table.rows}
    assert rows["sla.targets.medium.calendar"].value == "工作日历（法定节假日与调休）"
    assert rows["sla.targets.urgent.calendar"].value == "工作日历（法定节假日与调休）"  # the default since issue 6
    assert rows["sla.workday_start_hour"].value == "9 时"
    assert rows["sla.escalation.1.to"].value == "直属上级"
    assert rows["sla.escalation.2.to"].value == "营销副总"
    assert rows["sla.escalation.2.after_hours"].value == "24 小时"
    assert rows["sla.due_soon_hours"].value == "不启用"

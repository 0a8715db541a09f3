"""POL-1 evaluators: pure functions of (rules, facts), no database. Boundaries: day N-1 stays, day N acts."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from kehu.policy.evaluators import exports, pools, reminders, resources, tiers
from kehu.policy.schemas import PolicyRules, ReturnRule

pytestmark = pytest.mark.req("POL-1")

SH = ZoneInfo("Asia/Shanghai")
RULES = PolicyRules()
RECEIVED = dt.datetime(2026, 3, 1, 10, 0, tzinfo=SH)


def day(n: int, hour: int = 9) -> dt.datetime:
    """``n`` calendar days after RECEIVED, at ``hour`` o'clock Shanghai time."""
    return dt.datetime.combine(RECEIVED.date() + dt.timedelta(days=n), dt.time(hour), tzinfo=SH)


# --- tiers -------------------------------------------------------------------------------------
@pytest.mark.req("CLS-1")
@pytest.mark.parametrize("sales,share,designated,expected", [
    ("0", "0", True, "strategic"),
    ("1000", "5.01", False, "strategic"),
    ("1000", "5", False, "key"),  # share must be strictly above 5 %
    ("20000000", "0", False, "key"),  # sales threshold is inclusive
    ("19999999.99", "3", False, "major"),  # 3 % is not above 3 %
    ("1000", "3.5", False, "key"),
    ("5000000", "0", False, "major"),
    ("4999999.99", "0", False, "general"),
    ("0", "0", False, "potential"),
])
def test_classify_standard_scheme_boundaries(sales, share, designated, expected):
    decision = tiers.classify(RULES.tiers, Decimal(sales), Decimal(share), designated, version=7)
    assert decision.tier == expected
    assert decision.policy_version == 7
    assert decision.reason


def test_classify_reason_names_the_threshold():
    decision = tiers.classify(RULES.tiers, Decimal("25000000"), Decimal("1"), version=1)
    assert decision.tier == "key"
    assert "¥20,000,000.00" in decision.reason


def test_classify_abc_scheme():
    abc = RULES.tiers.model_copy(update={"scheme": "abc"})
    assert tiers.classify(abc, Decimal("20000000"), Decimal("0"), version=1).tier == "a"
    assert tiers.classify(abc, Decimal("6000000"), Decimal("0"), version=1).tier == "b"
    assert tiers.classify(abc, Decimal("0"), Decimal("0"), version=1).tier == "c"


def test_classify_deal_without_sales_this_year_is_general():
    decision = tiers.classify(RULES.tiers, Decimal("0"), Decimal("0"), has_deal=True, version=1)
    assert decision.tier == "general"


# --- pool return -------------------------------------------------------------------------------
@pytest.mark.req("OWN-3")
def test_return_after_30_days_without_followup_day_29_stays():
    stays = pools.return_due(RULES.pools, "general", None, RECEIVED, False, day(29, 23), version=3)
    returns = pools.return_due(RULES.pools, "general", None, RECEIVED, False, day(30, 0), version=3)
    assert (stays.due, stays.days_left, stays.rule) == (False, 1, pools.NO_FOLLOWUP)
    assert (returns.due, returns.days_left, returns.policy_version) == (True, 0, 3)
    assert "30 天无跟进" in returns.reason


@pytest.mark.req("OWN-3")
def test_return_counts_from_the_later_of_followup_and_receipt():
    followed_up = day(20)
    assert not pools.return_due(RULES.pools, "major", followed_up, RECEIVED, False, day(49), version=1).due
    assert pools.return_due(RULES.pools, "major", followed_up, RECEIVED, False, day(50), version=1).due
    # A follow-up older than the receipt does not move the clock back.
    old = RECEIVED - dt.timedelta(days=100)
    assert not pools.return_due(RULES.pools, "major", old, RECEIVED, False, day(29), version=1).due


@pytest.mark.req("OWN-3")
def test_return_without_deal_after_90_days_even_with_followups():
    followups = day(88)
    stays = pools.return_due(RULES.pools, "general", followups, RECEIVED, False, day(89), version=1)
    returns = pools.return_due(RULES.pools, "general", followups, RECEIVED, False, day(90), version=1)
    assert (stays.due, stays.rule) == (False, pools.NO_DEAL)
    assert (returns.due, returns.rule) == (True, pools.NO_DEAL)


@pytest.mark.req("OWN-3")
def test_warning_k_days_before():
    assert not pools.return_due(RULES.pools, "general", None, RECEIVED, False, day(26), version=1).warn
    assert pools.return_due(RULES.pools, "general", None, RECEIVED, False, day(27), version=1).warn
    assert pools.return_due(RULES.pools, "general", None, RECEIVED, False, day(29), version=1).warn
    assert not pools.return_due(RULES.pools, "general", None, RECEIVED, False, day(30), version=1).warn


@pytest.mark.req("OWN-3")
@pytest.mark.parametrize("tier,locked", [("strategic", False), ("key", False), ("general", True)])
def test_strategic_key_and_locked_never_return(tier, locked):
    decision = pools.return_due(RULES.pools, tier, None, RECEIVED, locked, day(400), version=1)
    assert (decision.due, decision.days_left, decision.rule) == (False, None, None)


@pytest.mark.req("OWN-3")
def test_tier_override_replaces_the_default_rule():
    rules = RULES.pools.model_copy(update={"tier_overrides": {"potential": ReturnRule(no_followup_days=10,
                                                                                      no_deal_days=None)}})
    assert not pools.return_due(rules, "potential", None, RECEIVED, False, day(9), version=1).due
    assert pools.return_due(rules, "potential", None, RECEIVED, False, day(10), version=1).due
    assert not pools.return_due(rules, "general", None, RECEIVED, False, day(10), version=1).due


@pytest.mark.req("OWN-3")
def test_a_won_customer_without_a_recorded_deal_meets_the_no_deal_rule():
    followed_up = day(80)
    assert pools.return_due(RULES.pools, "general", followed_up, RECEIVED, False, day(90), version=1).due
    won = pools.return_due(RULES.pools, "general", followed_up, RECEIVED, False, day(90), won=True, version=1)
    assert (won.due, won.rule, won.days_left) == (False, pools.NO_FOLLOWUP, 20)
    # A recorded deal date still counts, won or not.
    dated = pools.return_due(RULES.pools, "general", None, RECEIVED, False, day(100), won=True,
                             last_deal_at=day(5), version=1)
    assert (dated.due, dated.rule) == (True, pools.NO_FOLLOWUP)


# --- claims ------------------------------------------------------------------------------------
@pytest.mark.req("OWN-3")
def test_claim_holding_cap_200_without_won_customers():
    rules = RULES.pools
    assert pools.claim_allowed(rules, 199, 0, 0, None, day(0), version=1).allowed
    refused = pools.claim_allowed(rules, 200, 0, 0, None, day(0), version=1)
    assert (refused.allowed, refused.rule) == (False, pools.HOLDING_CAP)
    assert refused.reason.startswith("您已持有 200/200 个客户")
    # Won customers do not count by default…
    assert pools.claim_allowed(rules, 250, 60, 0, None, day(0), version=1).allowed
    # …unless the policy says they do.
    counting = rules.model_copy(update={"holding_cap_counts_won": True})
    assert not pools.claim_allowed(counting, 250, 60, 0, None, day(0), version=1).allowed


@pytest.mark.req("OWN-3")
def test_claim_daily_cap_20():
    assert pools.claim_allowed(RULES.pools, 0, 0, 19, None, day(0), version=1).allowed
    refused = pools.claim_allowed(RULES.pools, 0, 0, 20, None, day(0), version=1)
    assert (refused.allowed, refused.rule) == (False, pools.DAILY_CAP)
    assert refused.reason.startswith("您今天已领取 20/20 个客户")


@pytest.mark.req("OWN-3")
def test_former_owner_waits_7_days():
    refused = pools.claim_allowed(RULES.pools, 0, 0, 0, RECEIVED, day(6, 23), version=4)
    assert (refused.allowed, refused.rule, refused.policy_version) == (False, pools.COOLDOWN, 4)
    assert refused.reason == f"您 6 天前退回了该客户，{day(7):%m-%d} 起可重新领取（冷却期 7 天）。"
    assert pools.claim_allowed(RULES.pools, 0, 0, 0, RECEIVED, day(7, 0), version=4).allowed
    same_day = pools.claim_allowed(RULES.pools, 0, 0, 0, RECEIVED, day(0, 23), version=4)
    assert same_day.reason == "您今天刚退回了该客户，03-08 起可重新领取（冷却期 7 天）。"


# --- exports, reminders, resources -------------------------------------------------------------
@pytest.mark.req("SEC-6")
def test_export_over_500_rows_needs_approval():
    assert not exports.needs_approval(RULES.exports, 500, version=1).needs_approval
    decision = exports.needs_approval(RULES.exports, 501, version=2)
    assert decision.needs_approval and decision.threshold == 500 and decision.policy_version == 2


@pytest.mark.req("INFO-7")
@pytest.mark.parametrize("tier,interval", [("strategic", 90), ("key", 180), ("potential", 180)])
def test_review_due_per_tier(tier, interval):
    assert not reminders.review_due(RULES.reminders, tier, RECEIVED, day(interval - 1), version=1).due
    decision = reminders.review_due(RULES.reminders, tier, RECEIVED, day(interval), version=1)
    assert decision.due and decision.interval_days == interval


@pytest.mark.req("INFO-7")
def test_never_reviewed_counts_from_creation_or_is_due():
    assert reminders.review_due(RULES.reminders, "key", None, day(1), version=1).due
    assert not reminders.review_due(RULES.reminders, "key", None, day(1), created_at=RECEIVED, version=1).due


@pytest.mark.req("REL-4")
def test_recontact_after_60_days_and_first_followup_within_3():
    assert not reminders.recontact_due(RULES.reminders, None, RECEIVED, day(59), version=1).due
    assert reminders.recontact_due(RULES.reminders, None, RECEIVED, day(60), version=1).due
    assert not reminders.recontact_due(RULES.reminders, day(10), RECEIVED, day(69), version=1).due
    assert not reminders.first_followup_due(RULES.reminders, RECEIVED, day(2), version=1).due
    assert reminders.first_followup_due(RULES.reminders, RECEIVED, day(3), version=1).due


@pytest.mark.req("CLS-5")
def test_resident_representative_for_strategic_from_50_million():
    rules = RULES.resources
    below = resources.resident_rep_required(rules, "strategic", Decimal("49999999.99"), False, version=1)
    at = resources.resident_rep_required(rules, "strategic", Decimal("50000000"), False, version=1)
    key = resources.resident_rep_required(rules, "key", Decimal("90000000"), False, version=1)
    covered = resources.resident_rep_required(rules, "strategic", Decimal("60000000"), True, version=1)
    assert not below.required and not key.required
    assert at.required and at.missing
    assert covered.required and not covered.missing


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        pools.return_due(RULES.pools, "general", None, dt.datetime(2026, 1, 1), False, day(1), version=1)

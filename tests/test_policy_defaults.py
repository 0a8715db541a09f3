"""POL-1: the default version carries every *default* number of REQUIREMENTS.md; bad rules are
refused with the field path and the rule in Chinese."""

import copy
from decimal import Decimal

import pytest

from kehu.policy import schemas
from kehu.policy.defaults import DEFAULT_EFFECTIVE_FROM, DEFAULT_RULES
from kehu.policy.models import PolicyVersion

pytestmark = pytest.mark.req("POL-1")


def test_default_rules_hold_every_default_number():
    r = schemas.PolicyRules.model_validate(DEFAULT_RULES)
    # OWN-3
    assert r.pools.return_rule.no_followup_days == 30
    assert r.pools.return_rule.no_deal_days == 90
    assert r.pools.never_return_tiers == ["strategic", "key"]
    assert r.pools.warn_days_before == 3
    assert r.pools.holding_cap == 200
    assert r.pools.daily_claim_cap == 20
    assert r.pools.reclaim_cooldown_days == 7
    assert r.pools.mask_contacts_in_pool is True
    # REL-4, INFO-7
    assert r.reminders.recontact_after_days == 60
    assert r.reminders.first_followup_within_days == 3
    assert r.reminders.review_interval("strategic") == 90
    assert r.reminders.review_interval("key") == r.reminders.review_interval("general") == 180
    # SVC-3: 24 hours first response for every priority
    assert {t.first_response_hours for t in r.sla.targets.values()} == {24}
    assert set(r.sla.targets) == set(schemas.PRIORITIES)
    # SEC-6
    assert r.exports.approval_above_rows == 500
    # CLS-1 and CLS-5
    strategic, key, major, general, potential = r.tiers.active.tiers
    assert [t.code for t in r.tiers.active.tiers] == ["strategic", "key", "major", "general", "potential"]
    assert strategic.designatable and strategic.min_revenue_share_percent == Decimal("5")
    assert key.min_annual_sales == Decimal("20000000") and key.min_revenue_share_percent == Decimal("3")
    assert major.min_annual_sales == Decimal("5000000")
    assert general.is_fallback and general.requires_deal
    assert potential.is_fallback and not potential.requires_deal
    assert [t.code for t in r.tiers.schemes["abc"].tiers] == ["a", "b", "c"]
    assert r.resources.resident_rep_tiers == ["strategic"]
    assert r.resources.resident_rep_min_annual_sales == Decimal("50000000")
    # REL-2
    assert r.visits.cadence["strategic"] == {
        "general_manager": "half_year", "key_account_manager": "month", "technical_engineer": "half_year",
        "quality_engineer": "quarter"}
    assert r.visits.cadence["key"]["owner"] == "quarter" and r.visits.due_soon_days == 7
    # OWN-6
    assert r.monitoring.exfiltration_multiplier == Decimal("3")
    assert r.monitoring.exfiltration_baseline_days == 30
    assert r.monitoring.exfiltration_min_count == 50
    # PRIV-2, PRIV-3, SEC-5
    assert r.privacy.dsr_deadline_days == 15
    assert r.retention.anonymise_after_years == 3
    assert r.retention.audit_retention_days == 365


def test_money_is_stored_as_exact_strings():
    key = DEFAULT_RULES["tiers"]["schemes"]["standard"]["tiers"][1]
    assert key["min_annual_sales"] == "20000000"
    assert DEFAULT_RULES["resources"]["resident_rep_min_annual_sales"] == "50000000"


@pytest.mark.django_db
def test_version_1_is_installed_published_from_2020():
    version = PolicyVersion.objects.get(policy__code="customer_management", number=1)
    assert version.policy.title == "客户管理制度"
    assert version.status == PolicyVersion.PUBLISHED
    assert version.effective_from == DEFAULT_EFFECTIVE_FROM
    assert version.rules == DEFAULT_RULES
    assert version.section("pools").holding_cap == 200


def _errors(rules) -> dict[str, str]:
    with pytest.raises(schemas.RulesInvalid) as info:
        schemas.validate_rules(rules)
    return {e.field: e.message for e in info.value.errors}


def test_invalid_rules_name_the_field_path_and_the_rule_in_chinese():
    rules = copy.deepcopy(DEFAULT_RULES)
    rules["visits"]["cadence"]["strategic"]["key_account_manager"] = "weekly"
    rules["pools"]["holding_cap"] = "很多"
    rules["pools"]["colour"] = "red"
    rules["exports"]["approval_above_rows"] = 12.5
    rules["duplicates"]["action_by_entry_point"]["web"] = "ignore"
    rules["retention"]["audit_retention_days"] = 90
    del rules["sla"]["targets"]["low"]
    errors = _errors(rules)
    assert errors["visits.cadence.strategic.key_account_manager"] == "必须是以下值之一：'month'、'quarter'、'half_year'、'year'"
    assert errors["pools.holding_cap"] == "必须是整数"
    assert errors["pools.colour"] == "制度中没有此项，请删除"
    assert errors["exports.approval_above_rows"] == "必须是整数"
    assert errors["duplicates.action_by_entry_point.web"] == "必须是以下值之一：'block'、'warn'"
    assert errors["retention.audit_retention_days"] == "必须是大于或等于 180 的整数"
    assert "low" in errors["sla.targets"]


def test_tiers_named_elsewhere_must_exist_in_the_active_scheme():
    rules = copy.deepcopy(DEFAULT_RULES)
    rules["tiers"]["scheme"] = "abc"
    errors = _errors(rules)
    assert "visits.cadence.strategic" in errors
    assert "pools.never_return_tiers.0" in errors
    assert "不在启用的分级方案中" in errors["resources.resident_rep_tiers.0"]
    assert "care.tiers.0" in errors


def test_a_scheme_needs_a_fallback_tier_last():
    rules = copy.deepcopy(DEFAULT_RULES)
    rules["tiers"]["schemes"]["standard"]["tiers"].pop()  # drop "potential"
    errors = _errors(rules)
    assert "兜底" in errors["tiers.schemes.standard"]

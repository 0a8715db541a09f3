"""SVC-2, SVC-5: the policy's service section and its pure evaluator (no database: every test but the last,
which edits the section on the policy pages): a ticket's priority from the customer's tier and the severity,
strategic customers first, and 先处理后分清责任."""

import copy
import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import translation

from kehu.core import clock
from kehu.org import roles
from kehu.policy import display, schemas
from kehu.policy.defaults import DEFAULT_RULES
from kehu.policy.evaluators import service
from kehu.policy.evaluators.base import SHANGHAI as SH
from kehu.policy.models import Policy

DEFAULT = schemas.ServiceRules()


def priority(tier, severity, rules=DEFAULT):
    return service.priority(rules, tier, severity, version=4)


@pytest.mark.req("SVC-2")
@pytest.mark.parametrize(("tier", "expected"), [
    ("strategic", {"critical": "urgent", "major": "urgent", "normal": "high", "minor": "medium"}),
    ("key", {"critical": "urgent", "major": "urgent", "normal": "high", "minor": "medium"}),
    ("major", {"critical": "urgent", "major": "high", "normal": "medium", "minor": "low"}),
    ("general", {"critical": "urgent", "major": "high", "normal": "medium", "minor": "low"}),
    ("", {"critical": "urgent", "major": "high", "normal": "medium", "minor": "low"}),  # no customer: the public page
])
def test_the_default_priority_of_each_tier_and_severity(tier, expected):
    assert {severity: priority(tier, severity).priority for severity in expected} == expected


@pytest.mark.req("SVC-2")
def test_raising_never_goes_above_urgent_and_the_decision_says_why():
    rules = DEFAULT.model_copy(update={"tier_raise": {"strategic": 3}})
    assert priority("strategic", "minor", rules).priority == "urgent"
    with translation.override("zh-hans"):
        raised = service.priority(DEFAULT, "strategic", "normal", version=4, tier_name="战略客户")
        top = service.priority(DEFAULT, "strategic", "critical", version=4, tier_name="战略客户")
        plain = service.priority(DEFAULT, "general", "minor", version=4)
    assert (raised.policy_version, raised.reason) == (4, "严重程度“一般”为中优先级，客户等级 战略客户 提高为高")
    assert top.reason == "严重程度“特别重大”为紧急优先级，已是最高"
    assert plain.reason == "严重程度“轻微”为低优先级"
    with translation.override("en"):
        assert priority("general", "minor").reason == "Severity “Minor” gives Low priority"


@pytest.mark.req("SVC-2")
def test_strategic_customers_go_first_by_the_policys_tiers():
    assert priority("strategic", "minor").strategic
    assert not priority("key", "critical").strategic
    assert not priority("", "critical").strategic
    rules = DEFAULT.model_copy(update={"strategic_tiers": ["strategic", "key"]})
    assert priority("key", "minor", rules).strategic


@pytest.mark.req("SVC-2")
def test_the_severity_map_is_the_policys():
    rules = DEFAULT.model_copy(update={"priority_by_severity": schemas.SeverityPriorities(normal="low")})
    assert priority("general", "normal", rules).priority == "low"
    with pytest.raises(ValueError):
        priority("general", "catastrophic")


@pytest.mark.req("SVC-5")
@pytest.mark.parametrize(("tier", "kind", "severity", "applies"), [
    ("strategic", "quality", "normal", True),
    ("strategic", "quality", "minor", True),
    ("strategic", "quality", "major", False),
    ("strategic", "quality", "critical", False),
    ("strategic", "complaint", "minor", False),
    ("key", "quality", "minor", False),
    ("", "quality", "minor", False),
])
def test_handle_first_applies_to_non_major_quality_issues_of_the_listed_tiers(tier, kind, severity, applies):
    decided = service.handle_first(DEFAULT, tier, kind, severity, version=2)
    assert (decided is not None) is applies
    if applies:
        with translation.override("zh-hans"):
            decided = service.handle_first(DEFAULT, tier, kind, severity, version=2, tier_name="战略客户")
        assert (decided.policy_version, decided.reason) == (2, "战略客户 等级客户的非重大质量问题：先处理，后分清责任")


def test_handle_first_tiers_come_from_the_policy():
    rules = DEFAULT.model_copy(update={"handle_first_tiers": ["strategic", "key"]})
    assert service.handle_first(rules, "key", "quality", "minor", version=2) is not None


# --- the section ---------------------------------------------------------------------------------------------
def test_the_default_service_section():
    rules = schemas.PolicyRules.model_validate(DEFAULT_RULES).service
    assert rules.priority_by_severity.model_dump() == {"critical": "urgent", "major": "high", "normal": "medium",
                                                       "minor": "low"}
    assert rules.tier_raise == {"strategic": 1, "key": 1}
    assert (rules.strategic_tiers, rules.handle_first_tiers) == (["strategic"], ["strategic"])
    assert (rules.repeat_window_days, rules.callback_within_days) == (90, 3)


def test_a_version_published_before_the_section_reads_the_defaults():
    old = {name: value for name, value in DEFAULT_RULES.items() if name != "service"}
    assert schemas.PolicyRules.model_validate(old).service == DEFAULT


def _errors(rules):
    with pytest.raises(schemas.RulesInvalid) as caught:
        schemas.validate_rules(rules)
    return {e.field: e.message for e in caught.value.errors}


def test_bad_service_rules_name_the_field_and_the_rule():
    rules = copy.deepcopy(DEFAULT_RULES)
    rules["service"]["priority_by_severity"]["major"] = "asap"
    rules["service"]["repeat_window_days"] = 0
    with translation.override("zh-hans"):
        errors = _errors(rules)
    assert errors["service.priority_by_severity.major"] == "必须是以下值之一：'urgent'、'high'、'medium'、'low'"
    assert errors["service.repeat_window_days"] == "必须是大于 0 的整数"
    rules = copy.deepcopy(DEFAULT_RULES)
    rules["service"]["tier_raise"]["vip"] = 2
    rules["service"]["handle_first_tiers"] = ["gold"]
    with translation.override("zh-hans"):
        errors = _errors(rules)
    assert set(errors) == {"service.tier_raise.vip", "service.handle_first_tiers.0"}
    assert errors["service.tier_raise.vip"].startswith("等级“vip”不在启用的分级方案中")


def test_the_policy_page_labels_the_severities_not_the_tier_of_the_same_code():
    rules = schemas.PolicyRules.model_validate(DEFAULT_RULES)
    with translation.override("zh-hans"):
        table = next(t for t in display.tables(rules, {}) if t.name == "service")
    rows = {row.path: row for row in table.rows}
    assert table.label == "服务工单"
    assert rows["service.priority_by_severity.major"].label == "按严重程度的优先级 › 重大"
    assert rows["service.priority_by_severity.major"].value == "高"
    assert rows["service.tier_raise.strategic"].label == "按客户等级提高优先级 › 战略客户"
    assert rows["service.tier_raise.strategic"].value == "1 级"
    assert rows["service.handle_first_tiers"].value == "战略客户"
    assert rows["service.repeat_window_days"].value == "90 天"


# --- the policy pages: the section is shown and edited like every other --------------------------------------
@pytest.mark.django_db
def test_the_service_section_is_shown_and_edited_on_the_policy_pages(make_user, login):
    policy = Policy.objects.get(code="customer_management")
    v1 = policy.versions.get(number=1)
    reader = login(make_user(roles.SALESPERSON))
    detail = reader.get(reverse("policy:version_detail", args=[v1.pk])).content.decode()
    assert "服务工单" in detail and "多少天内再次投诉记为重复投诉" in detail and "按严重程度的优先级 › 重大" in detail

    with clock.frozen(dt.datetime(2026, 6, 1, 9, tzinfo=SH)):
        client = login(make_user(roles.SYSTEM_ADMIN))
        created = client.post(reverse("policy:version_new", args=[policy.pk]))
        assert created.status_code == 302 and "/edit" in created["Location"], created["Location"]
        draft = policy.versions.get(number=2)
        assert 'name="service"' in client.get(reverse("policy:version_edit", args=[draft.pk])).content.decode()
        data = {name: json.dumps(draft.rules[name], ensure_ascii=False) for name in schemas.SECTIONS}
        data.update({"effective_from": "2026-07-01T00:00", "summary": "重复投诉窗口调整"})
        bad = copy.deepcopy(draft.rules["service"])
        bad["repeat_window_days"] = 0
        refused = client.post(reverse("policy:version_edit", args=[draft.pk]),
                              {**data, "service": json.dumps(bad)})
        assert refused.status_code == 200 and "必须是大于 0 的整数" in refused.content.decode()
        good = {**bad, "repeat_window_days": 60}
        saved = client.post(reverse("policy:version_edit", args=[draft.pk]), {**data, "service": json.dumps(good)})
        assert saved.status_code == 302
    draft.refresh_from_db()
    assert draft.rules["service"]["repeat_window_days"] == 60

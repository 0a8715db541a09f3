"""Visit plans from the policy (REL-2) and their compliance (POL-3): the planning sweep, who must visit,
which visit fulfils which plan, re-planning on a new policy version, the handover, and the figures."""

import copy
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.customers.models import Customer
from kehu.engagement import actions, compliance, planning, visits
from kehu.engagement.models import IntelKind, VisitIntel, VisitPlan
from kehu.org import handover, roles
from kehu.org.factories import DepartmentFactory
from kehu.policy import services as policy_services
from kehu.policy.models import Policy
from kehu.policy.selectors import version_in_force
from tests.customer_data import make_customer

pytestmark = [pytest.mark.django_db, pytest.mark.req("REL-2")]

SH = ZoneInfo("Asia/Shanghai")
DEC_10 = dt.datetime(2026, 12, 10, 10, 0, tzinfo=SH)
KAM_RULE = "strategic.key_account_manager"


def at(y, m, d, h=10):
    return clock.frozen(dt.datetime(y, m, d, h, 0, tzinfo=SH))


@pytest.fixture
def team(make_user):
    """A sales department: its manager, a key-account manager, a technical and a quality engineer; a general
    manager in another department of the same company."""
    dept = DepartmentFactory(name="大客户部")
    head = DepartmentFactory(name="总经办", company=dept.company)
    people = {
        "manager": make_user(roles.SALES_MANAGER, full_name="赵经理", department=dept),
        "kam": make_user(roles.KEY_ACCOUNT_MANAGER, full_name="钱大客户", department=dept, employee_no="E10"),
        "kam2": make_user(roles.KEY_ACCOUNT_MANAGER, full_name="孙大客户", department=dept, employee_no="E11"),
        "tech": make_user(roles.TECHNICAL_ENGINEER, full_name="李技术", department=dept),
        "quality": make_user(roles.QUALITY_ENGINEER, full_name="周质量", department=dept),
        "gm": make_user(roles.GENERAL_MANAGER, full_name="吴总", department=head),
    }
    return type("Team", (), people)


def strategic(owner, name="宁波海天精工股份有限公司"):
    customer = make_customer(owner, name)
    Customer.objects.filter(pk=customer.pk).update(tier="strategic")
    customer.refresh_from_db()
    return customer


def plans_of(customer):
    return {plan.rule: plan for plan in VisitPlan.objects.filter(customer=customer).exclude(status="superseded")}


def record(actor, customer, on, attendees=(), **extra):
    return visits.visit_record(actor=actor, customer=customer, visited_on=on, content="季度沟通", attendees=attendees,
                               **extra)


def test_sweep_plans_each_rule_of_the_tier_with_its_visitor_and_is_idempotent(team):
    customer = strategic(team.kam)
    with at(2026, 12, 10):
        first = planning.plan_visits()
        second = planning.plan_visits()
    plans = plans_of(customer)
    assert first.created == 4 and second.created == 0 and second.reassigned == 0 and second.superseded == 0
    assert {rule: plan.responsible for rule, plan in plans.items()} == {
        "strategic.general_manager": team.gm,  # nobody in the department or company: anywhere
        KAM_RULE: team.kam,  # the owner holds the role
        "strategic.technical_engineer": team.tech,  # the role's holder in the owner's department
        "strategic.quality_engineer": team.quality}
    kam = plans[KAM_RULE]
    assert (kam.period_start, kam.period_end, kam.due_on) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31),
                                                              dt.date(2026, 12, 31))
    assert kam.policy_version == version_in_force() and kam.status == "open"
    quality = plans["strategic.quality_engineer"]
    assert (quality.period_start, quality.period_end) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))


def test_owner_without_the_role_gets_the_departments_holder_and_nobody_means_no_plan(team, make_user, sales):
    customer = strategic(team.kam)
    Customer.objects.filter(pk=customer.pk).update(owner=sales, department=sales.department)
    lone = strategic(sales, "无人负责的客户")
    with at(2026, 12, 10):
        planning.plan_visits()
    # sales's department has no key-account manager: the company has none either → the first one anywhere.
    assert plans_of(customer)[KAM_RULE].responsible == team.kam
    key = make_customer(sales, "重点客户有限公司")
    Customer.objects.filter(pk=key.pk).update(tier="key")
    Customer.objects.filter(pk=lone.pk).update(tier="potential")  # the policy asks nothing of this tier
    with at(2026, 12, 11):
        planning.plan_visits()
    assert plans_of(key)["key.owner"].responsible == sales and plans_of(key)["key.owner"].period == "quarter"
    assert "key.marketing_vp" not in plans_of(key)  # nobody holds the role: no plan
    assert plans_of(lone) == {}


def test_a_month_without_a_visit_is_missed_and_the_next_plan_is_overdue(team):
    customer = strategic(team.kam)
    with at(2026, 12, 31, 23):
        planning.plan_visits()
        assert visits.with_states([plans_of(customer)[KAM_RULE]])[0].state.code == "due_soon"
    with at(2027, 1, 1, 0):
        result = planning.plan_visits()
    assert result.missed == 4  # 12-31 ends the month, the quarter and the half-year
    history = VisitPlan.objects.filter(customer=customer, rule=KAM_RULE).order_by("period_start")
    assert [(p.period_start, p.status, p.due_on) for p in history] == [
        (dt.date(2026, 12, 1), "missed", dt.date(2026, 12, 31)),
        (dt.date(2027, 1, 1), "open", dt.date(2026, 12, 31))]  # owed since December: overdue
    with at(2027, 1, 2):
        assert visits.with_states([history.last()])[0].state.code == "overdue"
        assert list(visits.open_plans(team.kam, state="overdue")) == [history.last()]
        # A visit in January settles January; December stays missed.
        record(team.kam, customer, dt.date(2027, 1, 2))
    assert [p.status for p in history.all()] == ["missed", "done"]


def test_a_visit_fulfils_only_the_plans_it_counts_for(team, other):
    customer = strategic(team.kam)
    with at(2026, 12, 10):
        planning.plan_visits()
        # Someone else's visit does not fulfil the key-account manager's rule.
        record(team.kam2, customer, dt.date(2026, 12, 8))
        assert {r: p.status for r, p in plans_of(customer).items()} == dict.fromkeys(plans_of(customer), "open")
        # The KAM with the quality engineer: both rules done; the technical lead's stays open.
        report = record(team.kam, customer, dt.date(2026, 12, 9), attendees=[team.quality],
                        intel=[(IntelKind.COMPETITOR, "竞品报价低 8%"), (IntelKind.DEMAND, "明年扩产线")],
                        feedback="交期满意", customer_attendees="采购部王经理")
    plans = plans_of(customer)
    assert plans[KAM_RULE].status == "done" and plans[KAM_RULE].visit == report.followup
    assert plans[KAM_RULE].visited_on == dt.date(2026, 12, 9)
    assert plans["strategic.quality_engineer"].status == "done"
    assert plans["strategic.technical_engineer"].status == "open"
    assert report.followup.kind == "visit" and report.followup.by == team.kam
    assert list(report.attendees.all()) == [team.quality]
    assert dict(VisitIntel.objects.values_list("kind", "detail")) == {"competitor": "竞品报价低 8%",
                                                                     "demand": "明年扩产线"}
    customer.refresh_from_db()
    assert customer.last_contact_at.astimezone(SH).date() == dt.date(2026, 12, 9)  # the visit, not the record
    entry = AuditEntry.objects.filter(action=actions.VISIT_RECORD).order_by("seq").last()
    assert entry.data["fulfilled"] == [KAM_RULE, "strategic.quality_engineer"]


def test_a_stand_in_holding_the_role_counts_for_a_role_rule(team, make_user):
    customer = strategic(team.kam)
    stand_in = make_user(roles.QUALITY_ENGINEER, full_name="代班质量", department=team.quality.department)
    with at(2026, 12, 10):
        planning.plan_visits()
        record(team.kam2, customer, dt.date(2026, 12, 10), attendees=[stand_in])
    assert plans_of(customer)["strategic.quality_engineer"].status == "done"
    assert plans_of(customer)[KAM_RULE].status == "open"


def test_visit_before_the_sweep_ran_and_a_late_record_of_a_missed_period(team):
    customer = strategic(team.kam)
    with at(2026, 12, 10):
        record(team.kam, customer, dt.date(2026, 12, 3))  # the visit plans the customer first
        assert plans_of(customer)[KAM_RULE].status == "done"
    with at(2027, 2, 2):
        planning.plan_visits()
        # January's plan was never made (no sweep ran); a visit of 2027-01-20 recorded now is kept, and
        # December's missed plan is not touched by it.
        record(team.kam, customer, dt.date(2027, 2, 1))
    assert VisitPlan.objects.get(customer=customer, rule=KAM_RULE, period_start=dt.date(2027, 2, 1)).status == "done"
    with pytest.raises(Exception) as info, at(2027, 2, 2):
        record(team.kam, customer, dt.date(2027, 2, 3))
    assert info.value.code == "visit_in_future"


def test_late_record_turns_a_missed_plan_done(team):
    customer = strategic(team.kam)
    with at(2026, 12, 10):
        planning.plan_visits()
    with at(2027, 1, 3):
        planning.plan_visits()
        record(team.kam, customer, dt.date(2026, 12, 28))
    assert VisitPlan.objects.get(customer=customer, rule=KAM_RULE, period_start=dt.date(2026, 12, 1)).status == "done"


def _publish(drafter, approver, change, effective):
    policy = Policy.objects.get(code="customer_management")
    draft = policy_services.policy_version_draft(actor=drafter, policy=policy)
    rules = copy.deepcopy(draft.rules)
    change(rules)
    policy_services.policy_version_update(actor=drafter, version=draft, rules=rules, effective_from=effective,
                                          summary="拜访周期调整")
    policy_services.policy_version_submit(actor=drafter, version=draft)
    return policy_services.policy_version_publish(actor=approver, version=draft)


def test_a_new_version_replans_from_its_effective_date_and_keeps_history(team, make_user):
    customer = strategic(team.kam)
    drafter = make_user(roles.SYSTEM_ADMIN)

    def quarterly(rules):
        rules["visits"]["cadence"]["strategic"]["key_account_manager"] = "quarter"
        del rules["visits"]["cadence"]["strategic"]["technical_engineer"]

    with at(2026, 11, 5):
        planning.plan_visits()
        record(team.kam, customer, dt.date(2026, 11, 5))
    with at(2026, 12, 2):
        planning.plan_visits()
        v2 = _publish(drafter, team.gm, quarterly, dt.datetime(2026, 12, 15, tzinfo=SH))
    with at(2026, 12, 14):
        assert planning.plan_visits().superseded == 0  # not in force yet
    with at(2026, 12, 15):
        result = planning.plan_visits()
        again = planning.plan_visits()
    assert result.superseded == 2 and result.created == 1 and again.created == again.superseded == 0
    kam = VisitPlan.objects.filter(customer=customer, rule=KAM_RULE).order_by("period_start", "id")
    assert [(p.period, p.period_start, p.status, p.policy_version.number) for p in kam] == [
        ("quarter", dt.date(2026, 10, 1), "done", 2),  # November's visit already settled this quarter
        ("month", dt.date(2026, 11, 1), "done", 1),
        ("month", dt.date(2026, 12, 1), "superseded", 1)]
    assert plans_of(customer)["strategic.quality_engineer"].policy_version == v2  # unchanged rule, judged by v2
    assert "strategic.technical_engineer" not in plans_of(customer)


def test_tier_and_owner_changes_are_followed(team):
    customer = strategic(team.kam)
    with at(2026, 12, 10):
        planning.plan_visits()
        Customer.objects.filter(pk=customer.pk).update(owner=team.kam2)
        assert planning.plan_visits().reassigned == 1
        assert plans_of(customer)[KAM_RULE].responsible == team.kam2
        Customer.objects.filter(pk=customer.pk).update(tier="general")
        result = planning.plan_visits()
    assert result.superseded == 4 and set(plans_of(customer)) == {"general.owner"}


def test_departure_handover_moves_open_plans_and_owner_rules_follow_the_customer(team, make_user):
    customer = strategic(team.kam)
    with at(2026, 12, 10):
        planning.plan_visits()
        assert handover.pending(team.tech) == {"engagement.visit_plan": 1}
        new_tech = make_user(roles.TECHNICAL_ENGINEER, department=team.tech.department)
        moved = handover.hand_over(team.tech, new_tech, actor=team.manager)
    assert moved["engagement.visit_plan"] == 1
    assert plans_of(customer)["strategic.technical_engineer"].responsible == new_tech
    assert handover.pending(team.tech) == {}


def test_compliance_moves_when_the_kam_records_a_visit(team, make_user, other):
    first, second = strategic(team.kam), strategic(team.kam, "上海振华重工股份有限公司")
    strategic(other, "别处的战略客户")  # another department: outside the manager's scope
    with at(2026, 12, 10):
        planning.plan_visits()
        before = next(f for f in compliance.visit_compliance(team.manager) if f.rule.code == KAM_RULE)
        record(team.kam, first, dt.date(2026, 12, 10))
        after = next(f for f in compliance.visit_compliance(team.manager) if f.rule.code == KAM_RULE)
        missing = list(compliance.not_visited(team.manager, after.rule, after.current.period))
    assert (before.current.done, before.current.total, before.current.share) == (0, 2, 0)
    assert (after.current.done, after.current.total, str(after.current.share)) == (1, 2, "50.0")
    assert after.label == "战略客户 · 大客户经理 · 每月"
    assert [plan.customer for plan in missing] == [second]
    assert [p.period.start for p in after.periods] == [dt.date(2026, m, 1) for m in (12, 11, 10, 9)]


@pytest.mark.req("POL-3")
def test_previous_periods_and_recontact_share(team):
    customer = strategic(team.kam)
    strategic(team.kam, "第二家")
    with at(2026, 11, 10):
        planning.plan_visits()
        record(team.kam, customer, dt.date(2026, 11, 9))
    with at(2026, 12, 10):
        planning.plan_visits()
        figure = next(f for f in compliance.visit_compliance(team.manager) if f.rule.code == KAM_RULE)
        recontact = compliance.recontact_compliance(team.manager)
    november = figure.periods[1]
    assert (november.done, november.missed, november.total, str(november.share)) == (1, 1, 2, "50.0")
    assert figure.periods[3].share is None  # September asked for nothing
    assert (recontact.contacted, recontact.total, recontact.interval_days) == (1, 2, 60)


def test_cli_runs_the_sweep(team, capsys):
    strategic(team.kam)
    with at(2026, 12, 10):
        call_command("visits_plan")
        call_command("visits_plan")
    out = capsys.readouterr().out
    assert "新建计划 4" in out and "新建计划 0" in out


@pytest.mark.req("POL-3")
def test_intelligence_is_counted_by_kind_within_the_scope(team, make_user):
    customer = strategic(team.kam)
    stranger = make_user(roles.SALES_MANAGER)
    with at(2026, 12, 10):
        record(team.kam, customer, dt.date(2026, 12, 9), intel=[(IntelKind.COMPETITOR, "竞品降价"),
                                                               (IntelKind.COMPETITOR, "竞品新品"),
                                                               (IntelKind.PROBLEM, "来料不良")])
        record(team.kam, customer, dt.date(2026, 11, 30), intel=[(IntelKind.DEMAND, "扩产")])  # before the window
        mine = dict(compliance.intel_counts(team.manager, dt.date(2026, 12, 1), dt.date(2026, 12, 10)))
        theirs = dict(compliance.intel_counts(stranger, dt.date(2026, 12, 1), dt.date(2026, 12, 10)))
    assert mine == {"人事变动": 0, "问题": 1, "产品需求": 0, "竞争对手动态": 2}
    assert set(theirs.values()) == {0}


@pytest.mark.req("INFO-5")
def test_a_merged_duplicates_plans_go_to_the_survivor(team):
    from kehu.customers import services as customer_services

    keep, dup = strategic(team.kam), strategic(team.kam, "宁波海天精工")
    with at(2026, 12, 10):
        planning.plan_visits()
        record(team.kam, dup, dt.date(2026, 12, 9))
        customer_services.customer_merge(actor=team.manager, target=keep, duplicate=dup)
        planning.plan_visits()
    plans = plans_of(keep)
    assert plans[KAM_RULE].status == "done" and plans[KAM_RULE].visited_on == dt.date(2026, 12, 9)
    assert set(plans) == {KAM_RULE, "strategic.general_manager", "strategic.technical_engineer",
                          "strategic.quality_engineer"}
    assert not VisitPlan.objects.filter(customer=dup).exists()
    assert VisitPlan.objects.filter(customer=keep, status="superseded").count() == 4  # the duplicate's twins

"""The SLA sweep (SVC-3): due soon told once; a breach escalates owner → manager → marketing VP in counted
hours of the ticket's calendar (so across a weekend, the National Day holiday and an adjusted working
Saturday it takes as long as the calendar says); escalation only goes up; waiting pauses it; a second run at
the same instant changes and sends nothing; resolved tickets auto-close after the policy's days; the
schedule and the CLI."""

from __future__ import annotations

import copy
import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from kehu.compliance.models import AuditEntry
from kehu.core import clock, schedule
from kehu.customers.models import Customer
from kehu.engagement.models import Notification, Task
from kehu.org import roles
from kehu.org.factories import DepartmentFactory
from kehu.policy import services as policy_services
from kehu.policy.evaluators import sla
from kehu.policy.models import Policy
from kehu.policy.selectors import version_in_force
from kehu.service import actions, services, services_rating, sla_sweep, tasks
from kehu.service.counting import FastCounter
from kehu.service.models import PRIORITY_RANK, ServiceCommitment, Status, Ticket, TicketEvent
from tests.customer_data import make_customer

pytestmark = [pytest.mark.django_db, pytest.mark.req("SVC-3")]

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def ticket_row(responsible, opened: dt.datetime, *, priority: str = "medium", number: str = "T0001", **fields) -> Ticket:
    """A ticket as opening it stores one: due times from the evaluator under the policy in force."""
    version = version_in_force(opened)
    rules = version.section("sla")
    calendar = sla.Calendar.of(rules, priority)
    target = rules.targets[priority]
    values = dict(number=number, kind="complaint", channel="phone", priority=priority,
                  priority_rank=PRIORITY_RANK[priority], title="设备异响", description="客户反映设备运行时异响",
                  responsible=responsible, department=responsible.department, policy_version=version,
                  opened_at=opened, status=Status.ASSIGNED,
                  first_response_due=sla.deadline(opened, dt.timedelta(hours=target.first_response_hours), calendar),
                  resolution_due=sla.deadline(opened, dt.timedelta(hours=target.resolution_hours), calendar))
    values.update(fields)
    return Ticket.objects.create(**values)


def sweep(moment: dt.datetime) -> sla_sweep.SweepResult:
    with clock.frozen(moment):
        return sla_sweep.sla_sweep()


def notified(user, kind: str) -> int:
    return Notification.objects.filter(recipient=user, kind=kind).count()


@pytest.fixture
def team(make_user):
    service = DepartmentFactory(name="客户服务部")
    head = make_user(roles.CUSTOMER_SERVICE, department=service, full_name="许主管")
    service.head = head
    service.save()
    boss = make_user(roles.SALES_MANAGER, department=service, full_name="王经理")
    return {
        "engineer": make_user(roles.AFTER_SALES_ENGINEER, department=service, manager=boss, full_name="梁工"),
        "boss": boss,
        "head": head,
        "vp": make_user(roles.MARKETING_VP, full_name="刘副总"),
    }


def test_due_soon_tells_the_responsible_person_once(team):
    engineer = team["engineer"]
    # Opened Monday 10:00, medium (working calendar): first response due in 24 working hours = Wednesday 16:00.
    ticket = ticket_row(engineer, at(2026, 11, 16, 10))
    assert ticket.first_response_due == at(2026, 11, 18, 16)
    assert sweep(at(2026, 11, 18, 9)).due_soon == 0  # 7 working hours left of 24: not yet 80 % used
    result = sweep(at(2026, 11, 18, 11, 30))  # 4.5 hours left: due soon
    ticket.refresh_from_db()
    assert ticket.response_state == "due_soon" and ticket.sla_state == "on_track" and result.due_soon == 1
    assert notified(engineer, "service_due_soon") == 1
    assert sweep(at(2026, 11, 18, 12)).due_soon == 0  # still due soon: no second notice
    assert notified(engineer, "service_due_soon") == 1


def test_a_breach_escalates_owner_then_manager_after_four_counted_hours_across_a_weekend(team):
    engineer, boss, vp = team["engineer"], team["boss"], team["vp"]
    # Opened Wednesday 11:00: first response due Friday 17:00 (7 + 9 + 8 working hours).
    ticket = ticket_row(engineer, at(2026, 11, 18, 11))
    assert ticket.first_response_due == at(2026, 11, 20, 17)
    assert sweep(at(2026, 11, 20, 17)).escalated == 0  # exactly at the due time: not breached
    result = sweep(at(2026, 11, 20, 17, 1))
    ticket.refresh_from_db()
    assert result.escalated == 1 and ticket.response_state == "breached"
    assert (ticket.escalated_to, ticket.escalated_at) == ("owner", at(2026, 11, 20, 17, 1))
    assert notified(engineer, "service_escalation") == 1 and notified(boss, "service_escalation") == 0
    # One counted hour on Friday, none on the weekend: at Monday 11:59 only 3 h 59 min have counted.
    for moment in (at(2026, 11, 21, 12), at(2026, 11, 22, 23), at(2026, 11, 23, 11, 59)):
        sweep(moment)
        ticket.refresh_from_db()
        assert ticket.escalated_to == "owner", moment
    sweep(at(2026, 11, 23, 12))  # 4 counted hours: the manager (User.manager)
    ticket.refresh_from_db()
    assert ticket.escalated_to == "manager" and notified(boss, "service_escalation") == 1
    assert notified(team["head"], "service_escalation") == 0  # a line manager comes before the department head
    sweep(at(2026, 11, 25, 13, 59))
    ticket.refresh_from_db()
    assert ticket.escalated_to == "manager"
    sweep(at(2026, 11, 25, 14))  # 24 counted hours: 1 + 9 + 9 + 5
    ticket.refresh_from_db()
    assert ticket.escalated_to == "marketing_vp" and notified(vp, "service_escalation") == 1
    events = list(TicketEvent.objects.filter(ticket=ticket, action="escalate").values_list("note", flat=True))
    assert events == ["超时升级至：责任人", "超时升级至：直属上级", "超时升级至：营销副总"]
    entries = AuditEntry.objects.filter(action=actions.TICKET_ESCALATE).order_by("pk")
    assert [(e.data["from"], e.data["to"]) for e in entries] == [("", "owner"), ("owner", "manager"),
                                                                 ("manager", "marketing_vp")]


@pytest.fixture
def around_the_clock(make_user):
    """Policy version 2, in force from 1 November 2026: urgent tickets count every hour (24×7)."""
    drafter, approver = make_user(roles.SYSTEM_ADMIN), make_user(roles.GENERAL_MANAGER)
    with clock.frozen(at(2026, 10, 20, 9)):
        version = policy_services.policy_version_draft(actor=drafter,
                                                       policy=Policy.objects.get(code="customer_management"))
        rules = copy.deepcopy(version.rules)
        rules["sla"]["targets"]["urgent"]["calendar"] = "24x7"
        policy_services.policy_version_update(actor=drafter, version=version, rules=rules,
                                              effective_from=at(2026, 11, 1), summary="紧急工单全天候计时")
        policy_services.policy_version_submit(actor=drafter, version=version)
        return policy_services.policy_version_publish(actor=approver, version=version)


def test_each_ticket_escalates_on_the_calendar_of_the_version_it_opened_under(team, around_the_clock):
    # Under version 2 urgent runs 24×7: opened Thursday 17:00, first response due Friday 17:00, the manager 21:00.
    ticket = ticket_row(team["engineer"], at(2026, 11, 19, 17), priority="urgent")
    assert ticket.policy_version == around_the_clock and ticket.first_response_due == at(2026, 11, 20, 17)
    # Opened in October under version 1, urgent counts working hours, and keeps doing so in November.
    older = ticket_row(team["engineer"], at(2026, 10, 30, 9), priority="urgent", number="T2")
    assert older.policy_version.number == 1 and older.first_response_due == at(2026, 11, 3, 15)
    sweep(at(2026, 11, 20, 20, 59))
    ticket.refresh_from_db()
    assert ticket.escalated_to == "owner"
    sweep(at(2026, 11, 20, 21))
    ticket.refresh_from_db()
    older.refresh_from_db()
    assert ticket.escalated_to == "manager"
    # 17 days after its breach older is at the VP; the same counted on the clock would have been at day one.
    assert older.escalated_to == "marketing_vp"


def test_national_day_holds_the_escalation_and_an_adjusted_saturday_counts(team):
    engineer = team["engineer"]
    # Opened Monday 28 September 11:00: first response due Wednesday 30 September 17:00, the eve of National Day.
    ticket = ticket_row(engineer, at(2026, 9, 28, 11))
    assert ticket.first_response_due == at(2026, 9, 30, 17)
    sweep(at(2026, 9, 30, 17, 30))
    sweep(at(2026, 10, 7, 23))  # the whole holiday: still one counted hour after the breach
    ticket.refresh_from_db()
    assert ticket.escalated_to == "owner"
    sweep(at(2026, 10, 8, 12))  # 1 h on the 30th + 3 h on the first working day after the holiday
    ticket.refresh_from_db()
    assert ticket.escalated_to == "manager"
    # Saturday 10 October is an adjusted working day (调休): 1 + 9 + 9 + 5 counted hours at 14:00 that day.
    sweep(at(2026, 10, 10, 13, 59))
    ticket.refresh_from_db()
    assert ticket.escalated_to == "manager"
    sweep(at(2026, 10, 10, 14))
    ticket.refresh_from_db()
    assert ticket.escalated_to == "marketing_vp"


def test_without_a_line_manager_the_department_head_is_the_manager(team, make_user):
    loner = make_user(roles.AFTER_SALES_ENGINEER, department=team["head"].department, full_name="独立工程师")
    ticket = ticket_row(loner, at(2026, 11, 18, 11))
    sweep(at(2026, 11, 23, 12))
    ticket.refresh_from_db()
    assert ticket.escalated_to == "manager" and notified(team["head"], "service_escalation") == 1


def test_a_second_run_at_the_same_instant_changes_and_sends_nothing(team):
    engineer = team["engineer"]
    tickets = [ticket_row(engineer, at(2026, 11, 16, 10), number="T1"),  # due soon at the moment below
               ticket_row(engineer, at(2026, 11, 12, 10), number="T2"),  # breached Monday: straight to the manager
               ticket_row(engineer, at(2026, 11, 18, 9), number="T3")]  # on track
    moment = at(2026, 11, 18, 11, 30)
    first = sweep(moment)
    # T1's first response and T2's resolution are due soon; T2's first response is breached.
    assert (first.checked, first.changed, first.due_soon, first.escalated) == (3, 2, 2, 1)
    states = list(Ticket.objects.order_by("pk").values_list("response_state", "sla_state", "escalated_to",
                                                            "escalated_at"))
    counts = (Notification.objects.count(), TicketEvent.objects.count(), AuditEntry.objects.count())
    second = sweep(moment)
    assert (second.changed, second.due_soon, second.escalated, second.auto_closed) == (0, 0, 0, 0)
    assert list(Ticket.objects.order_by("pk").values_list("response_state", "sla_state", "escalated_to",
                                                          "escalated_at")) == states
    assert (Notification.objects.count(), TicketEvent.objects.count(), AuditEntry.objects.count()) == counts
    # A late sweep that jumps several steps tells every step it passed, once.
    assert Ticket.objects.get(pk=tickets[1].pk).escalated_to == "manager"
    assert sorted(Notification.objects.filter(kind="service_escalation").values_list("recipient_id", flat=True)) == \
        sorted([engineer.pk, team["boss"].pk])


def test_escalation_only_moves_up_and_waiting_stops_the_clock(team):
    engineer = team["engineer"]
    ticket = ticket_row(engineer, at(2026, 11, 18, 11))
    sweep(at(2026, 11, 23, 12))
    ticket.refresh_from_db()
    assert ticket.escalated_to == "manager"
    # Answered: the response clock no longer runs and the resolution clock is not breached; the step stays.
    Ticket.objects.filter(pk=ticket.pk).update(first_response_at=at(2026, 11, 23, 12, 5), status=Status.IN_PROGRESS)
    sweep(at(2026, 11, 23, 13))
    ticket.refresh_from_db()
    assert ticket.escalated_to == "manager" and ticket.response_state == "breached"
    # Waiting on the customer: the sweep leaves the ticket alone, however late it gets.
    waiting = ticket_row(engineer, at(2026, 11, 18, 11), number="T2", status=Status.WAITING,
                         pauses=[[at(2026, 11, 18, 12).isoformat(), None]])
    result = sweep(at(2026, 12, 18, 12))
    waiting.refresh_from_db()
    assert waiting.escalated_to == "" and waiting.response_state == "on_track" and result.checked == 1


def test_resolved_tickets_close_themselves_after_the_policys_days(team):
    engineer = team["engineer"]
    resolved_at = at(2026, 11, 10, 15)
    ticket = ticket_row(engineer, at(2026, 11, 9, 10), status=Status.RESOLVED, resolved_at=resolved_at,
                        first_response_at=at(2026, 11, 9, 11), cause="轴承磨损", solution="更换轴承")
    fresh = ticket_row(engineer, at(2026, 11, 12, 10), number="T2", status=Status.RESOLVED,
                       resolved_at=at(2026, 11, 16, 15), first_response_at=at(2026, 11, 12, 11))
    assert sweep(resolved_at + dt.timedelta(days=7)).auto_closed == 0  # exactly 7 days: not more than 7
    result = sweep(resolved_at + dt.timedelta(days=7, minutes=1))
    ticket.refresh_from_db()
    fresh.refresh_from_db()
    assert result.auto_closed == 1 and fresh.status == Status.RESOLVED
    assert (ticket.status, ticket.closed_at, ticket.closed_by_customer) == (
        Status.CLOSED, resolved_at + dt.timedelta(days=7, minutes=1), False)
    event = TicketEvent.objects.get(ticket=ticket, action="auto_close")
    assert (event.from_status, event.to_status, event.by) == (Status.RESOLVED, Status.CLOSED, None)
    assert "7 天" in event.note
    entry = AuditEntry.objects.get(action=actions.TICKET_AUTO_CLOSE)
    assert entry.target_id == str(ticket.pk) and entry.data["days"] == 7
    assert Task.objects.filter(source_key=f"callback:{ticket.pk}", kind="callback").count() == 1  # SVC-5
    assert sweep(resolved_at + dt.timedelta(days=7, minutes=1)).auto_closed == 0


def test_a_run_that_changed_something_leaves_one_sweep_entry(team):
    ticket_row(team["engineer"], at(2026, 11, 12, 10))
    sweep(at(2026, 11, 18, 12))
    sweep(at(2026, 11, 18, 12))
    entry = AuditEntry.objects.get(action=actions.TICKET_SLA_SWEEP)
    assert entry.data["escalated"] == 1 and entry.data["checked"] == 1


def test_a_clock_in_a_year_the_calendar_does_not_know_leaves_that_ticket_alone_not_the_others(team):
    breached = ticket_row(team["engineer"], at(2026, 11, 18, 11))
    unknown = ticket_row(team["engineer"], at(2026, 11, 18, 11), number="T2", resolution_due=at(2031, 1, 6, 12))
    result = sweep(at(2026, 11, 23, 12))
    breached.refresh_from_db()
    unknown.refresh_from_db()
    assert (result.checked, result.unevaluated, result.escalated) == (2, 1, 1)
    assert breached.escalated_to == "manager" and unknown.escalated_to == ""
    out, err = StringIO(), StringIO()
    call_command("tickets_sweep", "--at", "2026-11-23T12:00", stdout=out, stderr=err)
    assert "chinese_calendar" in err.getvalue()


def test_the_sweep_reads_in_chunks_not_per_ticket(team, make_user, django_assert_max_num_queries):
    people = [team["engineer"], *(make_user(roles.AFTER_SALES_ENGINEER, manager=team["boss"]) for _ in range(3))]
    for i in range(40):  # on track at the moment below, the others breached and escalated to the manager
        ticket_row(people[i % 4], at(2026, 11, 18, 9) if i % 2 else at(2026, 11, 12, 10), number=f"T{i}")
    sweep(at(2026, 11, 18, 12))
    # Nothing left to change: the ids, one locked chunk (its savepoint and release here), the policy version,
    # the versions of resolved tickets (auto-close): the same for 40 tickets as for 4.
    with django_assert_max_num_queries(6):
        assert sweep(at(2026, 11, 18, 12)).changed == 0
    # One more step for 20 tickets: a fixed set of reads, the chunk's bulk writes and a notice each.
    with CaptureQueriesContext(connection) as queries:
        assert sweep(at(2026, 11, 19, 13)).escalated == 20  # 24 counted hours: the marketing VP
    reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT") and "engagement_notification" not in q["sql"]]
    # The ids, the chunk, the version, role names for the events, the audit head twice (escalations, the run's
    # entry), the responsible users, their departments, the VP role's holders, the resolved tickets' versions.
    assert len(reads) == 10, reads


def test_the_sweep_runs_every_15_minutes():
    entry = schedule.REGISTRY[tasks.sweep_sla.module_path]
    assert entry.every == dt.timedelta(minutes=15)


def test_the_command_sweeps_as_of_a_moment_and_prints_counts(team):
    ticket = ticket_row(team["engineer"], at(2026, 11, 18, 11))
    out = StringIO()
    call_command("tickets_sweep", "--at", "2026-11-23T12:00", stdout=out)
    ticket.refresh_from_db()
    assert ticket.escalated_to == "manager"
    assert "检查 1 张进行中工单" in out.getvalue() and "超时升级 1 张" in out.getvalue()
    with pytest.raises(CommandError, match="ISO"):
        call_command("tickets_sweep", "--at", "明天")


# --- through the services: a commitment's budget, and the done-when -------------------------------
def test_a_commitments_shorter_limit_is_the_budget_a_clock_warns_against(team, make_user):
    with clock.frozen(at(2026, 11, 16, 9)):
        customer = make_customer(make_user(roles.KEY_ACCOUNT_MANAGER), "上海宏大机械制造有限公司")
    ServiceCommitment.objects.create(customer=customer, content="4 小时内响应，8 小时内解决", response_hours=4,
                                     resolution_hours=8, valid_from=dt.date(2026, 1, 1), created_by=team["boss"])
    with clock.frozen(at(2026, 11, 16, 10)):
        ticket = services.ticket_open(actor=team["head"], kind="after_sales", channel="phone", title="停机",
                                      description="产线停机", customer=customer, responsible=team["engineer"])
    assert ticket.first_response_due == at(2026, 11, 16, 14)  # 4 working hours
    sweep(at(2026, 11, 16, 13))  # 1 hour of 4 left: 75 % used
    ticket.refresh_from_db()
    assert ticket.response_state == "on_track"
    sweep(at(2026, 11, 16, 13, 15))  # 45 minutes left: past 80 % of the commitment's 4 hours
    ticket.refresh_from_db()
    assert ticket.response_state == "due_soon"


@pytest.mark.req("SVC-5", "FB-2")
def test_a_strategic_complaint_before_national_day_escalates_after_it_and_its_rating_counts(team, make_user):
    kam = make_user(roles.KEY_ACCOUNT_MANAGER, full_name="赵大客户经理", department=team["engineer"].department)
    with clock.frozen(at(2026, 9, 1, 9)):
        customer = make_customer(kam, "上海宏大机械制造有限公司")
    Customer.objects.filter(pk=customer.pk).update(tier="strategic")
    customer.refresh_from_db()
    with clock.frozen(at(2026, 9, 30, 15)):  # Wednesday afternoon, the eve of the holiday
        ticket = services.ticket_open(actor=team["head"], kind="complaint", channel="phone", title="交货延误",
                                      description="关键设备延误两周", customer=customer, responsible=team["engineer"])
    assert ticket.strategic and ticket.priority == "high"
    # 24 working hours: 3 on the 30th, none 1-7 October, 9 on the 8th and the 9th, 3 on the adjusted Saturday.
    assert ticket.first_response_due == at(2026, 10, 10, 12)
    sweep(at(2026, 10, 7, 23))
    ticket.refresh_from_db()
    assert ticket.escalated_to == "" and ticket.response_state == "on_track"  # 3 of 24 hours used
    sweep(at(2026, 10, 12, 10))  # ignored: 6 h on the 10th and 1 h on Monday past the due time
    ticket.refresh_from_db()
    assert ticket.escalated_to == "manager" and notified(team["boss"], "service_escalation") == 1
    with clock.frozen(at(2026, 10, 12, 11)):
        ticket = services.ticket_respond(actor=team["engineer"], ticket=ticket, note="已致电客户致歉")
        ticket = services.ticket_transition(actor=team["engineer"], ticket=ticket, to=Status.RESOLVED,
                                            cause="排产冲突", solution="加急发货")
        ticket = services.ticket_transition(actor=team["engineer"], ticket=ticket, to=Status.CLOSED,
                                            by_customer=True)
    task = Task.objects.get(source_key=f"callback:{ticket.pk}")
    assert task.assignee == kam
    with clock.frozen(at(2026, 10, 13, 10)):
        services_rating.ticket_rate(actor=kam, ticket=ticket, satisfaction=4, comment="处理积极")
    task.refresh_from_db()
    assert task.status == "done" and Ticket.objects.get(pk=ticket.pk).satisfaction == 4


# --- counted time in constant time (kehu/service/counting.py) -----------------------------------------------
MOMENTS = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 12, 20),
                       timezones=st.just(SH))
COUNTER = FastCounter()  # one for every example, as one sweep asks it for every ticket


@pytest.mark.django_db(False)
@settings(max_examples=300, deadline=None)
@given(since=MOMENTS, until=MOMENTS, calendar=st.sampled_from([sla.Calendar("working"), sla.Calendar("working", 8, 17),
                                                               sla.Calendar("24x7")]))
def test_the_fast_counter_counts_as_the_evaluator_does(since, until, calendar):
    assert COUNTER(since, until, calendar) == sla.counted(since, until, calendar)


@pytest.mark.django_db(False)
def test_the_fast_counter_across_national_day_and_the_adjusted_saturday():
    working = sla.Calendar("working")
    assert COUNTER(at(2026, 9, 30, 17), at(2026, 10, 8, 12), working) == dt.timedelta(hours=4)
    assert COUNTER(at(2026, 10, 9, 18), at(2026, 10, 12, 9), working) == dt.timedelta(hours=9)  # Saturday 10th works
    assert COUNTER(at(2026, 11, 20, 17), at(2026, 11, 23, 12), working) == dt.timedelta(hours=4)  # a weekend

"""Recontact and first-contact tasks (REL-4): the sweep at the policy's boundaries (day X-1 / X, Y), its
idempotence, closing by a follow-up, a new owner, the departure handover, the schedule and the CLI."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from kehu.compliance.models import AuditEntry
from kehu.core import clock, schedule
from kehu.customers import ownership
from kehu.engagement import actions, reminders, services, tasks
from kehu.engagement.models import Task
from kehu.org import handover, roles
from kehu.org import services as org_services
from tests.customer_data import make_customer

pytestmark = [pytest.mark.django_db, pytest.mark.req("REL-4")]

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 3, 2, 15, 0, tzinfo=SH)


def day(n: int, hour: int = 1) -> dt.datetime:
    return (T0 + dt.timedelta(days=n)).replace(hour=hour)


def sweep(at: dt.datetime) -> reminders.SweepResult:
    with clock.frozen(at):
        return reminders.contact_tasks_sweep()


def open_tasks(kind: str) -> list[tuple]:
    return list(Task.objects.filter(kind=kind, status="open").values_list("assignee", "customer", "due_date"))


@pytest.fixture
def customer(sales):
    with clock.frozen(T0):
        return make_customer(sales, "杭州华信电子科技有限公司")


def test_a_new_customer_gets_a_first_followup_due_within_3_days_once(sales, customer):
    result = sweep(day(0, 16))
    assert (result.first_contact, result.recontact, result.policy_version) == (1, 0, 1)
    assert open_tasks("first_contact") == [(sales.pk, customer.pk, dt.date(2026, 3, 5))]
    task = Task.objects.get()
    assert task.title == "首次跟进：杭州华信电子科技有限公司" and task.source_key == f"first_contact:{customer.pk}:{sales.pk}"
    assert sweep(day(0, 17)) == reminders.SweepResult(1, 0, 0, 0)  # run twice: nothing new
    assert sweep(day(2)).first_contact == 0 and Task.objects.count() == 1
    entry = AuditEntry.objects.get(action=actions.TASK_SWEEP)
    assert entry.data == {"policy_version": 1, "recontact": 0, "first_contact": 1, "cancelled": 0}


def test_an_old_customer_never_contacted_is_not_new(sales):
    with clock.frozen(day(-10)):
        make_customer(sales, "宁波恒通物流有限公司")
    assert sweep(day(0)).first_contact == 0 and not Task.objects.exists()


def test_recontact_at_day_60_not_59_and_once_per_silence(sales, customer):
    with clock.frozen(day(0, 16)):
        services.followup_record(actor=sales, customer=customer, data={"kind": "phone", "content": "初次电话"})
    assert sweep(day(59, 23)).recontact == 0  # day X-1, late evening
    result = sweep(day(60, 0))  # day X, just after midnight
    assert result.recontact == 1
    assert open_tasks("recontact") == [(sales.pk, customer.pk, dt.date(2026, 5, 1))]
    assert Task.objects.get(kind="recontact").source_key == f"recontact:{customer.pk}:2026-03-02"
    for n in (60, 61, 90):
        assert sweep(day(n, 12)).recontact == 0
    assert Task.objects.filter(kind="recontact").count() == 1


def test_a_followup_closes_the_reminder_and_restarts_the_clock(sales, customer):
    sweep(day(0, 16))
    with clock.frozen(day(2, 9)):
        services.followup_record(actor=sales, customer=customer, data={"kind": "visit", "content": "上门拜访"})
    assert open_tasks("first_contact") == [] and Task.objects.get().status == "done"
    assert sweep(day(61)).recontact == 0  # 59 days after the visit
    assert sweep(day(62)).recontact == 1
    assert Task.objects.get(kind="recontact").source_key == f"recontact:{customer.pk}:2026-03-04"
    assert Task.objects.get(kind="recontact").due_date == dt.date(2026, 5, 3)


def test_a_new_owner_gets_the_reminder_and_the_old_one_is_cancelled(sales, customer, make_user):
    manager = make_user(roles.SALES_MANAGER, department=sales.department)
    colleague = make_user(roles.SALESPERSON, department=sales.department, full_name="赵接手")
    sweep(day(0, 16))
    with clock.frozen(day(1)):
        ownership.customer_transfer(actor=manager, customers=[customer.pk], to_owner=colleague, reason="调整区域")
    result = sweep(day(1, 2))
    assert result.cancelled == 1 and Task.objects.get(assignee=sales).status == "cancelled"
    # The new owner's reminder: a customer created 1 day ago is still new.
    assert result.first_contact == 1 and open_tasks("first_contact") == [(colleague.pk, customer.pk, dt.date(2026, 3, 5))]
    with clock.frozen(day(2)):
        services.followup_record(actor=colleague, customer=customer, data={"kind": "phone", "content": "交接后首次电话"})
    assert sweep(day(62, 2)).recontact == 1  # 60 days after the call
    assert open_tasks("recontact") == [(colleague.pk, customer.pk, dt.date(2026, 5, 3))]


def test_open_tasks_move_to_the_receiver_on_departure(sales, customer, make_user):
    manager = make_user(roles.SALES_MANAGER, department=sales.department)
    receiver = make_user(roles.SALESPERSON, department=sales.department, full_name="赵接手")
    sweep(day(0, 16))
    done = Task.objects.create(assignee=sales, kind="follow_up", title="已完成", due_date=day(0).date(),
                               status="done")
    assert handover.pending(sales) == {"customers.customer": 1, "engagement.task": 1}
    with clock.frozen(day(1)):
        record = org_services.user_handover(actor=manager, leaver=sales, receivers=[receiver], reason="离职")
    assert record.counts == {"customers.customer": 1, "engagement.task": 1}
    assert open_tasks("first_contact") == [(receiver.pk, customer.pk, dt.date(2026, 3, 5))]
    done.refresh_from_db()
    assert done.assignee == sales  # history stays with who did it


def test_scheduled_hourly_and_the_cli_runs_it(sales, customer):
    entry = next(e for e in schedule.REGISTRY.values() if e.task is tasks.sweep_contact_tasks)
    assert entry.every == dt.timedelta(hours=1)
    out = StringIO()
    with clock.frozen(day(0, 16)):
        call_command("tasks_sweep", stdout=out)
        call_command("tasks_sweep", stdout=out)
    assert out.getvalue().splitlines() == ["制度第 1 版：再次联系 0 条，首次跟进 1 条，取消已换负责人的 0 条。",
                                           "制度第 1 版：再次联系 0 条，首次跟进 0 条，取消已换负责人的 0 条。"]
    with clock.frozen(day(0, 17)):
        assert tasks.sweep_contact_tasks.call() == 0


@pytest.mark.django_db(transaction=True)
def test_the_task_runs_outside_any_outer_transaction(defaults_seeded, make_user):
    """As the worker runs it: every chunk and the audit entry in transactions of the sweep's own."""
    owner = make_user(roles.SALESPERSON)
    with clock.frozen(T0):
        customer = make_customer(owner, "杭州华信电子科技有限公司")
    with clock.frozen(day(0, 16)):
        assert tasks.sweep_contact_tasks.call() == 1
        assert tasks.sweep_contact_tasks.call() == 0
    assert open_tasks("first_contact") == [(owner.pk, customer.pk, dt.date(2026, 3, 5))]
    assert AuditEntry.objects.filter(action=actions.TASK_SWEEP).count() == 1


@pytest.mark.req("REL-1", "REL-6")
def test_the_demo_has_followups_and_reminders(tmp_path, capsys):
    from django.test import override_settings

    from kehu.engagement.models import FollowUp

    with override_settings(VAR_DIR=tmp_path):
        call_command("demo")
    capsys.readouterr()
    owners = {f.by_id for f in FollowUp.objects.all()}
    assert owners and Task.objects.filter(kind="follow_up", due_date=clock.today(), assignee__in=owners).count() == len(owners)
    assert Task.objects.filter(kind="first_contact").exists()


def test_a_new_policy_version_sets_x_and_y(sales, make_user):
    """X = 20 and Y = 1 in a version published before T0: the sweep follows the version in force."""
    import copy

    from kehu.policy import services as policy_services
    from kehu.policy.models import Policy

    drafter, approver = make_user(roles.SYSTEM_ADMIN), make_user(roles.GENERAL_MANAGER)
    with clock.frozen(T0 - dt.timedelta(days=3)):
        version = policy_services.policy_version_draft(actor=drafter, policy=Policy.objects.get(code="customer_management"))
        rules = copy.deepcopy(version.rules)
        rules["reminders"].update(recontact_after_days=20, first_followup_within_days=1)
        policy_services.policy_version_update(actor=drafter, version=version, rules=rules,
                                              effective_from=T0 - dt.timedelta(days=2), summary="提醒周期调整")
        policy_services.policy_version_submit(actor=drafter, version=version)
        policy_services.policy_version_publish(actor=approver, version=version)
    with clock.frozen(T0):
        customer = make_customer(sales, "杭州华信电子科技有限公司")
    result = sweep(day(0, 16))
    assert (result.policy_version, result.first_contact) == (2, 1)
    assert open_tasks("first_contact") == [(sales.pk, customer.pk, dt.date(2026, 3, 3))]
    # Ticked off without a follow-up: the customer is still uncontacted, so 20 days on it is due again.
    services.task_complete(actor=sales, task=Task.objects.get())
    assert sweep(day(19, 23)).recontact == 0 and sweep(day(20, 0)).recontact == 1


def test_a_customer_released_to_the_pool_takes_its_reminder_with_it(sales, customer):
    sweep(day(0, 16))
    with clock.frozen(day(1)):
        ownership.customer_release(actor=sales, customer=customer, reason="不在负责区域")
    assert sweep(day(1, 2)).cancelled == 1 and Task.objects.get().status == "cancelled"
    assert sweep(day(90)) == reminders.SweepResult(1, 0, 0, 0)  # nobody owns it: no reminders

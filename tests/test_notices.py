"""The warnings the rules promise, as notifications (OWN-3, OWN-6, REL-2): daily digests at the policy's
boundaries, sent once a day; notices of an operation once per operation, to the right people only; in the
recipient's language; an opted-out channel carries nothing, the inbox still does."""

import datetime as dt
import itertools

import pytest
from django.core import mail
from django.urls import reverse

from kehu.core import clock
from kehu.customers import access_alerts, hooks, ownership
from kehu.customers.models import AccessKind, Customer
from kehu.engagement import notices, notify, tasks_care
from kehu.engagement.models import Notification, VisitPlan, VisitPlanStatus
from kehu.org import roles
from kehu.policy.models import PolicyVersion
from tests.customer_data import make_customer
from tests.test_customers_access_alerts import NOW as ALERT_NOW
from tests.test_customers_access_alerts import TODAY as ALERT_DAY
from tests.test_customers_access_alerts import act, history
from tests.test_customers_pools import day

pytestmark = pytest.mark.django_db


def inbox(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("id"))


@pytest.mark.req("OWN-3")
def test_returning_digest_from_the_warning_day_once_a_day(sales, other):
    with clock.frozen(day(0)):
        for n in range(3):
            make_customer(sales, f"客户{n}有限公司")
        make_customer(other, "王五的客户有限公司")
    Customer.objects.filter(owner=other).update(last_contact_at=day(20))
    with clock.frozen(day(26, 23)):  # 30 days without a follow-up, warned 3 days before: not yet
        assert notices.returning_soon_digest() == 0
    with clock.frozen(day(27, 0)):
        assert tasks_care.digest_returning_customers.call() == 1
        assert notices.returning_soon_digest() == 0  # the same day again: nothing new
    [row] = inbox(sales)
    assert row.kind == "ownership" and row.url == reverse("customers:mine") + "?soon=1"
    assert "3" in row.body and row.title == "客户即将退回公海"
    assert inbox(other) == []  # their customer was followed up
    with clock.frozen(day(28)):
        assert notices.returning_soon_digest() == 1  # a new day, a new digest
    assert len(inbox(sales)) == 2


@pytest.mark.req("OWN-3")
def test_owner_hears_of_the_sweeps_return_once_in_their_language(sales, other, django_capture_on_commit_callbacks):
    sales.preferred_language = "en"
    sales.save()
    with clock.frozen(day(0)):
        for n in range(2):
            make_customer(sales, f"客户{n}有限公司")
    with clock.frozen(day(31)), django_capture_on_commit_callbacks(execute=True):
        assert ownership.pool_return_sweep().returned == 2
        assert ownership.pool_return_sweep().returned == 0
    [row] = inbox(sales)
    assert row.title == "Customers returned to the pool" and "2" in row.body
    assert row.url == reverse("customers:pools")
    assert inbox(other) == []


@pytest.mark.req("OWN-3")
def test_receiver_of_an_assignment_hears_once_per_operation_not_on_a_claim(
        make_user, sales, other, django_capture_on_commit_callbacks):
    manager = make_user(roles.SALES_MANAGER, full_name="李经理", department=sales.department)
    with clock.frozen(day(0)):
        made = [make_customer(sales, f"客户{n}有限公司") for n in range(3)]
    with clock.frozen(day(1)), django_capture_on_commit_callbacks(execute=True):
        ownership.customer_transfer(actor=manager, customers=[c.pk for c in made], to_owner=other, reason="调整区域")
    [row] = inbox(other)
    assert "李经理" in row.body and "3" in row.body and row.url == reverse("customers:mine")
    assert inbox(sales) == [] and inbox(manager) == []
    with clock.frozen(day(0)):
        mine = make_customer(sales, "另一客户有限公司")
    with clock.frozen(day(2)), django_capture_on_commit_callbacks(execute=True):
        ownership.customer_release(actor=sales, customer=mine, reason="无意向")
        ownership.customer_claim(actor=other, customer=Customer.objects.get(pk=mine.pk))
    assert len(inbox(other)) == 1 and inbox(sales) == []  # a claim is the claimer's own doing


@pytest.mark.req("OWN-3")
def test_a_rolled_back_operation_announces_nothing(make_user, sales, other, django_capture_on_commit_callbacks):
    manager = make_user(roles.SALES_MANAGER, department=sales.department)
    with clock.frozen(day(0)):
        customer = make_customer(sales, "客户有限公司")
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        from django.db import transaction

        with transaction.atomic():
            ownership.customer_transfer(actor=manager, customers=[customer.pk], to_owner=other, reason="调整区域")
            raise RuntimeError
    assert callbacks == [] and inbox(other) == []


@pytest.mark.req("OWN-6")
def test_every_active_security_admin_hears_of_an_alert_once(make_user, sales, django_capture_on_commit_callbacks):
    guards = [make_user(roles.SECURITY_ADMIN), make_user(roles.SECURITY_ADMIN)]
    gone = make_user(roles.SECURITY_ADMIN)
    gone.is_active = False
    gone.save()
    bystander = make_user(roles.SALES_MANAGER)
    history(sales, 10)
    act(sales, ALERT_NOW, 60)
    with clock.frozen(ALERT_NOW), django_capture_on_commit_callbacks(execute=True):
        [alert] = access_alerts.sweep(now=ALERT_NOW)
        assert access_alerts.sweep(now=ALERT_NOW) == []
    for guard in guards:
        [row] = inbox(guard)
        assert row.kind == "security" and row.url == reverse("customers:access_alert", args=[alert.pk])
        assert "张销售" in row.body and ALERT_DAY.isoformat() in row.body and "60" in row.body
    assert alert.kind == AccessKind.VIEW
    assert inbox(gone) == [] and inbox(bystander) == [] and inbox(sales) == []
    notices.on_alert(alert=alert)  # a listener called twice sends nothing new
    assert Notification.objects.filter(key=f"own6.alert:{alert.pk}").count() == 2


RULES = itertools.count()


def plan(responsible, customer, due_on: dt.date, status=VisitPlanStatus.OPEN) -> VisitPlan:
    return VisitPlan.objects.create(
        customer=customer, rule=f"general.r{next(RULES)}", visitor="owner", period="month", responsible=responsible,
        department=customer.department,
        period_start=due_on.replace(day=1), period_end=due_on, due_on=due_on, status=status,
        policy_version=PolicyVersion.objects.order_by("id").first())


@pytest.mark.req("REL-2")
def test_overdue_visit_digest_per_responsible_person_once_a_day(sales, other):
    with clock.frozen(day(0)):
        customer = make_customer(sales, "客户有限公司")
    today = day(10).date()
    plan(sales, customer, today - dt.timedelta(days=1))
    plan(sales, customer, today - dt.timedelta(days=5))
    plan(sales, customer, today)  # due today: not overdue yet
    plan(other, customer, today)
    plan(other, customer, today - dt.timedelta(days=3), status=VisitPlanStatus.MISSED)  # closed
    with clock.frozen(day(10, 0)):
        assert tasks_care.digest_overdue_visits.call() == 1
        assert notices.overdue_visits_digest() == 0
    [row] = inbox(sales)
    assert row.kind == "visits" and "2" in row.body and row.url == reverse("visits:plans") + "?state=overdue"
    assert inbox(other) == []
    with clock.frozen(day(11, 0)):
        assert notices.overdue_visits_digest() == 2  # other's plan due on day 10 is overdue now


@pytest.mark.req("REL-2")
def test_the_head_of_the_customers_department_hears_of_the_others_overdue_plans(make_user, sales, other):
    head = make_user(roles.SALES_MANAGER, department=sales.department, full_name="李经理")
    department = sales.department
    department.head = head
    department.save()
    with clock.frozen(day(0)):
        customer = make_customer(sales, "客户有限公司")
    for responsible in (sales, sales, other, head):
        plan(responsible, customer, day(5).date())
    with clock.frozen(day(10)):
        assert notices.overdue_visits_digest() == 4  # sales, other, head for their own, head for the team
        assert notices.overdue_visits_digest() == 0
    [own, team] = inbox(head)
    assert "1" in own.body and "3" in team.body  # the head's own plan is not the team's
    assert team.url == reverse("visits:plans") + "?team=1&state=overdue"
    department.head = sales  # a head who may not read the team's plans gets no team digest
    department.save()
    with clock.frozen(day(11)):
        assert notices.overdue_visits_digest() == 3
    assert len(inbox(sales)) == 2


@pytest.mark.req("REL-6")
def test_a_digest_skips_the_channel_its_recipient_turned_off_but_keeps_the_inbox(sales, other):
    sales.email, other.email = "zhang@example.com", "wang@example.com"
    sales.save()
    other.save()
    notify.preferences_set(user=sales, enabled=set())
    with clock.frozen(day(0)):
        customer = make_customer(sales, "客户有限公司")
    plan(sales, customer, day(5).date())
    plan(other, customer, day(5).date())
    with clock.frozen(day(10)):
        assert notices.overdue_visits_digest() == 2
        for row in Notification.objects.order_by("id"):
            notify.deliver(row.pk)
    assert [m.to for m in mail.outbox] == [["wang@example.com"]]
    assert len(inbox(sales)) == 1


def test_the_digests_run_daily_after_the_nights_sweeps_and_the_hooks_are_filled():
    from kehu.core import schedule

    for job in (tasks_care.digest_returning_customers, tasks_care.digest_overdue_visits):
        assert schedule.REGISTRY[job.module_path].daily_at == dt.time(7, 0)
    assert notices.on_alert in hooks.LISTENERS[hooks.ACCESS_ALERT_RAISED]
    assert notices.on_received in hooks.LISTENERS[hooks.CUSTOMERS_RECEIVED]
    assert notices.on_returned in hooks.LISTENERS[hooks.CUSTOMERS_RETURNED]


@pytest.mark.req("REL-6")
def test_notify_with_a_key_sends_only_to_those_who_lack_it(sales, other, make_user):
    third = make_user(roles.SALESPERSON)
    assert len(notify.notify([sales], "visits", "标题", "内容", key="rel2.overdue:2026-11-12")) == 1
    sent = notify.notify([sales, other, third], "visits", "标题", "内容", key="rel2.overdue:2026-11-12")
    assert [row.recipient_id for row in sent] == [other.pk, third.pk]
    assert Notification.objects.filter(key="rel2.overdue:2026-11-12").count() == 3
    assert inbox(sales)[0].key == "rel2.overdue:2026-11-12" and len(inbox(sales)) == 1
    assert len(notify.notify([sales], "visits", "标题", "内容")) == 1  # no key: always sent


@pytest.mark.req("OWN-5")
def test_each_receiver_of_a_handover_hears_once(make_user, sales, django_capture_on_commit_callbacks):
    from kehu.org import services as org_services

    manager = make_user(roles.SALES_MANAGER, department=sales.department, full_name="钱经理")
    a, b = (make_user(roles.SALESPERSON, department=sales.department) for _ in range(2))
    with clock.frozen(day(0)):
        for n in range(5):
            make_customer(sales, f"客户{n}有限公司")
    with clock.frozen(day(1)), django_capture_on_commit_callbacks(execute=True):
        org_services.user_handover(actor=manager, leaver=sales, receivers=[a, b], reason="离职")
    assert ["3" in row.body and "钱经理" in row.body for row in inbox(a)] == [True]
    assert ["2" in row.body for row in inbox(b)] == [True]
    assert inbox(manager) == []

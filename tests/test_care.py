"""Care (REL-3): the daily sweep makes care tasks from the policy's care rules (a lunar birthday on its solar
date, festivals, anniversaries), idempotently; templates with placeholders and a preview; sending respects
marketing consent (PRIV-1); pages, "my day" and /api/v1/care-tasks."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from lunar_python import Lunar

from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.core.errors import DomainError
from kehu.customers import services
from kehu.customers.factories import ContactFactory, CustomerFactory
from kehu.customers.models import Customer
from kehu.engagement import care, tasks_care
from kehu.engagement.models import CareItem, CareTemplate, Notification, Task
from kehu.org import roles
from kehu.policy.evaluators.base import SHANGHAI

pytestmark = [pytest.mark.django_db, pytest.mark.req("REL-3")]


def at(day: dt.date, hour: int = 6):
    return clock.frozen(dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI))


def lunar_born(year, month, day) -> dt.date:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return dt.date(solar.getYear(), solar.getMonth(), solar.getDay())


@pytest.fixture
def customer(sales):
    return CustomerFactory(owner=sales, department=sales.department, tier="key", name="杭州华信电子科技有限公司")


@pytest.fixture
def zhang(customer):
    """A contact who celebrates 八月十五 by the lunar calendar (born 1988-09-25)."""
    return ContactFactory(customer=customer, name="张三", email="zhang@example.com",
                          birthday=lunar_born(1988, 8, 15), birthday_is_lunar=True)


def sweep(day: dt.date) -> int:
    with at(day):
        return tasks_care.sweep_care.call()


def test_a_lunar_birthday_task_appears_lead_days_before_its_solar_date(sales, zhang):
    assert sweep(dt.date(2027, 9, 11)) == 0  # 4 days before: not yet (lead 3 days)
    assert sweep(dt.date(2027, 9, 12)) == 2  # the birthday and Mid-Autumn, both on 15 September 2027
    birthday = CareItem.objects.get(occasion="birthday")
    assert (birthday.on, birthday.contact, birthday.task.assignee) == (dt.date(2027, 9, 15), zhang, sales)
    assert birthday.task.kind == "care" and birthday.task.due_date == dt.date(2027, 9, 15)
    assert birthday.task.title == "生日关怀：张三"
    assert CareItem.objects.get(occasion="mid_autumn").contact is None
    # the next year: 八月十五 2028 is 3 October
    assert sweep(dt.date(2028, 9, 30)) == 3  # with National Day (1 October)
    assert CareItem.objects.filter(occasion="birthday").latest("on").on == dt.date(2028, 10, 3)


def test_the_sweep_is_idempotent_and_notifies_the_owner_once(sales, zhang):
    assert sweep(dt.date(2027, 9, 12)) == 2
    assert sweep(dt.date(2027, 9, 12)) == 0
    assert sweep(dt.date(2027, 9, 13)) == 0  # the same occasions, still in the window
    assert Task.objects.filter(kind="care").count() == 2
    [note] = Notification.objects.filter(recipient=sales, kind="care")
    assert "2" in note.body and note.url == reverse("engagement:care_list")


def test_tiers_outside_the_rules_and_inactive_owners_get_nothing(sales, zhang, customer):
    Customer.objects.filter(pk=customer.pk).update(tier="potential")
    assert sweep(dt.date(2027, 9, 12)) == 0
    with at(dt.date(2027, 9, 12)):
        assert care.due_on(dt.date(2027, 9, 12))[1] == []
    Customer.objects.filter(pk=customer.pk).update(tier="key")
    sales.is_active = False
    sales.save()
    assert sweep(dt.date(2027, 9, 12)) == 0


def test_a_solar_29_february_birthday_in_a_common_year(sales, customer):
    ContactFactory(customer=customer, name="闰日", birthday=dt.date(1996, 2, 29))
    sweep(dt.date(2027, 2, 25))
    assert CareItem.objects.get(occasion="birthday").on == dt.date(2027, 2, 28)


def test_cooperation_anniversary_from_the_day_the_customer_was_recorded(sales, customer):
    Customer.objects.filter(pk=customer.pk).update(stage="customer",
                                                   created_at=dt.datetime(2024, 5, 20, 10, tzinfo=SHANGHAI))
    sweep(dt.date(2027, 5, 18))
    item = CareItem.objects.get(occasion="anniversary")
    assert item.on == dt.date(2027, 5, 20) and item.occasion_label == "合作 3 周年"


# --- templates and sending ------------------------------------------------------------------------
@pytest.fixture
def item(sales, zhang):
    sweep(dt.date(2027, 9, 12))
    return CareItem.objects.get(occasion="birthday")


def grant_email(sales, contact):
    return services.consent_grant(actor=sales, customer=contact.customer, contact=contact, purpose="marketing",
                                  channel="email", legal_basis="consent", notice_version="v2026-01",
                                  collected_via="paper")


def test_email_without_consent_is_refused_with_the_reason(sales, item, login):
    with pytest.raises(DomainError) as refused:
        care.care_send(actor=sales, item=item, channel="email", message="生日快乐")
    assert refused.value.code == "consent_never_asked"
    response = login(sales).post(reverse("engagement:care_detail", args=[item.pk]),
                                 {"channel": "email", "message": "生日快乐"}, follow=True)
    assert "未征得本人对电子邮件营销的同意" in response.content.decode()
    assert mail.outbox == [] and CareItem.objects.get(pk=item.pk).sent_at is None


def test_email_with_consent_is_sent_and_closes_the_task(sales, item, zhang, login):
    grant_email(sales, zhang)
    response = login(sales).post(reverse("engagement:care_detail", args=[item.pk]),
                                 {"channel": "email", "subject": "中秋生日快乐", "message": "张三：生日快乐！"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["zhang@example.com"] and message.subject == "中秋生日快乐"
    item.refresh_from_db()
    assert item.sent_channel == "email" and item.task.status == "done"
    entry = AuditEntry.objects.filter(action="care.send").get()
    assert entry.data["channel"] == "email" and entry.data["consent_record"]


def test_after_withdrawal_email_is_refused_again(sales, item, zhang):
    grant_email(sales, zhang)
    services.consent_withdraw(actor=sales, customer=zhang.customer, contact=zhang, purpose="marketing",
                              channel="email", collected_via="phone")
    with pytest.raises(DomainError) as refused:
        care.care_send(actor=sales, item=item, channel="email", message="生日快乐")
    assert refused.value.code == "consent_opted_out"


def test_record_needs_no_consent_and_sends_nothing(sales, item):
    care.care_send(actor=sales, item=item, channel="record", message="送了月饼")
    assert mail.outbox == [] and CareItem.objects.get(pk=item.pk).sent_channel == "record"
    with pytest.raises(DomainError) as again:
        care.care_send(actor=sales, item=item, channel="record", message="再来")
    assert again.value.code == "already_sent"


def test_shipped_templates_fill_the_send_form(sales, item, login, make_user):
    assert set(CareTemplate.objects.values_list("occasion", flat=True)) == {
        "birthday", "spring_festival", "mid_autumn", "anniversary"}
    html = login(sales).get(reverse("engagement:care_detail", args=[item.pk])).content.decode()
    assert "张三您好！今天是您的生日，杭州华信电子科技有限公司的朋友们祝您" in html and "——张销售" in html
    assert 'value="张三，生日快乐"' in html


def test_a_chosen_template_fills_the_send_form(sales, item, login, make_user):
    own = care.template_save(actor=make_user(roles.MARKETING_VP), occasion="birthday", name="简短祝福",
                             subject="{name}，生日快乐", body="{name}您好！{company}祝您{occasion}快乐。——{sender}")
    html = login(sales).get(reverse("engagement:care_detail", args=[item.pk]), {"template": own.pk}).content.decode()
    assert "张三您好！杭州华信电子科技有限公司祝您生日快乐。——张销售" in html


def test_an_unknown_placeholder_is_refused_and_preview_fills_samples(make_user, login):
    manager = make_user(roles.MARKETING_VP)
    c = login(manager)
    shipped = CareTemplate.objects.count()
    response = c.post(reverse("engagement:care_template_new"),
                      {"occasion": "birthday", "name": "x", "subject": "s", "body": "{nmae}您好"})
    assert "未知的占位符：nmae" in response.content.decode() and CareTemplate.objects.count() == shipped
    response = c.post(reverse("engagement:care_template_new"),
                      {"occasion": "birthday", "name": "x", "subject": "s", "body": "{name}您好", "preview": "1"})
    assert "张三您好" in response.content.decode() and CareTemplate.objects.count() == shipped
    c.post(reverse("engagement:care_template_new"),
           {"occasion": "birthday", "name": "x", "subject": "s", "body": "{name}您好", "active": "1"})
    assert CareTemplate.objects.get(name="x").body == "{name}您好"
    assert AuditEntry.objects.filter(action="care.template_save").exists()


@pytest.mark.req("SEC-3")
def test_a_birthday_date_is_hidden_from_a_role_that_may_not_see_contact_birthdays(sales, item, login, make_user):
    from kehu.customers.field_access import CONTACT, EVERYWHERE, HIDDEN
    from kehu.org.models import Role

    services.field_permissions_set(actor=make_user(roles.SECURITY_ADMIN), role=Role.objects.get(code=roles.SALESPERSON),
                                   cells={(CONTACT, "birthday"): (HIDDEN, EVERYWHERE)})
    sales = type(sales).objects.get(pk=sales.pk)  # field access is computed once per user object
    assert care.shown_date(sales, item) is None
    html = login(sales).get(reverse("engagement:care_list")).content.decode()
    assert "2027-09-15" in html  # Mid-Autumn's date is no secret …
    assert html.count("2027-09-15") == 1  # … the birthday's is


# --- pages, permissions, my day, API ----------------------------------------------------------------
def test_pages_anonymous_without_permission_and_not_mine(client, login, sales, other, item, make_user):
    urls = [reverse("engagement:care_list"), reverse("engagement:care_detail", args=[item.pk]),
            reverse("engagement:care_templates"), reverse("engagement:care_template_new")]
    for url in urls:
        assert client.get(url).status_code == 302
    admin = login(make_user(roles.SYSTEM_ADMIN))
    for url in urls:
        assert admin.get(url).status_code == 403
    theirs = login(other)
    assert theirs.get(reverse("engagement:care_detail", args=[item.pk])).status_code == 404
    assert theirs.post(reverse("engagement:care_detail", args=[item.pk]),
                       {"channel": "record", "message": "x"}).status_code == 404
    assert theirs.get(reverse("engagement:care_templates")).status_code == 403  # salespeople do not edit templates


def test_care_list_query_budget(sales, customer, login, django_assert_max_num_queries):
    for i in range(20):
        ContactFactory(customer=customer, name=f"联系人{i}", birthday=dt.date(1980, 9, 13))
    sweep(dt.date(2027, 9, 12))
    c = login(sales)
    with django_assert_max_num_queries(12):
        html = c.get(reverse("engagement:care_list")).content.decode()
    assert html.count("生日") >= 20


def test_my_day_shows_care_this_week(sales, zhang, login):
    today = clock.today()
    Contact = type(zhang)
    born = (today + dt.timedelta(days=2)).replace(year=1992)  # a leap year: any day exists
    Contact.objects.filter(pk=zhang.pk).update(birthday=born, birthday_is_lunar=False)
    assert sweep(today) >= 1
    html = login(sales).get(reverse("engagement:my_day")).content.decode()
    assert "本周客户关怀" in html and "生日关怀：张三" in html


@pytest.mark.req("PRIV-1")
def test_api_list_and_send(sales, other, item, api_client, client, make_user):
    assert client.get("/api/v1/care-tasks").status_code == 401
    assert api_client(make_user(roles.SYSTEM_ADMIN)).get("/api/v1/care-tasks").status_code == 403
    api = api_client(sales)
    body = api.get("/api/v1/care-tasks").json()
    assert {row["occasion"] for row in body["items"]} == {"birthday", "mid_autumn"}
    assert api_client(other).get(f"/api/v1/care-tasks/{item.pk}").status_code == 404
    refused = api.post(f"/api/v1/care-tasks/{item.pk}/send", {"channel": "email", "message": "生日快乐"},
                       content_type="application/json")
    assert refused.status_code == 409 and refused.json()["code"] == "consent_never_asked"
    done = api.post(f"/api/v1/care-tasks/{item.pk}/send", {"channel": "record", "message": "电话问候"},
                    content_type="application/json")
    assert done.status_code == 200 and done.json()["sent_channel"] == "record"


def test_a_sweep_with_nothing_new_costs_the_same_for_many_customers(sales):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def rerun_cost(n):
        for i in range(n):
            customer = CustomerFactory(owner=sales, department=sales.department, tier="key", name=f"客户{n}-{i}")
            ContactFactory(customer=customer, name=f"联系人{i}", birthday=dt.date(1980, 9, 14))
        sweep(dt.date(2027, 9, 12))
        with CaptureQueriesContext(connection) as queries:
            assert sweep(dt.date(2027, 9, 12)) == 0
        return len(queries)

    # policy version, customers with their owners, contacts, existing keys (one query per 500 keys), and the
    # savepoint pair of the (empty) notification block
    assert rerun_cost(5) == rerun_cost(30) <= 6

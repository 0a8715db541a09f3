"""Notifications (REL-6): notify() → inbox, e-mail (locmem) and webhooks (a real local HTTP server) delivered
by the worker's task, with retries and backoff, once per target, never on a channel the person turned off;
the system admin's sealed webhook settings; the pages and /api/v1/notifications."""

import datetime as dt
import json

import pytest
from django.core import mail
from django.urls import reverse

from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.engagement import notify, tasks_care
from kehu.engagement.models import ChannelOptOut, Delivery, Notification, WebhookEndpoint
from kehu.org import roles

pytestmark = [pytest.mark.django_db, pytest.mark.req("REL-6")]
T0 = dt.datetime(2027, 9, 14, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture
def admin(make_user):
    return make_user(roles.SYSTEM_ADMIN)


@pytest.fixture
def endpoint(admin, robot):
    return notify.endpoint_save(actor=admin, name="销售群", format="dingtalk", url=robot.url + "?access_token=t0k3n",
                                secret="SEC123")


def one(user, **extra):
    with clock.frozen(T0):
        [row] = notify.notify([user], "care", "关怀提醒", "张三明天生日", url="/care/1/", **extra)
    return row


def test_notify_writes_the_inbox_and_enqueues_delivery_on_commit(sales, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        row = one(sales)
    assert Notification.objects.get().recipient == sales
    assert len(callbacks) == 1  # deliver_notification is enqueued only once the transaction commits
    assert notify.unread_count(sales) == 1 and row.read_at is None


def test_inactive_users_are_not_notified(make_user):
    assert notify.notify([make_user(is_active=False)], "care", "x", "y") == []


def test_email_and_webhook_delivered_once_with_signature(sales, endpoint, robot, settings):
    settings.PUBLIC_URL = "https://crm.example"
    sales.email = "zhang@example.com"
    sales.save()
    row = one(sales)
    with clock.frozen(T0):
        outcome = tasks_care.deliver_notification.call(row.pk)
    assert outcome == {"email": "sent", f"webhook:{endpoint.pk}": "sent"}
    [message] = mail.outbox
    assert message.to == ["zhang@example.com"] and message.subject == "关怀提醒"
    assert "https://crm.example/care/1/" in message.body
    [post] = robot.received
    assert "access_token=t0k3n" in post.path and "sign=" in post.path and "timestamp=" in post.path
    assert post.json["markdown"]["title"] == "关怀提醒"
    assert "https://crm.example/care/1/" in post.json["markdown"]["text"]
    # idempotent: delivering again sends nothing
    assert notify.deliver(row.pk) == {}
    assert len(mail.outbox) == 1 and len(robot.received) == 1


def test_a_failed_post_is_retried_with_backoff_then_given_up(sales, endpoint, robot):
    row = one(sales)
    robot.answers += [(200, '{"errcode": 310000, "errmsg": "keywords not in content"}')] * 5
    at = T0
    with clock.frozen(at):
        notify.deliver(row.pk)
    for attempt in range(1, 6):
        if attempt > 1:
            with clock.frozen(at):
                assert tasks_care.retry_deliveries.call() == 1
        delivery = Delivery.objects.get(target=f"webhook:{endpoint.pk}")
        assert delivery.attempts == attempt
        if attempt < 5:
            assert delivery.status == "pending"
            assert delivery.next_attempt_at == at + dt.timedelta(minutes=4 ** (attempt - 1))
            with clock.frozen(delivery.next_attempt_at - dt.timedelta(seconds=1)):
                assert notify.due_for_retry(clock.now()) == []  # not before its time
            at = delivery.next_attempt_at
    assert delivery.status == "failed" and "310000" in delivery.detail
    assert len(robot.received) == 5


def test_a_retry_succeeds(sales, endpoint, robot):
    row = one(sales)
    robot.answers.append((500, "busy"))
    with clock.frozen(T0):
        notify.deliver(row.pk)
    with clock.frozen(T0 + dt.timedelta(minutes=1)):
        assert tasks_care.retry_deliveries.call() == 1
    delivery = Delivery.objects.get(target=f"webhook:{endpoint.pk}")
    assert (delivery.status, delivery.attempts) == ("sent", 2)


def test_two_workers_send_once(sales, endpoint, robot):
    """The claim is a conditional UPDATE: a second worker finds the row taken and sends nothing."""
    row = one(sales)
    Delivery.objects.create(notification=row, target=f"webhook:{endpoint.pk}", status="sending", claimed_at=T0)
    with clock.frozen(T0):
        assert notify.deliver(row.pk) == {}
    assert robot.received == []
    with clock.frozen(T0 + notify.CLAIM_TIMEOUT + dt.timedelta(seconds=1)):  # that worker died: released
        assert tasks_care.retry_deliveries.call() == 0  # released rows wait for the next deliver …
        assert notify.deliver(row.pk) == {f"webhook:{endpoint.pk}": "sent"}


def test_never_to_a_person_who_opted_out(sales, endpoint, robot):
    sales.email = "zhang@example.com"
    sales.save()
    notify.preferences_set(user=sales, enabled=set())
    row = one(sales)
    assert notify.deliver(row.pk) == {}
    assert mail.outbox == [] and robot.received == []
    assert Notification.objects.filter(recipient=sales).count() == 1  # the inbox still has it


def test_opting_out_after_a_failure_skips_the_retry(sales, endpoint, robot):
    row = one(sales)
    robot.answers.append((500, "busy"))
    with clock.frozen(T0):
        notify.deliver(row.pk)
    ChannelOptOut.objects.create(user=sales, channel="webhook")
    with clock.frozen(T0 + dt.timedelta(minutes=2)):
        assert notify.deliver(row.pk) == {f"webhook:{endpoint.pk}": "skipped"}
    assert len(robot.received) == 1


def test_a_department_webhook_reaches_its_subtree_only(sales, other, admin, robot, make_user):
    endpoint = notify.endpoint_save(actor=admin, name="部门群", format="wecom", url=robot.url,
                                    department=sales.department)
    from kehu.org.factories import DepartmentFactory

    below = make_user(roles.SALESPERSON, department=DepartmentFactory(company=sales.department.company,
                                                                      parent=sales.department))
    assert other.department_id != sales.department_id
    assert f"webhook:{endpoint.pk}" in notify.targets(one(sales))
    assert f"webhook:{endpoint.pk}" in notify.targets(one(below))
    assert f"webhook:{endpoint.pk}" not in notify.targets(one(other))


def test_webhook_settings_are_sealed_audited_and_never_shown(admin, endpoint, login):
    row = WebhookEndpoint.objects.get()
    assert "t0k3n" not in row.url_sealed and "SEC123" not in row.secret_sealed
    assert row.unsealed()[1] == "SEC123" and row.url_hint.endswith("0k3n"[-4:])
    entry = AuditEntry.objects.filter(action="notify.webhook_save").get()
    assert "t0k3n" not in json.dumps(entry.data) and "SEC123" not in json.dumps(entry.data)
    client = login(admin)
    for url in (reverse("engagement:webhooks"), reverse("engagement:webhook_edit", args=[row.pk])):
        html = client.get(url).content.decode()
        assert row.url_hint in html and "t0k3n" not in html and "SEC123" not in html
    # saving without a URL or secret keeps both
    client.post(reverse("engagement:webhook_edit", args=[row.pk]), {"name": "改名", "format": "dingtalk",
                                                                    "enabled": "1"})
    row.refresh_from_db()
    assert row.name == "改名" and row.unsealed() == (endpoint.unsealed()[0], "SEC123")


def test_the_delivery_log_shows_answers_not_texts(admin, sales, endpoint, robot, login,
                                                 django_assert_max_num_queries):
    robot.answers.append((200, '{"errcode": 310000, "errmsg": "sign not match"}'))
    notify.deliver(one(sales).pk)
    signed_in = login(admin)
    with django_assert_max_num_queries(8):
        html = signed_in.get(reverse("engagement:webhooks")).content.decode()
    assert "sign not match" in html and f"webhook:{endpoint.pk}" in html and "张三明天生日" not in html


def test_webhook_test_button_posts_to_the_robot(admin, endpoint, robot, login):
    response = login(admin).post(reverse("engagement:webhook_test", args=[endpoint.pk]), follow=True)
    assert "HTTP 200" in response.content.decode()
    assert robot.received[0].json["markdown"]["title"] == "Kehu 测试消息"


def test_webhook_pages_need_system_configuration(client, login, sales, endpoint):
    urls = [reverse("engagement:webhooks"), reverse("engagement:webhook_edit", args=[endpoint.pk])]
    for url in urls:
        assert client.get(url).status_code == 302
    signed_in = login(sales)
    for url in urls:
        assert signed_in.get(url).status_code == 403
    assert signed_in.post(reverse("engagement:webhook_test", args=[endpoint.pk])).status_code == 403


def test_an_invalid_webhook_is_refused(admin, login):
    response = login(admin).post(reverse("engagement:webhooks"), {"name": "x", "format": "json",
                                                                  "url": "ftp://x"}, follow=True)
    assert "https://" in response.content.decode() and not WebhookEndpoint.objects.exists()


# --- pages ----------------------------------------------------------------------------------------
def test_inbox_badge_and_mark_read(sales, other, login, django_assert_max_num_queries):
    for _i in range(30):
        one(sales)
    theirs = one(other)
    c = login(sales)
    with django_assert_max_num_queries(8):
        html = c.get(reverse("engagement:notifications")).content.decode()
    assert html.count("关怀提醒") == 30
    assert 'data-unread="30"' in c.get(reverse("engagement:notification_badge")).content.decode()
    c.post(reverse("engagement:notifications_read"), {"id": [theirs.pk]})  # not mine: nothing changes
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    c.post(reverse("engagement:notifications_read"))
    assert notify.unread_count(sales) == 0
    assert "data-unread" not in c.get(reverse("engagement:notification_badge")).content.decode()


def test_notification_pages_need_sign_in(client):
    for name in ("notifications", "notification_badge", "notification_preferences"):
        response = client.get(reverse(f"engagement:{name}"))
        assert response.status_code == 302 and "login" in response["Location"]


def test_the_top_bar_loads_the_badge_after_the_page(sales, login):
    html = login(sales).get(reverse("web:home")).content.decode()
    assert f'hx-get="{reverse("engagement:notification_badge")}"' in html


def test_preferences_page(sales, login):
    c = login(sales)
    c.post(reverse("engagement:notification_preferences"), {"channel": ["email"]})
    assert notify.opted_out(sales) == {"webhook"}
    html = c.get(reverse("engagement:notification_preferences")).content.decode()
    assert 'value="email" id="ch-email" checked' in html and 'value="webhook" id="ch-webhook" >' in html


# --- API ------------------------------------------------------------------------------------------
def test_api_needs_sign_in(client):
    for url in ("/api/v1/notifications", "/api/v1/notifications/unread-count"):
        assert client.get(url).status_code == 401
    assert client.post("/api/v1/notifications/read", {}, content_type="application/json").status_code == 401


def test_api_mine_only_and_mark_read(sales, other, api_client, client):
    mine, theirs = one(sales), one(other)
    api = api_client(sales)
    assert client.get("/api/v1/notifications").status_code == 401
    body = api.get("/api/v1/notifications?unread=true").json()
    assert [item["id"] for item in body["items"]] == [mine.pk]
    assert api.get("/api/v1/notifications/unread-count").json() == {"count": 1}
    response = api.post("/api/v1/notifications/read", {"ids": [mine.pk, theirs.pk]}, content_type="application/json")
    assert response.json() == {"count": 1}
    assert Notification.objects.get(pk=theirs.pk).read_at is None

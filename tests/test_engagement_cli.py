"""``kehu care sweep`` (REL-3) and ``kehu notify test`` (REL-6)."""

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from kehu.customers.factories import ContactFactory, CustomerFactory
from kehu.engagement import notify
from kehu.engagement.models import CareItem
from kehu.org import roles
from tests import robot_server

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.req("REL-3")
def test_care_sweep_dry_run_then_once(sales):
    customer = CustomerFactory(owner=sales, department=sales.department, tier="strategic")
    ContactFactory(customer=customer, name="王芳", birthday=dt.date(1985, 3, 3))
    listed = run("care_sweep", "--date", "2027-03-01", "--dry-run")
    assert "2027-03-03  生日关怀：王芳" in listed and "1 项关怀到期" in listed
    assert not CareItem.objects.exists()
    assert "已生成 1 项" in run("care_sweep", "--date", "2027-03-01")
    assert "已生成 0 项" in run("care_sweep", "--date", "2027-03-02")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("care_sweep", "--date", "3/1")


@pytest.mark.req("REL-6")
def test_notify_test_email_and_webhook(make_user):
    assert "已发送到 ops@example.com" in run("notify_test", "--channel", "email", "--to", "ops@example.com")
    assert mail.outbox[0].subject == "Kehu 测试消息"
    robot, server = robot_server.start()
    try:
        endpoint = notify.endpoint_save(actor=make_user(roles.SYSTEM_ADMIN), name="运维群", format="feishu",
                                        url=robot.url)
        assert "运维群" in run("notify_test", "--channel", "webhook", "--webhook", str(endpoint.pk))
        assert robot.received[0].json["content"]["post"]["zh_cn"]["title"] == "Kehu 测试消息"
        robot.answers.append((200, '{"code": 19021, "msg": "sign match fail"}'))
        with pytest.raises(CommandError, match="19021"):
            run("notify_test", "--channel", "webhook", "--webhook", str(endpoint.pk))
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(CommandError):
        run("notify_test", "--channel", "webhook", "--webhook", "999")

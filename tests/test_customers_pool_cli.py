"""``kehu pool sweep`` and ``kehu customers transfer`` (OWN-3, OWN-4)."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.customers.models import Customer, OwnershipChange, OwnershipKind, TeamMember
from kehu.org import roles
from tests.customer_data import make_customer

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 11, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.req("OWN-3")
def test_pool_sweep_dry_run_lists_then_the_sweep_returns_once(sales):
    with clock.frozen(T0):
        customer = make_customer(sales, "北京甲科技有限公司")
    with clock.frozen(T0 + dt.timedelta(days=30)):
        listed = run("pool_sweep", "--dry-run")
        assert "北京甲科技有限公司" in listed and "30 天无跟进" in listed and "1 个客户到期" in listed
        assert Customer.objects.get(pk=customer.pk).owner == sales
        assert "退回公海 1 个客户（no_followup 1）" in run("pool_sweep")
        assert "退回公海 0 个客户" in run("pool_sweep")
    assert AuditEntry.objects.get(action="customer.return_to_pool").channel == "cli"


@pytest.mark.req("OWN-4")
def test_customers_transfer_moves_all_of_a_users_customers(make_user, sales):
    manager = make_user(roles.SALES_MANAGER, department=sales.department)
    mate = make_user(roles.SALESPERSON, department=sales.department, username="zhao")
    made = [make_customer(sales, f"客户{n}有限公司") for n in range(5)]
    output = run("customers_transfer", "--from", sales.username, "--to", "zhao", "--as", manager.username,
                 "--reason", "区域调整", "--keep-as-team-member")
    assert "已把 5 个客户" in output
    assert Customer.objects.filter(owner=mate).count() == 5
    assert TeamMember.objects.filter(user=sales, customer__in=made).count() == 5
    assert OwnershipChange.objects.filter(kind=OwnershipKind.TRANSFER, reason="区域调整").count() == 5
    with pytest.raises(CommandError, match="请选择客户"):
        run("customers_transfer", "--from", sales.username, "--to", "zhao", "--as", manager.username,
            "--reason", "再来一次")
    with pytest.raises(CommandError, match="分配和转移客户"):
        run("customers_transfer", "--from", "zhao", "--to", sales.username, "--as", sales.username,
            "--reason", "我自己来")

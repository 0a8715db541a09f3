"""PLAT-4 `kehu demo`: the demo company covers every default role (ORG-1, ORG-2) and loads only once."""

import re
import stat

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.management import CommandError, call_command
from django.test import override_settings

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.org import roles
from kehu.org.models import Company, Department, User

pytestmark = [pytest.mark.django_db, pytest.mark.req("PLAT-4")]


@pytest.fixture
def var_dir(tmp_path):
    with override_settings(VAR_DIR=tmp_path):
        yield tmp_path


def run_demo(capsys, *args) -> str:
    call_command("demo", *args)
    return capsys.readouterr().out


@pytest.mark.req("ORG-1", "ORG-2")
def test_demo_builds_the_company(var_dir, capsys):
    out = run_demo(capsys)
    group = Company.objects.get(name="华信控股集团有限公司")
    assert group.is_group and group.subsidiaries.count() == 2
    assert Department.objects.count() == 13
    east = Department.objects.get(name="华东大区")
    assert east.parent.name == "销售部" and east.head is not None
    assert not Department.objects.filter(head__isnull=True).exists()

    users = list(User.objects.all())
    assert 28 <= len(users) <= 32
    held = {code for user in users for code in user.role_codes}
    assert set(roles.DEFAULT_ROLES) <= held
    assert User.objects.filter(manager__isnull=True).count() == 1  # only the general manager
    assert {u.manager.department.company_id for u in users if u.manager} <= set(Company.objects.values_list("id", flat=True))

    password = re.search(r"password for every demo user:\s+(\S+)", out).group(1)
    assert len(password) >= 12
    validate_password(password)
    assert authenticate(username="zhangwei", password=password) == User.objects.get(username="zhangwei")
    for user in users:
        assert user.username in out and user.full_name in out
        row = next(line for line in out.splitlines() if f" {user.username} " in line)
        assert row.rstrip().endswith("TOTP") == user.requires_mfa, row  # who must enrol a second factor

    logins = var_dir / "demo-logins.txt"
    assert stat.S_IMODE(logins.stat().st_mode) == 0o600
    assert password in logins.read_text(encoding="utf-8")
    assert AuditEntry.objects.filter(action=actions.USER_CREATE).count() == len(users)


@pytest.mark.req("INFO-1", "INFO-2")
def test_demo_gives_every_salesperson_a_book_of_valid_customers(var_dir, capsys):
    from kehu.customers.demo import PER_OWNER, RELEASED
    from kehu.customers.models import Customer

    run_demo(capsys)
    owners = User.objects.filter(role_links__role__code__in=[roles.SALESPERSON, roles.KEY_ACCOUNT_MANAGER]).distinct()
    assert owners.count() >= 5
    for owner in owners:
        assert Customer.objects.filter(owner=owner).count() == PER_OWNER
    assert Customer.objects.filter(pool__is_default=True).count() == RELEASED * owners.count()
    assert all(c.contacts.filter(is_primary=True).count() == 1 for c in Customer.objects.all())
    assert AuditEntry.objects.filter(action=actions.CUSTOMER_CREATE).count() == Customer.objects.count()


def test_if_empty_leaves_an_existing_database_alone(var_dir, capsys):
    out = run_demo(capsys)
    count = User.objects.count()
    again = run_demo(capsys, "--if-empty")
    assert again == out.rsplit("(saved to", 1)[0]
    assert User.objects.count() == count
    with pytest.raises(CommandError):
        call_command("demo")


@pytest.mark.req("REL-2", "REL-3", "REL-5", "REL-6")
def test_demo_shows_visits_care_events_and_notifications_at_sign_in(var_dir, capsys):
    from kehu.core import clock
    from kehu.engagement import care, myday, notify
    from kehu.engagement.models import Invitation, VisitIntel, VisitPlan, VisitPlanStatus, VisitReport

    run_demo(capsys)
    kam = User.objects.get(username="zhaomin")
    day = {str(section.title): section for section in myday.sections_for(kam, clock.today())}
    assert day["待拜访"].count > 0 and day["待拜访"].rows  # the key-account manager's "my day": visits due
    assert VisitPlan.objects.filter(responsible=kam, customer__tier="strategic").exists()
    done = VisitPlan.objects.filter(status=VisitPlanStatus.DONE, visit__by=kam)
    # two monthly key-account visits, one with the quality engineer that fulfils the quarterly quality plan too
    assert sorted(done.values_list("visitor", flat=True)) == ["key_account_manager", "key_account_manager",
                                                              "quality_engineer"]
    assert VisitReport.objects.count() == 2 and VisitIntel.objects.count() == 3
    items = list(care.care_items(kam))  # the owner sees the birthday care tasks the sweep made
    assert any(item.occasion == "birthday" and item.contact.name == "周晓燕" for item in items)
    assert Invitation.objects.filter(event__starts_at__gt=clock.now()).count() == 3
    assert {n.kind for n in notify.inbox(kam)} >= {"care", "event"}

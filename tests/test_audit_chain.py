"""SEC-5 / AUD-3: the hash chain names the first altered or missing row; `kehu audit verify` says so."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from kehu.compliance import actions, audit, guards
from kehu.compliance.models import AuditEntry
from kehu.org.factories import CompanyFactory

pytestmark = [pytest.mark.django_db, pytest.mark.req("SEC-5")]

def privileged(sql: str, params=(), *, restore: bool = True) -> None:
    """Run ``sql`` the way a DBA could: drop the guard triggers, change the table, maybe put them back."""
    guards.drop_guards(connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    if restore:
        guards.create_guards(connection)


@pytest.fixture
def chain(make_user):
    actor = make_user("system_admin")
    entries = []
    for n in range(8):
        company = CompanyFactory()
        with transaction.atomic():
            entries.append(audit.record(actor, actions.COMPANY_CREATE, company, {"name": company.name, "n": n}))
    return entries


def verify_command() -> tuple[bool, str]:
    try:
        from io import StringIO

        out = StringIO()
        call_command("audit_verify", stdout=out)
        return True, out.getvalue()
    except CommandError as exc:
        assert exc.returncode == 1
        return False, str(exc)


def test_intact_chain_verifies(chain):
    result = audit.verify()
    assert result.ok and result.checked == 8
    ok, output = verify_command()
    assert ok and "8" in output
    # The check itself was recorded, and the chain (now 9 rows) still verifies.
    assert AuditEntry.objects.filter(action=actions.AUDIT_VERIFY, result="ok").count() == 1
    assert audit.verify().checked == 9


@pytest.mark.parametrize("k", [1, 4, 8])
@pytest.mark.parametrize("restore", [True, False])
def test_altered_row_is_named(chain, k, restore):
    privileged("UPDATE compliance_auditentry SET reason = %s WHERE seq = %s", ["悄悄改过", k], restore=restore)
    result = audit.verify()
    assert not result.ok
    assert result.first_bad_seq == k
    assert result.checked == k - 1
    assert result.action == actions.COMPANY_CREATE
    assert result.occurred_at == chain[k - 1].occurred_at
    ok, output = verify_command()
    assert not ok
    assert f"序号 {k}" in output and actions.COMPANY_CREATE in output


def test_altered_hash_column_is_named(chain):
    forged = "f" * 64
    privileged("UPDATE compliance_auditentry SET hash = %s WHERE seq = 3", [forged])
    assert audit.verify().first_bad_seq == 3


def test_deleted_middle_row_is_named(chain):
    privileged("DELETE FROM compliance_auditentry WHERE seq = 5")
    result = audit.verify()
    assert (result.ok, result.first_bad_seq, result.checked) == (False, 5, 4)
    ok, output = verify_command()
    assert not ok and "序号 5" in output


def test_deleted_first_rows_are_named(chain):
    privileged("DELETE FROM compliance_auditentry WHERE seq <= 2")
    assert audit.verify().first_bad_seq == 1


def test_deleted_tail_row_is_caught_by_the_head(chain):
    privileged("DELETE FROM compliance_auditentry WHERE seq = 8")
    result = audit.verify()
    assert (result.ok, result.first_bad_seq) == (False, 8)


def test_altered_head_is_caught(chain):
    privileged("UPDATE compliance_auditchainhead SET hash = %s WHERE id = 1", ["0" * 64])
    result = audit.verify()
    assert not result.ok and result.first_bad_seq == 8


def test_empty_table_with_a_head_is_caught(chain):
    privileged("DELETE FROM compliance_auditentry")
    result = audit.verify()
    assert (result.ok, result.first_bad_seq) == (False, 1)


def test_ipv6_and_line_breaks_hash_as_stored(make_user):
    from kehu.core import context

    actor = make_user("system_admin")
    ctx = context.RequestContext(ip="2001:DB8:0:0:0:0:0:1", user_agent="evil\r\nagent" + "x" * 400, channel="web")
    with context.bound(ctx), transaction.atomic():
        entry = audit.record(actor, actions.LOGIN, actor, {}, reason="line1\nline2")
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.ip == "2001:db8::1"
    assert "\n" not in stored.reason and "\r" not in stored.user_agent
    assert len(stored.user_agent) == 300
    assert audit.verify().ok


def test_a_purge_entry_without_its_boundary_is_named(chain, make_user):
    with transaction.atomic():
        bogus = audit.record(None, actions.AUDIT_PURGE, None, {"count": 3})
    result = audit.verify()
    assert (result.ok, result.first_bad_seq, result.action) == (False, bogus.seq, actions.AUDIT_PURGE)

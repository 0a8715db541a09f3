"""AUD-2: the audit entry is written in the service's transaction; no audit row, no business write."""

from __future__ import annotations

import pytest
from django.db import transaction

from kehu.compliance import actions, audit
from kehu.compliance.models import AuditEntry
from kehu.org.models import Company

pytestmark = pytest.mark.req("SEC-5")


@transaction.atomic
def company_create(*, actor, name: str, fail_after_audit: bool = False, action: str = actions.COMPANY_CREATE) -> Company:
    """A service the way DESIGN.md wants them, small enough to break on purpose."""
    company = Company.objects.create(name=name)
    audit.record(actor, action, company, {"name": name})
    if fail_after_audit:
        raise RuntimeError("a later step of the service failed")
    return company


@pytest.mark.django_db
def test_service_writes_business_row_and_audit_row_together(make_user):
    actor = make_user("system_admin")
    company = company_create(actor=actor, name="一号公司")
    entry = AuditEntry.objects.get(action=actions.COMPANY_CREATE)
    assert (entry.target_type, entry.target_id, entry.actor_id) == ("org.company", str(company.pk), actor.pk)


@pytest.mark.django_db
def test_exception_after_the_writes_leaves_neither_row(make_user):
    actor = make_user("system_admin")
    with pytest.raises(RuntimeError):
        company_create(actor=actor, name="二号公司", fail_after_audit=True)
    assert not Company.objects.filter(name="二号公司").exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_unknown_action_fails_the_service_and_its_business_write(make_user):
    actor = make_user("system_admin")
    with pytest.raises(ValueError, match="not registered"):
        company_create(actor=actor, name="三号公司", action="org.company_teleport")
    assert not Company.objects.filter(name="三号公司").exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_unknown_result_is_refused(make_user):
    actor = make_user("system_admin")
    with pytest.raises(ValueError), transaction.atomic():
        audit.record(actor, actions.LOGIN, actor, {}, result="maybe")


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_raises():
    assert not transaction.get_connection().in_atomic_block
    with pytest.raises(RuntimeError, match="inside the service's transaction"):
        audit.record(None, actions.SYSTEM_INIT, None, {})
    assert not AuditEntry.objects.exists()


def test_an_action_cannot_be_registered_twice_with_another_meaning():
    assert audit.register_action(actions.LOGIN, audit.ACTIONS[actions.LOGIN].label) == actions.LOGIN
    with pytest.raises(ValueError):
        audit.register_action(actions.LOGIN, "别的意思")


@pytest.mark.django_db(transaction=True)
def test_committed_service_writes_both_rows():
    # Real commits (no test transaction around it); the flush after this test has to get past the
    # append-only triggers, which conftest lifts for the flush only. (No user: an earlier
    # transactional test's flush has emptied the default roles.)
    company_create(actor=None, name="四号公司")
    assert Company.objects.filter(name="四号公司").exists()
    assert AuditEntry.objects.filter(action=actions.COMPANY_CREATE).count() == 1
    assert audit.verify().ok

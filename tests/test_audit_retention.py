"""AUD-3 / AUD-4: the database refuses changes to the log; the purge keeps the legal 180 days."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from django.db import DatabaseError, transaction
from django.test import override_settings

from kehu.compliance import actions, audit
from kehu.compliance.models import AuditChainHead, AuditEntry
from kehu.compliance.services import audit_purge
from kehu.core import clock
from kehu.org.factories import CompanyFactory

pytestmark = pytest.mark.django_db


def entry_at(actor, when: dt.datetime, n: int) -> AuditEntry:
    with clock.frozen(when), transaction.atomic():
        return audit.record(actor, actions.COMPANY_CREATE, CompanyFactory(), {"n": n})


@pytest.fixture
def actor(make_user):
    return make_user("system_admin")


def refused(operation) -> bool:
    try:
        with transaction.atomic():
            operation()
    except DatabaseError:  # IntegrityError on both databases
        return True
    return False


@pytest.mark.req("SEC-5")
def test_orm_cannot_change_or_delete_a_fresh_row(actor):
    entry = entry_at(actor, clock.now(), 1)
    entry.reason = "改写"
    assert refused(lambda: entry.save())
    assert refused(lambda: AuditEntry.objects.filter(pk=entry.pk).update(reason="改写"))
    assert refused(lambda: AuditEntry.objects.filter(pk=entry.pk).delete())
    assert refused(lambda: AuditEntry.objects.get(pk=entry.pk).delete())
    assert AuditEntry.objects.get(pk=entry.pk).reason == ""
    assert audit.verify().ok


@pytest.mark.req("SEC-5")
def test_refusal_is_an_integrity_error(actor):
    from django.db import IntegrityError

    entry = entry_at(actor, clock.now(), 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="auth.login")


@pytest.mark.req("SEC-5")
def test_head_cannot_be_rolled_back_or_deleted(actor):
    first = entry_at(actor, clock.now(), 1)
    entry_at(actor, clock.now(), 2)
    assert refused(lambda: AuditChainHead.objects.update(seq=1, hash=first.hash))
    assert refused(lambda: AuditChainHead.objects.update(hash="0" * 64))
    assert refused(lambda: AuditChainHead.objects.all().delete())
    assert AuditChainHead.objects.get().seq == 2


@pytest.mark.req("SEC-5")
def test_database_deletes_200_day_old_row_but_not_179(actor):
    now = clock.now()
    old = entry_at(actor, now - dt.timedelta(days=200), 1)
    young = entry_at(actor, now - dt.timedelta(days=179), 2)
    assert refused(lambda: AuditEntry.objects.filter(pk=young.pk).delete())
    assert not refused(lambda: AuditEntry.objects.filter(pk=old.pk).delete())
    assert list(AuditEntry.objects.values_list("seq", flat=True)) == [young.seq]


@pytest.mark.req("SEC-5")
@override_settings(AUDIT_RETENTION_DAYS=180)
def test_purge_removes_only_rows_past_retention_and_verify_still_passes(actor):
    now = clock.now()
    for n, age in enumerate([400, 300, 200, 181, 179, 10, 0]):
        entry_at(actor, now - dt.timedelta(days=age), n)
    with clock.frozen(now):
        assert audit_purge(now=clock.now()) == 4
    kept = list(AuditEntry.objects.order_by("seq").values_list("seq", "action"))
    assert kept == [(5, actions.COMPANY_CREATE), (6, actions.COMPANY_CREATE), (7, actions.COMPANY_CREATE),
                    (8, actions.AUDIT_PURGE)]
    purge = AuditEntry.objects.get(action=actions.AUDIT_PURGE)
    assert purge.data["count"] == 4 and purge.data["through_seq"] == 4
    result = audit.verify()
    assert result.ok and result.checked == 4


@pytest.mark.req("SEC-5")
def test_purge_default_retention_keeps_a_year(actor):
    now = clock.now()
    entry_at(actor, now - dt.timedelta(days=400), 1)
    entry_at(actor, now - dt.timedelta(days=200), 2)
    assert audit_purge(now=now) == 1
    assert AuditEntry.objects.filter(action=actions.COMPANY_CREATE).count() == 1


@pytest.mark.req("SEC-5")
@override_settings(AUDIT_RETENTION_DAYS=90)
def test_purge_never_goes_below_the_legal_floor_even_if_the_setting_does(actor):
    now = clock.now()
    entry_at(actor, now - dt.timedelta(days=179), 1)
    entry_at(actor, now - dt.timedelta(days=100), 2)
    assert audit_purge(now=now) == 0
    assert AuditEntry.objects.filter(action=actions.COMPANY_CREATE).count() == 2


@pytest.mark.req("SEC-5")
@override_settings(AUDIT_RETENTION_DAYS=180)
def test_purge_with_a_clock_running_ahead_is_refused_by_the_database(actor):
    # The application clock says a year from now; the database's own clock keeps the 180 days.
    now = clock.now()
    entry_at(actor, now - dt.timedelta(days=200), 1)
    entry_at(actor, now - dt.timedelta(days=30), 2)
    with pytest.raises(DatabaseError), transaction.atomic():
        audit_purge(now=now + dt.timedelta(days=365))
    assert AuditEntry.objects.count() == 2


@pytest.mark.req("SEC-5")
@override_settings(AUDIT_RETENTION_DAYS=180)
def test_purge_twice_changes_nothing_the_second_time(actor):
    now = clock.now()
    entry_at(actor, now - dt.timedelta(days=300), 1)
    entry_at(actor, now - dt.timedelta(days=20), 2)
    assert audit_purge(now=now) == 1
    rows = list(AuditEntry.objects.exclude(action=actions.AUDIT_PURGE).values_list("seq", "hash"))
    assert audit_purge(now=now) == 0
    assert list(AuditEntry.objects.exclude(action=actions.AUDIT_PURGE).values_list("seq", "hash")) == rows
    second = AuditEntry.objects.filter(action=actions.AUDIT_PURGE).order_by("seq").last()
    assert second.data["count"] == 0 and second.data["through_seq"] == 1
    assert audit.verify().ok


def import_settings(days: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "KEHU_AUDIT_RETENTION_DAYS": days, "KEHU_PROFILE": "test"}
    return subprocess.run([sys.executable, "-c", "import kehu.settings"], env=env, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.req("SEC-5")
def test_retention_below_180_days_refuses_to_start():
    refused_start = import_settings("90")
    assert refused_start.returncode != 0
    assert "ImproperlyConfigured" in refused_start.stderr and "180" in refused_start.stderr
    assert import_settings("180").returncode == 0

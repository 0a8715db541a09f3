"""POL-1: drafting, approval, the version in force at a moment, and immutable history."""

import copy
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import DatabaseError, connection, transaction

from kehu.compliance import actions
from kehu.compliance.models import AuditEntry
from kehu.core import clock
from kehu.core.errors import Conflict, DomainError, PermissionDenied
from kehu.org import roles
from kehu.policy import selectors, services
from kehu.policy.models import ImmutableVersion, Policy, PolicyVersion

pytestmark = [pytest.mark.django_db, pytest.mark.req("POL-1")]

SH = ZoneInfo("Asia/Shanghai")
T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=SH)
EFFECTIVE = dt.datetime(2026, 7, 1, 0, 0, tzinfo=SH)


@pytest.fixture
def policy():
    return Policy.objects.get(code="customer_management")


@pytest.fixture
def drafter(make_user):
    return make_user(roles.SYSTEM_ADMIN, username="sysadmin")


@pytest.fixture
def approver(make_user):
    return make_user(roles.GENERAL_MANAGER, username="gm")


def _pending(policy, drafter, *, holding_cap=150, effective=EFFECTIVE):
    with clock.frozen(T0):
        version = services.policy_version_draft(actor=drafter, policy=policy)
        rules = copy.deepcopy(version.rules)
        rules["pools"]["holding_cap"] = holding_cap
        services.policy_version_update(actor=drafter, version=version, rules=rules, effective_from=effective,
                                       summary="公海持有上限调整")
        return services.policy_version_submit(actor=drafter, version=version)


@pytest.fixture
def published(policy, drafter, approver):
    version = _pending(policy, drafter)
    with clock.frozen(T0 + dt.timedelta(days=1)):
        return services.policy_version_publish(actor=approver, version=version)


def test_draft_copies_the_version_in_force_and_is_audited(policy, drafter):
    with clock.frozen(T0):
        version = services.policy_version_draft(actor=drafter, policy=policy)
    v1 = PolicyVersion.objects.get(policy=policy, number=1)
    assert (version.number, version.status, version.predecessor, version.drafted_by) == (2, "draft", v1, drafter)
    assert version.rules == v1.rules
    assert version.effective_from == dt.datetime(2026, 6, 2, tzinfo=SH)
    entry = AuditEntry.objects.get(action=actions.POLICY_DRAFT)
    assert entry.actor == drafter and entry.target_id == str(version.pk)


def test_only_one_version_in_the_making(policy, drafter):
    with clock.frozen(T0):
        services.policy_version_draft(actor=drafter, policy=policy)
        with pytest.raises(Conflict):
            services.policy_version_draft(actor=drafter, policy=policy)


def test_drafting_needs_policy_draft(policy, approver):
    with pytest.raises(PermissionDenied):
        services.policy_version_draft(actor=approver, policy=policy)


def test_version_in_force_before_and_after_the_new_effective_time(published):
    assert published.status == "published" and published.approved_by.username == "gm"
    before = selectors.version_in_force(EFFECTIVE - dt.timedelta(microseconds=1))
    after = selectors.version_in_force(EFFECTIVE)
    assert (before.number, after.number) == (1, 2)
    assert selectors.rules_in_force("pools", EFFECTIVE - dt.timedelta(seconds=1)).holding_cap == 200
    assert selectors.rules_in_force("pools", EFFECTIVE + dt.timedelta(days=300)).holding_cap == 150
    # The superseded version is retired but still answers for its own period.
    assert PolicyVersion.objects.get(number=1).status == "retired"
    with clock.frozen(EFFECTIVE - dt.timedelta(hours=1)):
        assert selectors.version_in_force().number == 1
    with pytest.raises(DomainError):
        selectors.version_in_force(dt.datetime(2019, 12, 31, tzinfo=SH))


def test_drafter_cannot_approve_their_own_draft(policy, make_user):
    both = make_user(roles.SYSTEM_ADMIN, roles.GENERAL_MANAGER)
    version = _pending(policy, both)
    with clock.frozen(T0), pytest.raises(PermissionDenied) as info:
        services.policy_version_publish(actor=both, version=version)
    assert info.value.code == "policy_self_approval"
    assert PolicyVersion.objects.get(pk=version.pk).status == "pending_approval"


def test_approval_needs_policy_approve(policy, drafter, make_user):
    version = _pending(policy, drafter)
    other_admin = make_user(roles.SYSTEM_ADMIN)
    with clock.frozen(T0), pytest.raises(PermissionDenied):
        services.policy_version_publish(actor=other_admin, version=version)


def test_reject_sends_back_to_draft_with_reason(policy, drafter, approver):
    version = _pending(policy, drafter)
    with clock.frozen(T0):
        with pytest.raises(DomainError) as info:
            services.policy_version_reject(actor=approver, version=version, reason="  ")
        assert info.value.field == "reason"
        services.policy_version_reject(actor=approver, version=version, reason="上限不宜低于 180")
    version.refresh_from_db()
    assert (version.status, version.reject_reason, version.submitted_at) == ("draft", "上限不宜低于 180", None)
    assert AuditEntry.objects.get(action=actions.POLICY_REJECT).reason == "上限不宜低于 180"
    assert AuditEntry.objects.filter(action=actions.POLICY_SUBMIT).count() == 1


def test_update_refuses_invalid_rules_with_the_field_path(policy, drafter):
    with clock.frozen(T0):
        version = services.policy_version_draft(actor=drafter, policy=policy)
        rules = copy.deepcopy(version.rules)
        rules["visits"]["due_soon_days"] = -1
        with pytest.raises(DomainError) as info:
            services.policy_version_update(actor=drafter, version=version, rules=rules, effective_from=EFFECTIVE,
                                           summary="")
    assert info.value.field == "visits.due_soon_days"
    assert info.value.details["errors"][0]["message"] == "必须是大于 0 的整数"
    assert "visits.due_soon_days: 必须是大于 0 的整数" in str(info.value.message)


@pytest.mark.parametrize("effective", [T0 - dt.timedelta(days=1), dt.datetime(2019, 1, 1, tzinfo=SH)])
def test_effective_time_cannot_be_in_the_past(policy, drafter, effective):
    with clock.frozen(T0):
        version = services.policy_version_draft(actor=drafter, policy=policy)
        with pytest.raises(DomainError) as info:
            services.policy_version_update(actor=drafter, version=version, rules=version.rules,
                                           effective_from=effective, summary="")
    assert info.value.field == "effective_from"


def test_new_version_must_follow_the_latest_published(policy, published, drafter):
    with clock.frozen(T0 + dt.timedelta(days=2)):
        version = services.policy_version_draft(actor=drafter, policy=policy)
        assert version.predecessor == published  # the scheduled version, not the one in force today
        with pytest.raises(DomainError) as info:
            services.policy_version_update(actor=drafter, version=version, rules=version.rules,
                                           effective_from=EFFECTIVE, summary="")
    assert info.value.code == "policy_effective_from_order"


def test_publish_refuses_once_the_effective_time_has_passed(policy, drafter, approver):
    version = _pending(policy, drafter)
    with clock.frozen(EFFECTIVE + dt.timedelta(minutes=1)), pytest.raises(DomainError) as info:
        services.policy_version_publish(actor=approver, version=version)
    assert info.value.field == "effective_from"


def test_published_version_refuses_the_update_service(published, drafter):
    with clock.frozen(T0 + dt.timedelta(days=2)), pytest.raises(Conflict):
        services.policy_version_update(actor=drafter, version=published, rules=published.rules,
                                       effective_from=EFFECTIVE + dt.timedelta(days=5), summary="改")


def test_published_version_refuses_model_save(published):
    stale = PolicyVersion.objects.get(pk=published.pk)
    stale.status = "draft"  # even an instance that believes it is a draft: the stored row decides
    stale.rules = {**stale.rules, "exports": {"approval_above_rows": 100000}}
    with pytest.raises(ImmutableVersion):
        stale.save()
    v1 = PolicyVersion.objects.get(number=1)
    v1.effective_from = dt.datetime(2021, 1, 1, tzinfo=SH)
    with pytest.raises(ImmutableVersion):
        v1.save()
    with pytest.raises(ImmutableVersion):
        v1.delete()
    assert PolicyVersion.objects.get(pk=published.pk).rules["exports"]["approval_above_rows"] == 500


def _raw(sql, params):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize("sql,params", [
    ("UPDATE policy_policyversion SET rules = '{}' WHERE id = %s", []),
    ("UPDATE policy_policyversion SET effective_from = %s WHERE id = %s", [dt.datetime(2021, 1, 1, tzinfo=SH)]),
    ("UPDATE policy_policyversion SET status = 'draft' WHERE id = %s", []),
])
def test_database_refuses_raw_updates_of_published_versions(published, sql, params):
    with pytest.raises(DatabaseError):
        _raw(sql, [*params, published.pk])
    published.refresh_from_db()
    assert published.status == "published" and published.rules["pools"]["holding_cap"] == 150


def test_database_allows_published_to_retired_and_edits_of_drafts(published, policy, drafter):
    _raw("UPDATE policy_policyversion SET status = 'retired' WHERE id = %s", [published.pk])
    with pytest.raises(DatabaseError):
        _raw("UPDATE policy_policyversion SET status = 'published' WHERE id = %s", [published.pk])
    with clock.frozen(T0 + dt.timedelta(days=2)):
        draft = services.policy_version_draft(actor=drafter, policy=policy)
    _raw("UPDATE policy_policyversion SET rules = '{}' WHERE id = %s", [draft.pk])

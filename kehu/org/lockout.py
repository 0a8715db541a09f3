"""Account locks and IP blocks after repeated login failures (SECURITY.md AUTH-3).

Failures are the LoginAttempt rows; a block is a LoginBlock row. Counting starts after the end
of the previous block of the same kind and key, so the failures that caused one block (or were
made while it lasted) never start a second one.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.compliance import actions, audit
from kehu.core import clock
from kehu.core.errors import NotFound
from kehu.org import permissions
from kehu.org.access import require_permission
from kehu.org.models import LoginAttempt, LoginBlock, User


def active_block(kind: str, key: str | None, now: dt.datetime) -> LoginBlock | None:
    if not key:
        return None
    return (
        LoginBlock.objects.filter(kind=kind, key=key, started_at__lte=now, until__gt=now, ended_at__isnull=True)
        .order_by("-until")
        .first()
    )


def _count_from(kind: str, key: str, now: dt.datetime, window: dt.timedelta) -> dt.datetime:
    start = now - window
    previous = LoginBlock.objects.filter(kind=kind, key=key, started_at__lte=now).order_by("-started_at", "-id").first()
    if previous is not None:
        start = max(start, min(previous.ended_at or previous.until, now))
    return start


def _failures(now: dt.datetime, since: dt.datetime, **match) -> int:
    return LoginAttempt.objects.filter(succeeded=False, at__gt=since, at__lte=now, **match).count()


def lock_account_if_due(*, user: User, username: str, now: dt.datetime) -> LoginBlock | None:
    """After a failure on a known account: lock it when the failures reach the limit. Call inside
    the login transaction, after recording the failure."""
    rule = settings.KEHU_LOCKOUT
    # One failure at a time per account, so two concurrent ones cannot both start a lock.
    User.objects.select_for_update().filter(pk=user.pk).first()
    if active_block(LoginBlock.ACCOUNT, username, now):
        return None
    since = _count_from(LoginBlock.ACCOUNT, username, now, dt.timedelta(minutes=rule["window_minutes"]))
    failures = _failures(now, since, username=username)
    if failures < rule["failures"]:
        return None
    block = LoginBlock.objects.create(
        kind=LoginBlock.ACCOUNT, key=username, user=user, started_at=now,
        until=now + dt.timedelta(minutes=rule["lock_minutes"]),
    )
    audit.record(None, actions.LOCKOUT, user, {"failures": failures, "until": block.until}, result="denied")
    return block


def block_ip_if_due(*, ip: str | None, now: dt.datetime) -> LoginBlock | None:
    """After a failure: block the address once it has made more failures than allowed."""
    rule = settings.KEHU_IP_THROTTLE
    if not ip or active_block(LoginBlock.IP, ip, now):
        return None
    since = _count_from(LoginBlock.IP, ip, now, dt.timedelta(minutes=rule["window_minutes"]))
    failures = _failures(now, since, ip=ip)
    if failures <= rule["failures"]:
        return None
    block = LoginBlock.objects.create(
        kind=LoginBlock.IP, key=ip, started_at=now, until=now + dt.timedelta(minutes=rule["block_minutes"]),
    )
    audit.record(None, actions.LOGIN_THROTTLED, ("ip", ip, ip), {"failures": failures, "until": block.until},
                 result="denied")
    return block


def locked_accounts(user: User):
    """The account locks in force now, for the security administrator's unlock page."""
    require_permission(user, permissions.ACCOUNTS_UNLOCK)
    now = clock.now()
    return (
        LoginBlock.objects.filter(kind=LoginBlock.ACCOUNT, started_at__lte=now, until__gt=now, ended_at__isnull=True)
        .select_related("user", "user__department")
        .order_by("until")
    )


@transaction.atomic
def account_unlock(*, actor: User, block_id: int, reason: str = "") -> LoginBlock:
    require_permission(actor, permissions.ACCOUNTS_UNLOCK)
    block = locked_accounts(actor).select_for_update(of=("self",)).filter(pk=block_id).first()
    if block is None:
        raise NotFound("lock_not_found", _("该锁定不存在或已解除。"))
    block.ended_at = clock.now()
    block.ended_by = actor
    block.save(update_fields=["ended_at", "ended_by"])
    audit.record(actor, actions.UNLOCK, block.user, {"locked_at": block.started_at, "until": block.until},
                 reason=reason)
    return block

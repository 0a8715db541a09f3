"""The password step of signing in and the hand-over to a session (SECURITY.md AUTH-3, AUTH-5).

``login_attempt`` checks a password and says what happens next; it never reveals whether the
account exists, is locked or disabled: all of those are ``DENIED``. A user who needs a second
factor is not logged in after the password: the session only holds a short-lived *pending* user
id until the second factor succeeds, then ``login_finish`` logs in.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from django.contrib import auth
from django.db import transaction

from kehu.compliance import actions, audit
from kehu.core import clock
from kehu.org import lockout
from kehu.org.models import LoginAttempt, LoginBlock, User

MFA_VERIFIED = "kehu_mfa_verified"  # the session passed the second factor (the conftest relies on this key)
PENDING = "kehu_mfa_pending"
PENDING_SECONDS = 10 * 60  # room to install an authenticator app at first enrolment


class Outcome(enum.Enum):
    OK = "ok"  # password right, no second factor needed: log in
    SECOND_FACTOR = "second_factor"  # password right, second factor required
    DENIED = "denied"  # wrong password, unknown or disabled account, or account locked
    THROTTLED = "throttled"  # this address made too many failures: HTTP 429


@dataclass(frozen=True)
class LoginResult:
    outcome: Outcome
    user: User | None = None


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()[:150]


def _target(user: User | None, username: str):
    return user if user is not None else ("org.user", "", username)


def record_failure(*, user: User | None, username: str, ip: str | None, now: dt.datetime, reason: str,
                   action: str = actions.LOGIN_FAILED) -> bool:
    """Write the failed attempt and its audit entry; start a lock or IP block when due.
    Returns True when this failure started an IP block. Runs inside the caller's transaction."""
    LoginAttempt.objects.create(username=username, ip=ip, succeeded=False, at=now)
    audit.record(None, action, _target(user, username), {"username": username}, result="denied",
                 reason=reason)
    if user is not None:
        lockout.lock_account_if_due(user=user, username=username, now=now)
    return lockout.block_ip_if_due(ip=ip, now=now) is not None


@transaction.atomic
def login_attempt(*, username: str, password: str, ip: str | None) -> LoginResult:
    now = clock.now()
    name = normalise_username(username)
    if lockout.active_block(LoginBlock.IP, ip, now):
        record_failure(user=None, username=name, ip=ip, now=now, reason="ip_blocked")
        return LoginResult(Outcome.THROTTLED)
    account = User.objects.filter(username__iexact=name).first()
    locked = account is not None and lockout.active_block(LoginBlock.ACCOUNT, name, now) is not None
    # authenticate() runs the hasher even for unknown users, so timing does not tell them apart;
    # it is called for locked accounts too, for the same reason, and its answer then ignored.
    user = auth.authenticate(None, username=name, password=password)
    if user is None or locked:
        reason = "locked" if locked else ("bad_password" if account else "unknown_user")
        if record_failure(user=account, username=name, ip=ip, now=now, reason=reason):
            return LoginResult(Outcome.THROTTLED)
        return LoginResult(Outcome.DENIED)
    LoginAttempt.objects.create(username=name, ip=ip, succeeded=True, at=now)
    return LoginResult(Outcome.SECOND_FACTOR if user.requires_mfa else Outcome.OK, user)


@transaction.atomic
def login_finish(request, user: User, *, second_factor: str = "") -> None:
    """Open the session: a new session key (Django's login() cycles it), tracked, audited."""
    request.session.pop(PENDING, None)
    auth.login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    if second_factor:
        request.session[MFA_VERIFIED] = True
    audit.record(user, actions.LOGIN, user, {"second_factor": second_factor or None})


# --- the pending second-factor state --------------------------------------------------------------


def begin_second_factor(request, user: User, *, next_url: str = "") -> None:
    # A fresh key for the pending state too: a fixed session id never carries a half-login.
    request.session.cycle_key()
    request.session[PENDING] = {"user": user.pk, "at": clock.now().timestamp(), "next": next_url}


def pending_user(request) -> User | None:
    pending = request.session.get(PENDING)
    if not pending or clock.now().timestamp() - pending["at"] > PENDING_SECONDS:
        return None
    return User.objects.filter(pk=pending["user"], is_active=True).first()


def pending_next(request) -> str:
    return (request.session.get(PENDING) or {}).get("next", "")


def drop_pending(request) -> None:
    request.session.pop(PENDING, None)

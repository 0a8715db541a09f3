"""Server-side sessions (SECURITY.md AUTH-4, AC-7, RES-1).

Every Django login is tracked as a UserSession row, whichever path called ``login()`` (the login
page, the second-factor page, the test client's ``force_login``): that is why tracking hangs on the
``user_logged_in`` signal. The rows let us cap concurrent sessions, list them on "my account" and
end all of them when an account is disabled.
"""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib import auth
from django.contrib.sessions.models import Session
from django.db import transaction

from kehu.compliance import actions, audit
from kehu.core import clock, context
from kehu.org.models import ApiToken, User, UserSession

AUTH_AT = "kehu_auth_at"  # when the session signed in (absolute lifetime)
SEEN_AT = "kehu_seen_at"  # the last request (idle time, measured on our clock), to within SEEN_EVERY
# Seconds between writes of SEEN_AT. Each write saves the session (a transaction and a commit flushed to disk),
# which renews the row's and the cookie's expiry too; requests in between change nothing and save nothing.
SEEN_EVERY = 60


def _store(session_key: str | None = None):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def idle_limit(user: User) -> int:
    """Seconds of inactivity a session survives: shorter for the three admin duties."""
    if user.admin_duty:
        return settings.KEHU_ADMIN_IDLE_SECONDS
    return settings.SESSION_COOKIE_AGE


def _delete(keys: list[str]) -> None:
    for key in keys:
        _store(key).delete(key)
    UserSession.objects.filter(session_key__in=keys).delete()


def on_login(sender, request, user, **kwargs) -> None:
    """Receiver of ``user_logged_in``: stamp the session, track it, keep at most N per user."""
    now = clock.now()
    session = request.session
    session[AUTH_AT] = session[SEEN_AT] = now.timestamp()
    if user.admin_duty:
        # The cookie and the database row expire after the admin idle time too.
        session.set_expiry(settings.KEHU_ADMIN_IDLE_SECONDS)
    if session.session_key is None:
        session.save()
    ctx = context.current()
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(last_login=now)
        user.last_login = now
        UserSession.objects.update_or_create(
            session_key=session.session_key,
            defaults={"user": user, "created_at": now, "ip": ctx.ip, "user_agent": ctx.user_agent},
        )
        keep = settings.KEHU_MAX_SESSIONS_PER_USER
        oldest = list(
            UserSession.objects.filter(user=user).order_by("-created_at", "-id").values_list("session_key", flat=True)[keep:]
        )
        if oldest:
            _delete(oldest)
            audit.record(user, actions.SESSION_END, user, {"sessions": len(oldest)}, reason="session_limit")


def session_end(request, *, reason: str) -> None:
    """End the request's session: server row deleted, so a replayed cookie is anonymous."""
    user = request.user
    key = request.session.session_key
    with transaction.atomic():
        if user.is_authenticated:
            action = actions.LOGOUT if reason == "logout" else actions.SESSION_END
            audit.record(user, action, user, reason=reason)
        if key:
            UserSession.objects.filter(session_key=key).delete()
        auth.logout(request)  # flushes: deletes the server-side row and issues a new, empty session


def rekeyed(old_key: str | None, request) -> None:
    """After ``cycle_key()`` (password change), follow the session to its new key."""
    if old_key and old_key != request.session.session_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=request.session.session_key)


@transaction.atomic
def end_other_sessions(user: User, *, keep: str | None) -> int:
    keys = list(UserSession.objects.filter(user=user).exclude(session_key=keep).values_list("session_key", flat=True))
    _delete(keys)
    return len(keys)


@transaction.atomic
def end_all_sessions(user: User) -> dict[str, int]:
    """Disabling ends access at once (AC-7): every session deleted, every API token revoked.
    Called by services that disable a user, inside their transaction; they write the audit entry."""
    ended = end_other_sessions(user, keep=None)
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=clock.now())
    return {"sessions": ended, "tokens": revoked}


def active_sessions(user: User) -> list[UserSession]:
    """The user's own sessions that still exist on the server (for "my account")."""
    rows = list(UserSession.objects.filter(user=user).order_by("-created_at", "-id"))
    live = set(
        Session.objects.filter(session_key__in=[r.session_key for r in rows], expire_date__gt=clock.now())
        .values_list("session_key", flat=True)
    )
    return [row for row in rows if row.session_key in live]

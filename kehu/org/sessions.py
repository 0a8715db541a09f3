"""Ending a user's sessions and API tokens (SECURITY.md AC-7: disabling revokes both before the next request)."""

from __future__ import annotations

from django.contrib.sessions.models import Session

from kehu.core import clock
from kehu.org.models import ApiToken, UserSession


def end_all_sessions(user) -> None:
    """Delete every Django session the user holds and revoke their API tokens, in the caller's transaction."""
    links = UserSession.objects.filter(user=user)
    Session.objects.filter(session_key__in=links.values("session_key")).delete()
    links.delete()
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=clock.now())

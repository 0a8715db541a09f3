"""Bearer-token authentication for the API (PLAT-2, SECURITY.md AC-1, AC-7, WEB-3).

The API's default auth: every operation needs ``Authorization: Bearer kehu_…``. Cookies are
ignored, so a signed-in browser cannot be made to call the API (no CSRF surface). A token
stops working the moment it is revoked or expires, or its user is disabled.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.http import HttpRequest
from ninja.security import HttpBearer

from kehu.core import clock
from kehu.core.api_errors import not_authenticated_response
from kehu.org.api_tokens import SECRET_PREFIX, hash_secret
from kehu.org.models import ApiToken, User

# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def user_for_token(secret: str) -> User | None:
    if not secret.startswith(SECRET_PREFIX):
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=hash_secret(secret)).first()
    now = clock.now()
    if (
        token is None
        or token.revoked_at is not None
        or (token.expires_at is not None and token.expires_at <= now)
        or not token.user.is_active
    ):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = user_for_token(token)
        if user is not None:
            # request.auth is the user (Ninja sets it); request.user too, for code shared with views.
            request.user = user
        return user


def docs_access(view):
    """The OpenAPI document and its docs page: a bearer token, or a signed-in browser session
    (second factor done when the user needs one). Anonymous callers get 401 like the API."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs):
        user = getattr(request, "user", None)
        session_ok = bool(
            user is not None
            and user.is_authenticated
            and (not user.requires_mfa or request.session.get("kehu_mfa_verified"))
        )
        if not session_ok and ApiTokenAuth()(request) is None:
            return not_authenticated_response()
        return view(request, *args, **kwargs)

    return guarded

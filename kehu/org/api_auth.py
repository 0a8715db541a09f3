"""Authentication for the API (PLAT-2, SECURITY.md AC-1, AC-5, AC-7, WEB-3).

``ApiTokenAuth`` is the API's default: every operation needs ``Authorization: Bearer kehu_…``
and cookies are ignored, so a signed-in browser cannot be made to call the API (no CSRF
surface). A token stops working the moment it is revoked or expires, or its user is disabled.

``SessionAuth`` is for the few routers a person drives from the browser pages (account
administration): it accepts the signed-in session, second factor done, and checks the CSRF
token on writes. Such a router opts in with ``Router(auth=[ApiTokenAuth(), SessionAuth()])``.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from kehu.core import clock
from kehu.core.api_errors import not_authenticated_response
from kehu.core.errors import PermissionDenied
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


def session_user(request: HttpRequest) -> User | None:
    """The signed-in session's user, if the session has done the second factor the user needs (AUTH-5)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.requires_mfa and not request.session.get("kehu_mfa_verified"):
        return None
    return user


class SessionAuth(APIKeyCookie):
    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        key = request.COOKIES.get(self.param_name)
        # No cookie: nothing to forge, the caller is simply anonymous (401, not a CSRF 403).
        if key and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise PermissionDenied("csrf_failed", _("CSRF 校验失败，请刷新页面后重试。"))
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        return session_user(request) if key else None


def docs_access(view):
    """The OpenAPI document and its docs page: a bearer token, or a signed-in browser session
    (second factor done when the user needs one). Anonymous callers get 401 like the API."""

    @wraps(view)
    def guarded(request: HttpRequest, *args, **kwargs):
        if session_user(request) is None and ApiTokenAuth()(request) is None:
            return not_authenticated_response()
        return view(request, *args, **kwargs)

    return guarded

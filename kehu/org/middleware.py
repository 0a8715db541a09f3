from __future__ import annotations

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from kehu.core import clock
from kehu.org import authentication, sessions
from kehu.org.passwords_change import password_expired


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Deny by default (SECURITY.md AC-1). The API authenticates its own bearer tokens, so it is
    left to Django Ninja, which answers 401 rather than redirecting to the login page."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _refuse_api(code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=403)


class SessionPolicyMiddleware:
    """Session rules that Django does not have (SECURITY.md AUTH-2, AUTH-4, AUTH-5, RES-1), in order:
    absolute lifetime and idle time on our clock, the second factor, a due password change.
    The idle clock is written at most once every ``sessions.SEEN_EVERY`` seconds, so a burst of requests
    does not write the session row each time (a session ends up to that much early, never late).
    Every response to a signed-in (or half signed-in) user is marked ``no-store``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refused = self._enforce(request) if request.user.is_authenticated else None
        response = refused or self.get_response(request)
        if request.user.is_authenticated or authentication.PENDING in request.session:
            add_never_cache_headers(response)
        return response

    def _enforce(self, request):
        user, session = request.user, request.session
        now = clock.now().timestamp()
        started = session.get(sessions.AUTH_AT)
        seen = session.get(sessions.SEEN_AT, started)
        if started is None or now - started >= settings.KEHU_SESSION_ABSOLUTE_SECONDS:
            sessions.session_end(request, reason="absolute_timeout")
            return None  # carry on as anonymous: the login redirect or the API's 401 follows
        if now - seen >= sessions.idle_limit(user):
            sessions.session_end(request, reason="idle_timeout")
            return None
        if now - seen >= sessions.SEEN_EVERY:  # never moved backwards: a clock set back does not age the session
            session[sessions.SEEN_AT] = now  # the one write that renews the session row and the cookie

        if user.requires_mfa and not session.get(authentication.MFA_VERIFIED):
            if _is_api(request):
                return _refuse_api("mfa_required", _("需要先完成双因素认证。"))
            # Signed in without the second factor (say a role granted since): start over at the
            # second-factor step, with nothing of the old session kept.
            sessions.session_end(request, reason="mfa_required")
            authentication.begin_second_factor(request, user, next_url=request.get_full_path())
            return HttpResponseRedirect(reverse("org:mfa"))

        if password_expired(user) and not self._may_pass_expired(request):
            if _is_api(request):
                return _refuse_api("password_change_required", _("密码已过期或须修改，请先在网页上修改密码。"))
            return HttpResponseRedirect(reverse("org:password_change"))
        return None

    @staticmethod
    def _may_pass_expired(request) -> bool:
        path = request.path_info
        allowed = (reverse("org:password_change"), reverse("org:logout"))
        return path in allowed or path.startswith(settings.STATIC_URL)

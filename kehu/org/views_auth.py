"""Sign in and sign out (SECURITY.md AUTH-3, AUTH-4, RES-1)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from kehu.core import context
from kehu.org import authentication, sessions
from kehu.org.authentication import Outcome
from kehu.org.forms_auth import LoginForm


def safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_not_required
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.user.is_authenticated:
        return redirect(safe_next(request, next_url))
    form = LoginForm(request.POST or None)
    status, refusal = 200, ""
    if request.method == "POST" and form.is_valid():
        result = authentication.login_attempt(
            username=form.cleaned_data["username"], password=form.cleaned_data["password"], ip=context.current().ip
        )
        if result.outcome is Outcome.OK:
            authentication.login_finish(request, result.user)
            return redirect(safe_next(request, next_url))
        if result.outcome is Outcome.SECOND_FACTOR:
            authentication.begin_second_factor(request, result.user, next_url=next_url)
            return redirect("org:mfa")
        if result.outcome is Outcome.THROTTLED:
            status = 429
            refusal = _("登录尝试过于频繁，请 %(minutes)d 分钟后再试。") % {
                "minutes": settings.KEHU_IP_THROTTLE["block_minutes"]}
        else:
            # One message for a wrong password, an unknown, disabled or locked account (AUTH-3).
            refusal = _("用户名或密码错误。连续输错 %(failures)d 次，账号将被锁定 %(minutes)d 分钟。") % {
                "failures": settings.KEHU_LOCKOUT["failures"], "minutes": settings.KEHU_LOCKOUT["lock_minutes"]}
        # A blank form: the typed username is not echoed, so every refusal is the very same page.
        form = LoginForm()
    return render(request, "org/login.html", {"form": form, "next": next_url, "refusal": refusal}, status=status)


@login_not_required
@require_POST
def logout_view(request):
    """POST only (a link or image cannot sign anyone out). The server-side session is deleted and
    the browser told to drop what it kept (RES-1)."""
    sessions.session_end(request, reason="logout")
    response = redirect(settings.LOGOUT_REDIRECT_URL)
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response

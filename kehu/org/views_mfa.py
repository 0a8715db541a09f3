"""The second-factor pages (SECURITY.md AUTH-5). They serve the *pending* user: password checked,
not logged in yet (see kehu.org.authentication)."""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from kehu.core import context
from kehu.core.errors import DomainError
from kehu.org import authentication, mfa
from kehu.org.forms_auth import CodeForm
from kehu.org.views_auth import safe_next


def _pending_or_login(request):
    user = authentication.pending_user(request)
    if user is None:
        authentication.drop_pending(request)
    return user


@login_not_required
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def mfa_verify(request):
    user = _pending_or_login(request)
    if user is None:
        return redirect("org:login")
    if mfa.confirmed_device(user) is None:
        return redirect("org:mfa_enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = mfa.second_factor_check(user=user, code=form.cleaned_data["code"], ip=context.current().ip)
        if check in (mfa.Check.TOTP, mfa.Check.RECOVERY):
            next_url = authentication.pending_next(request)
            authentication.login_finish(request, user, second_factor=check.value)
            if check is mfa.Check.RECOVERY:
                messages.warning(request, _("已使用一个恢复码，还剩 %(n)d 个。") % {"n": mfa.recovery_codes_left(user)})
            return redirect(safe_next(request, next_url))
        if check is mfa.Check.LOCKED:
            authentication.drop_pending(request)
            return redirect("org:login")
        form.add_error("code", _("验证码不正确或已使用过。"))
    return render(request, "org/mfa_verify.html", {"form": form})


@login_not_required
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def mfa_enrol(request):
    user = _pending_or_login(request)
    if user is None:
        return redirect("org:login")
    if mfa.confirmed_device(user) is not None:
        return redirect("org:mfa")
    device = mfa.totp_enrolment_start(user=user)
    secret = mfa.device_secret(device)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa.totp_confirm(user=user, code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", str(exc.message))
        else:
            next_url = safe_next(request, authentication.pending_next(request))
            authentication.login_finish(request, user, second_factor="totp")
            return render(request, "org/mfa_recovery_codes.html", {"codes": codes, "next": next_url})
    return render(request, "org/mfa_enrol.html", {
        "form": form, "secret": mfa.grouped(secret), "uri": mfa.provisioning_uri(user, secret),
    })


@login_not_required
@require_GET
def mfa_enrol_qr(request):
    """The enrolment URI as a QR code, an SVG image for the enrolment page's <img>."""
    user = authentication.pending_user(request)
    device = mfa.pending_device(user) if user else None
    if device is None:
        raise Http404
    image = qrcode.make(mfa.provisioning_uri(user, mfa.device_secret(device)),
                        image_factory=qrcode.image.svg.SvgPathImage)
    return HttpResponse(image.to_string(encoding="unicode"), content_type="image/svg+xml")

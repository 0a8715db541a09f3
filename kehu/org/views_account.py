"""The signed-in user's own account: overview, sessions, password (SECURITY.md AUTH-2, AUTH-4)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import password_validation, update_session_auth_hash
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kehu.core.errors import DomainError
from kehu.org import mfa, sessions
from kehu.org.forms_auth import PasswordChangeForm
from kehu.org.passwords_change import password_change, password_expired


@require_GET
def account(request):
    user = request.user
    return render(request, "org/account.html", {
        "account": user,
        "roles": user.roles.all(),
        "mfa_device": mfa.confirmed_device(user),
        "recovery_left": mfa.recovery_codes_left(user),
        "user_sessions": sessions.active_sessions(user),
        "current_key": request.session.session_key,
    })


@require_POST
def account_end_other_sessions(request):
    ended = sessions.end_other_sessions(request.user, keep=request.session.session_key)
    messages.success(request, _("已结束其他 %(n)d 个会话。") % {"n": ended})
    return redirect("org:account")


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_http_methods(["GET", "POST"])
def password_change_view(request):
    user = request.user
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_change(actor=user, user=user, old_password=form.cleaned_data["old_password"],
                            new_password=form.cleaned_data["new_password1"])
        except DomainError as exc:
            form.add_error(exc.field, str(exc.message))
        else:
            old_key = request.session.session_key
            update_session_auth_hash(request, user)  # keeps this session, with a new key
            sessions.rekeyed(old_key, request)
            # Sessions elsewhere no longer match the password hash; remove them for good.
            sessions.end_other_sessions(user, keep=request.session.session_key)
            messages.success(request, _("密码已修改。"))
            return redirect("org:account")
    return render(request, "org/password_change.html", {
        "form": form,
        "forced": password_expired(user),
        "rules": password_validation.password_validators_help_texts(),
    })

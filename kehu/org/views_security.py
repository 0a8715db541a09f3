"""Locked accounts, for the security administrator (SECURITY.md AUTH-3, AC-2)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kehu.core.errors import NotFound
from kehu.org import lockout, permissions
from kehu.web.decorators import permission_required


@require_GET
@permission_required(permissions.ACCOUNTS_UNLOCK)
def locked_accounts(request):
    return render(request, "org/locked_accounts.html", {"locks": lockout.locked_accounts(request.user)})


@require_POST
@permission_required(permissions.ACCOUNTS_UNLOCK)
def account_unlock(request, block_id: int):
    try:
        block = lockout.account_unlock(actor=request.user, block_id=block_id, reason=request.POST.get("reason", "")[:200])
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    messages.success(request, _("已解锁账号 %(user)s。") % {"user": block.user})
    return redirect("org:locked_accounts")

"""Accounts unused for too long are disabled (SECURITY.md AC-7)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from kehu.compliance import actions, audit
from kehu.org.models import User
from kehu.org.sessions import end_all_sessions


@transaction.atomic
def users_disable_inactive(*, now: dt.datetime) -> list[User]:
    """Disable every active user whose last sign-in (or, never signed in, account creation) is
    ``KEHU_INACTIVE_DISABLE_DAYS`` or more ago. Idempotent: disabled users are not selected again."""
    days = settings.KEHU_INACTIVE_DISABLE_DAYS
    cutoff = now - dt.timedelta(days=days)
    stale = list(
        User.objects.filter(is_active=True)
        .annotate(last_seen=Coalesce("last_login", "date_joined"))
        .filter(last_seen__lte=cutoff)
        .select_for_update(of=("self",))
        .order_by("pk")
    )
    for user in stale:
        user.is_active = False
        user.deactivated_at = now
        user.save(update_fields=["is_active", "deactivated_at"])
        ended = end_all_sessions(user)
        audit.record(None, actions.USER_DISABLE, user, {"last_seen": user.last_seen, **ended},
                     reason=_("%(days)d 天未登录，自动停用") % {"days": days})
    return stale

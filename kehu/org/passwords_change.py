"""Changing one's own password, and when it must be changed (SECURITY.md AUTH-2)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.compliance import actions, audit
from kehu.core import clock
from kehu.core.errors import DomainError
from kehu.org.models import PasswordHistory, User


def password_expired(user: User, now: dt.datetime | None = None) -> bool:
    """True when the user must change the password before doing anything else: an administrator
    asked for it, or it is older than the maximum age (counted from account creation when the
    password was never changed)."""
    if user.must_change_password:
        return True
    changed = user.password_changed_at or user.date_joined
    return (now or clock.now()) - changed > dt.timedelta(days=settings.KEHU_PASSWORD_MAX_AGE_DAYS)


@transaction.atomic
def password_change(*, actor: User, user: User, old_password: str, new_password: str) -> None:
    if actor.pk != user.pk:
        raise DomainError("not_own_account", _("只能修改自己的密码。"), status=403)
    if not user.check_password(old_password):
        raise DomainError("wrong_password", _("当前密码不正确。"), field="old_password")
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise DomainError("password_invalid", " ".join(exc.messages), field="new_password1") from exc
    PasswordHistory.objects.create(user=user, password=user.password, created_at=clock.now())
    user.set_password(new_password)
    user.password_changed_at = clock.now()
    user.must_change_password = False
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    audit.record(actor, actions.PASSWORD_CHANGE, user)

"""API tokens (PLAT-2): services to create and revoke them.

A secret reads ``kehu_<prefix>_<random>``. Only its SHA-256 is stored; the prefix is kept in
clear so people can tell their tokens apart; the secret itself is shown once.

Who may hold a token: a user creates tokens for themselves only (an administrator making a
token for someone else could act as that person). A user who must use a second factor
(``user.requires_mfa``: the admin duties, PI unmask or export) would bypass it with a bearer
token, so such users get tokens only from an operator on the server (``kehu token create``),
which calls the service with ``actor=None`` (a system context).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.utils.translation import gettext as _

from kehu.compliance import actions, audit
from kehu.core import clock
from kehu.core.errors import DomainError, PermissionDenied
from kehu.org import permissions
from kehu.org.models import ApiToken, User

SECRET_PREFIX = "kehu_"
NAME_MAX_LENGTH = 100


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _target(token: ApiToken) -> tuple[str, int, str]:
    return ("org.apitoken", token.pk, f"{token.user.username} {token.prefix}")


@transaction.atomic
def api_token_create(
    *, actor: User | None, user: User, name: str = "", expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the secret (shown once, never stored)."""
    if actor is not None and actor.pk != user.pk:
        raise PermissionDenied("token_for_other_user", _("只能为自己创建 API 令牌。"))
    if not user.is_active:
        raise DomainError("user_inactive", _("已停用的用户不能持有 API 令牌。"), field="user")
    if actor is not None and user.requires_mfa:
        raise PermissionDenied(
            "token_needs_operator",
            _("须使用双因素认证的用户，其 API 令牌只能由运维人员在服务器上用 kehu token create 创建。"),
        )
    if len(name) > NAME_MAX_LENGTH:
        raise DomainError("name_too_long", _("名称最多 %(n)d 个字符。") % {"n": NAME_MAX_LENGTH}, field="name")
    if expires_at is not None and expires_at <= clock.now():
        raise DomainError("expiry_in_past", _("到期时间必须晚于现在。"), field="expires_at")
    prefix = secrets.token_hex(4)
    secret = f"{SECRET_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, key_hash=hash_secret(secret), expires_at=expires_at
    )
    audit.record(
        actor, actions.TOKEN_CREATE, _target(token),
        {"user": user.username, "name": name, "prefix": prefix, "expires_at": expires_at},
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    """Revoke a token: its owner, an account administrator or an operator (actor None) may."""
    if actor is not None and actor.pk != token.user_id and not actor.has_permission(permissions.USERS_MANAGE):
        raise PermissionDenied("permission_denied", _("您不能吊销他人的 API 令牌。"))
    if token.revoked_at is not None:
        return token
    token.revoked_at = clock.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor, actions.TOKEN_REVOKE, _target(token), {"user": token.user.username, "prefix": token.prefix})
    return token

"""Permission checks shared by services, views and the API."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kehu.core.errors import PermissionDenied
from kehu.org import permissions


def require_permission(user, code: str) -> None:
    """Raise PermissionDenied (403) unless ``user`` holds permission ``code``."""
    if not (user and user.is_authenticated and user.has_permission(code)):
        label = permissions.REGISTRY[code].label
        raise PermissionDenied("permission_denied", _("您没有此权限：%(permission)s") % {"permission": label})


def require_any_permission(user, codes) -> None:
    """Raise PermissionDenied unless ``user`` holds at least one of ``codes`` (the message names the first)."""
    if not any(user and user.is_authenticated and user.has_permission(code) for code in codes):
        require_permission(user, codes[0])

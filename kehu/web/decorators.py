from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied

from kehu.core.errors import PermissionDenied
from kehu.org.access import require_any_permission, require_permission


def _guarded(check):
    """View decorator: 403 page unless ``check(user)`` passes (it raises kehu's PermissionDenied)."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                check(request.user)
            except PermissionDenied as exc:
                raise DjangoPermissionDenied(str(exc.message)) from exc
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def permission_required(code: str):
    """View decorator: 403 page unless the signed-in user holds ``code``."""
    return _guarded(lambda user: require_permission(user, code))


def any_permission_required(*codes: str):
    """View decorator: 403 page unless the signed-in user holds one of ``codes``."""
    return _guarded(lambda user: require_any_permission(user, codes))

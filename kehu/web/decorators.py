from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied

from kehu.core.errors import PermissionDenied
from kehu.org.access import require_permission


def permission_required(code: str):
    """View decorator: 403 page unless the signed-in user holds ``code``."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                require_permission(request.user, code)
            except PermissionDenied as exc:
                raise DjangoPermissionDenied(str(exc.message)) from exc
            return view(request, *args, **kwargs)

        return wrapped

    return decorate

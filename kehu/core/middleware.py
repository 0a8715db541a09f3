from __future__ import annotations

import ipaddress
import re
import uuid

from django.conf import settings

from kehu.core import context

_REQUEST_ID = re.compile(r"^[A-Za-z0-9\-]{8,64}$")


def client_ip(request) -> str | None:
    """The caller's address. X-Forwarded-For is believed only when the hop is a trusted proxy (AUD-5)."""
    remote = request.META.get("REMOTE_ADDR")
    trusted = settings.TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if forwarded and remote in trusted:
        # The right-most address not belonging to our own proxies is the client.
        for hop in reversed([h.strip() for h in forwarded.split(",")]):
            if hop not in trusted:
                try:
                    return str(ipaddress.ip_address(hop))
                except ValueError:
                    return remote
    return remote


class RequestContextMiddleware:
    """Gives each request an id (echoed as X-Request-ID) and binds id, IP and user agent for the audit log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) and request.META.get("REMOTE_ADDR") in settings.TRUSTED_PROXIES else uuid.uuid4().hex
        channel = "api" if request.path.startswith("/api/") else "web"
        ctx = context.RequestContext(
            request_id=request_id,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            channel=channel,
        )
        request.request_id = request_id
        with context.bound(ctx):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response

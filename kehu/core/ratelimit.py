"""Fixed-window rate limits in the Django cache: the per-user API limit (SECURITY.md AC-9) and the
per-address limits of the public pages (SVC-8).

A window is ``window`` seconds of the clock; the request past ``limit`` in one window is refused and told
how many seconds are left (Retry-After). The cache is in-process by default, so with several app processes
set ``KEHU_CACHE=redis`` to share one count.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from kehu.core import clock

WINDOW_SECONDS = 60


def hit(scope: str, ident: str, *, limit: int, window: int) -> bool:
    """Count one request of ``ident`` under ``scope``; True while the window's count is within ``limit``."""
    key = f"kehu:rate:{scope}:{ident}:{int(clock.now().timestamp() // window)}"
    # add() is a no-op when the key exists; incr() is atomic in both backends.
    cache.add(key, 0, timeout=window * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=window * 2)
        count = 1
    return count <= limit


def retry_after(window: int) -> int:
    """Seconds left in the current window (at least 1): the Retry-After of a refusal."""
    elapsed = clock.now().timestamp() % window
    return max(1, math.ceil(window - elapsed))


class PerUserRateThrottle(BaseThrottle):
    """At most ``settings.KEHU_API_RATE_PER_MINUTE`` API requests per user per clock minute. Runs after
    authentication, so ``request.auth`` is the user."""

    def allow_request(self, request: HttpRequest) -> bool:
        user = getattr(request, "auth", None)
        if user is None:
            return True
        return hit("api", str(user.pk), limit=settings.KEHU_API_RATE_PER_MINUTE, window=WINDOW_SECONDS)

    def wait(self) -> float:
        # Stateless, so one instance can serve concurrent requests.
        return retry_after(WINDOW_SECONDS)

"""Per-user API rate limit (SECURITY.md AC-9): a fixed-window counter in the Django cache.

At most ``settings.KEHU_API_RATE_PER_MINUTE`` requests per user per clock minute; the next one
gets 429 with Retry-After (the seconds left in the window). The cache is in-process by default,
so with several app processes set ``KEHU_CACHE=redis`` to share one count.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from kehu.core import clock

WINDOW_SECONDS = 60


class PerUserRateThrottle(BaseThrottle):
    """Runs after authentication, so ``request.auth`` is the user."""

    def allow_request(self, request: HttpRequest) -> bool:
        user = getattr(request, "auth", None)
        if user is None:
            return True
        window = int(clock.now().timestamp() // WINDOW_SECONDS)
        key = f"kehu:api-rate:{user.pk}:{window}"
        # add() is a no-op when the key exists; incr() is atomic in both backends.
        cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
            count = 1
        return count <= settings.KEHU_API_RATE_PER_MINUTE

    def wait(self) -> float:
        # Stateless, so one instance can serve concurrent requests.
        elapsed = clock.now().timestamp() % WINDOW_SECONDS
        return max(1, math.ceil(WINDOW_SECONDS - elapsed))

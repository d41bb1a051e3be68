"""Rate limits on the API: per user when logged in or sending a token, else per address.

The counts live in the ``throttle`` cache, a folder in the data directory by default, so
that every worker process of one machine shares them (docs/security.md). Behind a
reverse proxy, ``DISTRETTO_TRUSTED_PROXIES`` says how many proxies add an
``X-Forwarded-For`` entry; without it the client's address is the connection's.
"""

from __future__ import annotations

import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest
from ninja.throttling import SimpleRateThrottle

from distretto.api.auth import bearer_key, token_of_request


def _client_user(request: HttpRequest) -> Any:
    """The user behind the request (a valid bearer token's, else the session's), or None."""
    key = bearer_key(request)
    if key is not None:
        token = token_of_request(request, key)
        return None if token is None else token.user
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


class ClientThrottle(SimpleRateThrottle):
    """At most ``DISTRETTO_API_RATE_USER`` requests per user, ``…_ANONYMOUS`` per address.

    A wrong token counts against its sender's address, so made-up tokens do not
    escape the anonymous limit. Each request keeps its counts in local variables, as
    one instance serves every thread of a worker.
    """

    scope = "client"
    cache_format = "api_%(scope)s_%(ident)s"

    def __init__(self) -> None:
        super().__init__(rate=settings.API_RATE_ANONYMOUS)
        self._wait: float | None = None

    def allow_request(self, request: HttpRequest) -> bool:
        user = _client_user(request)
        if user is not None:
            ident, rate = f"user{user.pk}", settings.API_RATE_USER
        else:
            ident, rate = f"ip{self.get_ident(request)}", settings.API_RATE_ANONYMOUS
        allowed, duration = self.parse_rate(rate)
        assert allowed is not None and duration is not None
        key = self.cache_format % {"scope": self.scope, "ident": ident}
        cache = caches["throttle"]
        now = time.time()
        history = [moment for moment in cache.get(key, []) if moment > now - duration]
        if len(history) >= allowed:
            self._wait = max(1.0, duration - (now - history[-1]))
            return False
        history.insert(0, now)
        cache.set(key, history, duration)
        return True

    def wait(self) -> float | None:
        return None if self._wait is None else float(math.ceil(self._wait))

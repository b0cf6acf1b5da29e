"""DRF throttles on the fixed windows of `chat_project.ratelimit`.

DRF's own throttles keep a list of request timestamps per client in the cache and read
and rewrite it (pickled, up to the limit's length) on every request: two Redis round trips
and a list of up to 1,200 floats for the default user rate. A fixed-window counter is one
round trip; it may let through up to twice the rate across a window boundary, which is
fine for abuse limits.
"""

from django.http import HttpRequest
from rest_framework import throttling
from rest_framework.request import Request

from . import client_ip, ratelimit


class FixedWindowThrottleMixin:
    """Replaces `SimpleRateThrottle.allow_request`; keys and rates stay DRF's.

    `get_ident` is the project's client address (`chat_project.client_ip`): DRF's own
    believes X-Forwarded-For from anyone when `NUM_PROXIES` is unset.
    """

    rate: str | None
    num_requests: int
    duration: int

    def allow_request(self, request: Request | HttpRequest, view: object) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)  # type: ignore[attr-defined]
        if key is None:
            return True
        total, self._wait = ratelimit.count(key, self.duration)
        return total <= self.num_requests

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)

    def get_ident(self, request: Request) -> str:
        return client_ip.request_rate_limit_ident(request)


class FixedWindowRateThrottle(FixedWindowThrottleMixin, throttling.SimpleRateThrottle):
    """Base for scoped throttles with their own `get_cache_key`."""


class AnonRateThrottle(FixedWindowThrottleMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(FixedWindowThrottleMixin, throttling.UserRateThrottle):
    pass

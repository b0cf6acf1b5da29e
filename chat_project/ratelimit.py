"""A fixed-window rate limit on the shared cache, for limits that services enforce.

DRF throttles only guard HTTP views; a limit such as "30 messages per 10 s"
must hold for REST and WebSocket alike, so the service checks it here.
"""

import re
import time

from django.core.cache import cache

from .exceptions import Throttled

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])[a-z]*\s*$")


def parse_rate(rate: str) -> tuple[int, int]:
    """'30/10s' -> (30, 10); '5/min' -> (5, 60)."""
    match = _RATE.match(rate)
    if not match:
        raise ValueError(f"invalid rate {rate!r}")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _UNITS[unit]


def hit(key: str, rate: str) -> None:
    """Count one action for `key`; raise Throttled (with the wait) past the rate."""
    limit, period = parse_rate(rate)
    window = int(time.time() // period)
    cache_key = f"rl:{key}:{window}"
    if cache.add(cache_key, 1, timeout=period + 1):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=period + 1)
            count = 1
    if count > limit:
        wait = period - (time.time() % period)
        raise Throttled(wait=wait, detail=f"Too many requests: limit is {rate}.")

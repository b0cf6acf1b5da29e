"""Fixed-window rate limits on the shared cache: one Redis round trip per check.

Services enforce limits that must hold for REST and WebSocket alike (such as "30
messages per 10 s") with `hit`; the DRF throttles (`chat_project.throttling`) count on the
same windows.
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


def count(key: str, period: int) -> tuple[int, float]:
    """Count one action for `key` in the current `period`-second window.

    Returns (actions in this window so far, seconds until the window ends). On Redis the
    counter is an INCR and an EXPIRE in one pipelined round trip
    (`SharedPoolRedisCache.incr_window`); other caches use add + incr.
    """
    now = time.time()
    cache_key = f"rl:{key}:{int(now // period)}"
    incr_window = getattr(cache, "incr_window", None)
    if incr_window is not None:
        total = incr_window(cache_key, period + 1)
    elif cache.add(cache_key, 1, timeout=period + 1):
        total = 1
    else:
        try:
            total = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=period + 1)
            total = 1
    return total, period - (now % period)


def hit(key: str, rate: str) -> None:
    """Count one action for `key`; raise Throttled (with the wait) past the rate."""
    limit, period = parse_rate(rate)
    total, wait = count(key, period)
    if total > limit:
        raise Throttled(wait=wait, detail=f"Too many requests: limit is {rate}.")

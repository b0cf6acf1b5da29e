"""Fixed-window rate limits on the shared cache: one Redis round trip per check.

Services enforce limits that must hold for REST and WebSocket alike (such as "30
messages per 10 s") with `hit`; the DRF throttles (`chat_project.throttling`) count on the
same windows. `count_unless_over` counts a request's DRF throttles and a service's limit
in one round trip, with the outcome of separate checks (the lean send path,
messaging/api/send.py).
"""

import re
import time
from collections.abc import Sequence
from typing import NamedTuple

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


def _cache_key(key: str, period: int, now: float) -> str:
    return f"rl:{key}:{int(now // period)}"


def _incr(cache_key: str, period: int) -> int:
    """INCR with the window's lifetime, on any cache (Redis has one round trip for it)."""
    incr_window = getattr(cache, "incr_window", None)
    if incr_window is not None:
        return incr_window(cache_key, period + 1)
    if cache.add(cache_key, 1, timeout=period + 1):
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=period + 1)
        return 1


def count(key: str, period: int) -> tuple[int, float]:
    """Count one action for `key` in the current `period`-second window.

    Returns (actions in this window so far, seconds until the window ends). On Redis the
    counter is an INCR and an EXPIRE in one pipelined round trip
    (`SharedPoolRedisCache.incr_window`); other caches use add + incr.
    """
    now = time.time()
    return _incr(_cache_key(key, period, now), period), period - (now % period)


class Window(NamedTuple):
    """One fixed window to count in: `limit` actions per `period` seconds for `key`."""

    key: str
    limit: int
    period: int

    @classmethod
    def of(cls, key: str, rate: str) -> "Window":
        return cls(key, *parse_rate(rate))


def count_unless_over(
    first: Sequence[Window], then: Window
) -> tuple[list[tuple[int, float]], tuple[int, float] | None]:
    """Count one action in every window of `first`, and in `then` only if none of them is
    over its limit: what separate `count` calls would do for a request whose throttles
    are checked before a service counts its own limit. The counts are the same as
    `count`'s (same keys and windows); on Redis it is one round trip (a script).

    Returns the (total, wait) of each window of `first` and of `then` (None if not counted).
    """
    now = time.time()
    windows = [*first, then]
    keys = [_cache_key(w.key, w.period, now) for w in windows]
    incr_windows = getattr(cache, "incr_windows", None)
    if incr_windows is not None:
        totals = incr_windows(keys, [w.period + 1 for w in windows], [w.limit for w in first])
    else:
        totals = [_incr(k, w.period) for k, w in zip(keys[:-1], first, strict=True)]
        if all(total <= w.limit for total, w in zip(totals, first, strict=True)):
            totals.append(_incr(keys[-1], then.period))
    counts = [
        (total, w.period - (now % w.period)) for total, w in zip(totals, windows, strict=False)
    ]
    return counts[: len(first)], (counts[-1] if len(counts) > len(first) else None)


def hit(key: str, rate: str, counted: tuple[int, float] | None = None) -> None:
    """Count one action for `key`; raise Throttled (with the wait) past the rate.

    `counted` is the (total, wait) of this action when the caller has counted it already
    (`count_unless_over`); then only the limit is checked.
    """
    limit, period = parse_rate(rate)
    total, wait = counted if counted is not None else count(key, period)
    if total > limit:
        raise Throttled(wait=wait, detail=f"Too many requests: limit is {rate}.")

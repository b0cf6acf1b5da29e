"""Fixed-window rate limits on the shared cache: one Redis round trip per check.

Services enforce limits that must hold for REST and WebSocket alike (such as "30
messages per 10 s") with `hit`; the DRF throttles (`chat_project.throttling`) count on the
same windows. `count_unless_over` counts a request's DRF throttles and a service's limit
in one round trip, with the outcome of separate checks (the lean send path,
messaging/api/send.py).

On Redis (django-redis, `settings.cache_config`) a counter is an INCR and an EXPIRE NX in
one pipelined round trip, and several counters are one Lua script, on the cache's raw
redis-py client; the keys are the cache's own (`KEY_PREFIX`, version), so `cache.get`
reads them. Any other cache (the embedded mode's local memory) counts with add + incr.

The counters go through the process's one cache object (`chat_project.cache.process_cache`),
not a cache object per request context.
"""

import re
import time
from collections.abc import Sequence
from typing import Any, NamedTuple

from django.core.cache import BaseCache

from .cache import process_cache
from .exceptions import Throttled

# KEYS: the windows' counters; ARGV[1]: how many of them come first, then per window its
# lifetime and (for the first ones) its limit. Every counter is INCR + EXPIRE NX, as in
# `_redis_incr`; the counters after the first ones are left alone when one of those is
# over its limit. Returns the counts made.
_INCR_WINDOWS = """
local first = tonumber(ARGV[1])
local totals = {}
for i, key in ipairs(KEYS) do
  if i == first + 1 then
    for j = 1, first do
      if totals[j] > tonumber(ARGV[1 + #KEYS + j]) then return totals end
    end
  end
  totals[i] = redis.call('INCR', key)
  redis.call('EXPIRE', key, ARGV[1 + i], 'NX')
end
return totals
"""

_scripts: dict[int, Any] = {}


def redis_client(cache: BaseCache) -> Any | None:
    """The raw redis-py client of `cache` if it is django-redis's, else None."""
    client = getattr(cache, "client", None)
    get_client = getattr(client, "get_client", None)
    return get_client(write=True) if get_client is not None else None


def _incr_windows_script(client: Any) -> Any:
    """redis-py's Script for `_INCR_WINDOWS` on `client`, registered once per client."""
    script = _scripts.get(id(client))
    if script is None or script.registered_client is not client:
        script = _scripts[id(client)] = client.register_script(_INCR_WINDOWS)
    return script


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


def incr_window(cache: BaseCache, key: str, timeout: int) -> int:
    """INCR `key` of `cache` and give it `timeout` seconds to live if it has none: on Redis
    one pipelined round trip, on other caches add + incr."""
    client = redis_client(cache)
    if client is None:
        return _add_incr(cache, key, timeout)
    key = cache.make_and_validate_key(key)
    pipe = client.pipeline(transaction=False)
    pipe.incr(key)
    pipe.expire(key, timeout, nx=True)
    total, _ = pipe.execute()
    return int(total)


def incr_windows(
    cache: BaseCache, keys: list[str], timeouts: list[int], first_limits: list[int]
) -> list[int]:
    """`incr_window` for each key, except that the keys after the first
    `len(first_limits)` are left alone when one of those first counters is over its limit.
    On Redis one round trip (a script). Returns the counts made, in order."""
    client = redis_client(cache)
    if client is None:
        first = len(first_limits)
        totals = [_add_incr(cache, k, t) for k, t in zip(keys[:first], timeouts, strict=False)]
        if all(total <= limit for total, limit in zip(totals, first_limits, strict=True)):
            totals += [
                _add_incr(cache, k, t) for k, t in zip(keys[first:], timeouts[first:], strict=True)
            ]
        return totals
    keys = [cache.make_and_validate_key(key) for key in keys]
    script = _incr_windows_script(client)
    totals = script(keys=keys, args=[len(first_limits), *timeouts, *first_limits])
    return [int(total) for total in totals]


def _add_incr(cache: BaseCache, key: str, timeout: int) -> int:
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1


def count(key: str, period: int) -> tuple[int, float]:
    """Count one action for `key` in the current `period`-second window.

    Returns (actions in this window so far, seconds until the window ends). On Redis the
    counter is an INCR and an EXPIRE in one pipelined round trip (`incr_window`); other
    caches use add + incr.
    """
    now = time.time()
    total = incr_window(process_cache(), _cache_key(key, period, now), period + 1)
    return total, period - (now % period)


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
    totals = incr_windows(
        process_cache(), keys, [w.period + 1 for w in windows], [w.limit for w in first]
    )
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

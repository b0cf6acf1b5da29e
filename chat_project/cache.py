"""Django's Redis cache with one connection pool (and one redis-py client) per process.

Under ASGI, Django builds a new cache object for every request context, and with it a
new redis-py connection pool: every request paid a fresh TCP connect to Redis for its
throttle counters (seen in a py-spy profile of `rest-send`, docs/benchmarks.md). The
client (and so its pool, which is thread-safe) is shared here by all cache objects of
the same configuration. Django also builds a `redis.Redis` object for every single
operation (~0.3 ms each in a profile); the thread-safe client is kept instead.

`incr_window` gives rate limits a counter in one round trip (Django's add + incr is two,
and DRF's own throttles read and write a pickled list of timestamps); `incr_windows`
counts several in one round trip, the later ones only if the first stay within limits.
"""

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

_clients: dict[tuple[Any, ...], RedisCacheClient] = {}
_lock = threading.Lock()

# KEYS: the windows' counters; ARGV[1]: how many of them come first, then per window its
# lifetime and (for the first ones) its limit. Every counter is INCR + EXPIRE NX, as in
# `incr_window`; the counters after the first ones are left alone when one of those is
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


class SharedRedisCacheClient(RedisCacheClient):
    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._redis_clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._redis_clients[index] = client
        return client

    @property
    def _redis_clients(self) -> dict[int, Any]:
        return self.__dict__.setdefault("_redis_client_by_index", {})

    def script(self, client: Any, source: str) -> Any:
        """redis-py's Script object for `source` on `client`, registered once."""
        scripts = self.__dict__.setdefault("_scripts", {})
        found = scripts.get((id(client), source))
        if found is None:
            found = scripts[(id(client), source)] = client.register_script(source)
        return found


class SharedPoolRedisCache(RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedRedisCacheClient

    @cached_property
    def _cache(self) -> RedisCacheClient:
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client

    def incr_window(self, key: str, timeout: int) -> int:
        """INCR `key` and give it `timeout` seconds to live if it has none, pipelined."""
        key = self.make_and_validate_key(key)
        pipe = self._cache.get_client(key, write=True).pipeline(transaction=False)
        pipe.incr(key)
        pipe.expire(key, timeout, nx=True)
        total, _ = pipe.execute()
        return int(total)

    def incr_windows(
        self, keys: list[str], timeouts: list[int], first_limits: list[int]
    ) -> list[int]:
        """`incr_window` for each key in one round trip (a script), except that the keys
        after the first `len(first_limits)` are left alone when one of those first
        counters is over its limit. Returns the counts made, in order."""
        keys = [self.make_and_validate_key(key) for key in keys]
        client = self._cache.get_client(keys[0], write=True)
        script = self._cache.script(client, _INCR_WINDOWS)
        totals = script(keys=keys, args=[len(first_limits), *timeouts, *first_limits])
        return [int(total) for total in totals]

"""Django's Redis cache with one connection pool per process.

Under ASGI, Django builds a new cache object for every request context, and with it a
new redis-py connection pool: every request paid a fresh TCP connect to Redis for its
throttle counters (seen in a py-spy profile of `rest-send`, docs/benchmarks.md). The
client (and so its pool, which is thread-safe) is shared here by all cache objects of
the same configuration.
"""

import threading
from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property

_clients: dict[tuple[Any, ...], RedisCacheClient] = {}
_lock = threading.Lock()


class SharedPoolRedisCache(RedisCache):
    @cached_property
    def _cache(self) -> RedisCacheClient:
        key = (tuple(self._servers), repr(sorted(self._options.items())))
        with _lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = self._class(self._servers, **self._options)
        return client

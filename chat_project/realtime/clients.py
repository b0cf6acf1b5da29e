"""The Redis clients of the event bus and the presence store, built one way.

Pool size and socket timeout come from settings (REDIS_MAX_CONNECTIONS /
REDIS_SOCKET_TIMEOUT, sized for connect storms: docs/benchmarks.md). Every command is
retried on a connection error, with a short backoff: after Redis restarts, the pool's
connections are all dead, and the first command on each used to fail (a socket's
cleanup, the presence refresh that should re-register this process's sockets).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

RETRIES = 3


def _options() -> dict[str, Any]:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return {
        "max_connections": settings.REDIS_MAX_CONNECTIONS,
        "socket_timeout": settings.REDIS_SOCKET_TIMEOUT,
        "retry_on_error": [RedisConnectionError, RedisTimeoutError],
    }


def sync_client(url: str) -> Any:
    import redis
    from redis.backoff import ExponentialBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(
        url, retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), RETRIES), **_options()
    )


def async_client(url: str) -> Any:
    import redis.asyncio
    from redis.asyncio.retry import Retry
    from redis.backoff import ExponentialBackoff

    return redis.asyncio.Redis.from_url(
        url, retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), RETRIES), **_options()
    )

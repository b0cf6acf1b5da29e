import pytest
from django.conf import settings
from django.core.cache import caches
from django_redis import get_redis_connection

from chat_project import ratelimit
from chat_project.cache import process_cache

pytestmark = pytest.mark.needs_services


def test_cache_objects_share_one_redis_pool():
    """Django makes a cache object per request context under ASGI; they must share a pool."""
    first = caches.create_connection("default")
    second = caches.create_connection("default")
    assert first is not second
    pool = first.client.get_client(write=True).connection_pool
    assert second.client.get_client(write=True).connection_pool is pool
    assert get_redis_connection("default").connection_pool is pool
    assert pool.max_connections == settings.REDIS_MAX_CONNECTIONS
    assert pool.connection_kwargs["socket_timeout"] == settings.REDIS_SOCKET_TIMEOUT
    first.set("shared-pool", 42)
    assert second.get("shared-pool") == 42


def test_counters_use_one_cache_object_per_process():
    """ratelimit counts on one cache object (and one redis-py client) per process."""
    assert process_cache() is process_cache()
    client = ratelimit.redis_client(process_cache())
    assert client is ratelimit.redis_client(process_cache())


def test_incr_window_counts_and_expires_in_one_round_trip():
    """Rate limits count with INCR + EXPIRE NX: the first hit sets the window's lifetime,
    later hits never extend it (a fixed window, not a sliding one)."""
    cache = caches.create_connection("default")
    assert [ratelimit.incr_window(cache, "window-key", 30) for _ in range(3)] == [1, 2, 3]
    client = get_redis_connection("default")
    key = cache.make_and_validate_key("window-key")
    assert key.startswith(f"{settings.REDIS_PREFIX}:")
    client.expire(key, 5)
    ratelimit.incr_window(cache, "window-key", 30)
    assert client.ttl(key) <= 5
    assert cache.get("window-key") == 4  # readable through the cache API too


def test_incr_windows_is_incr_window_for_each_key_in_one_script():
    cache = caches.create_connection("default")
    assert ratelimit.incr_windows(cache, ["w-a", "w-b"], [30, 30], [1]) == [1, 1]
    # w-a is over: w-b spared
    assert ratelimit.incr_windows(cache, ["w-a", "w-b"], [30, 30], [1]) == [2]
    assert ratelimit.incr_windows(cache, ["w-b"], [30], []) == [2]
    client = get_redis_connection("default")
    key = cache.make_and_validate_key("w-b")
    assert 0 < client.ttl(key) <= 30
    client.expire(key, 5)
    ratelimit.incr_windows(cache, ["w-b"], [30], [])
    assert client.ttl(key) <= 5  # EXPIRE NX, as incr_window: the window never moves
    assert ratelimit.incr_window(cache, "w-b", 30) == 4

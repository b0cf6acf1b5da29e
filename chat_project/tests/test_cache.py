import pytest
from django.conf import settings

from chat_project.cache import SharedPoolRedisCache

pytestmark = pytest.mark.needs_services


def test_cache_objects_share_one_redis_pool():
    """Django makes a cache object per request context under ASGI; they must share a pool."""
    params = {"KEY_PREFIX": settings.REDIS_PREFIX}
    first = SharedPoolRedisCache(settings.REDIS_URL, params)
    second = SharedPoolRedisCache(settings.REDIS_URL, params)
    assert first._cache is second._cache
    assert first._cache.get_client(write=True) is second._cache.get_client(write=True)
    first.set("shared-pool", 42)
    assert second.get("shared-pool") == 42


def test_incr_window_counts_and_expires_in_one_round_trip():
    """Rate limits count with INCR + EXPIRE NX: the first hit sets the window's lifetime,
    later hits never extend it (a fixed window, not a sliding one)."""
    cache = SharedPoolRedisCache(settings.REDIS_URL, {"KEY_PREFIX": settings.REDIS_PREFIX})
    assert [cache.incr_window("window-key", 30) for _ in range(3)] == [1, 2, 3]
    client = cache._cache.get_client(write=True)
    key = cache.make_and_validate_key("window-key")
    client.expire(key, 5)
    cache.incr_window("window-key", 30)
    assert client.ttl(key) <= 5
    assert cache.get("window-key") == 4  # readable through the cache API too


def test_incr_windows_is_incr_window_for_each_key_in_one_script():
    cache = SharedPoolRedisCache(settings.REDIS_URL, {"KEY_PREFIX": settings.REDIS_PREFIX})
    assert cache.incr_windows(["w-a", "w-b"], [30, 30], [1]) == [1, 1]
    assert cache.incr_windows(["w-a", "w-b"], [30, 30], [1]) == [2]  # w-a is over: w-b spared
    assert cache.incr_windows(["w-b"], [30], []) == [2]
    client = cache._cache.get_client(write=True)
    key = cache.make_and_validate_key("w-b")
    assert 0 < client.ttl(key) <= 30
    client.expire(key, 5)
    cache.incr_windows(["w-b"], [30], [])
    assert client.ttl(key) <= 5  # EXPIRE NX, as incr_window: the window never moves
    assert cache.incr_window("w-b", 30) == 4

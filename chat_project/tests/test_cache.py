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

"""The process's one object for the shared cache (`process_cache`).

Django's `caches["default"]` (and the `cache` proxy) builds a cache object per request
context under ASGI — and with it django-redis's client and a redis-py client — so code
that runs on every request or is held by every socket (the rate-limit counters, the
access-token denylist) goes through one object per process instead (what that saves:
docs/benchmarks.md, "Figures behind the code"). Both clients are thread-safe, and
django-redis keeps one connection pool per process whichever object asks.
"""

from typing import Any

from django.core.cache import BaseCache, caches
from django.core.signals import setting_changed
from django.dispatch import receiver

_process_cache: BaseCache | None = None


def process_cache() -> BaseCache:
    """The default cache, one object per process (see the module's docstring)."""
    global _process_cache
    if _process_cache is None:
        _process_cache = caches.create_connection("default")
    return _process_cache


@receiver(setting_changed)
def _forget_process_cache(*, setting: str, **kwargs: Any) -> None:
    global _process_cache
    if setting == "CACHES":
        _process_cache = None

"""Fixtures shared by every app's tests."""

from collections.abc import Callable

import pytest
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if getattr(settings, "SERVICES_AVAILABLE", True):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL and Redis (running in SQLite fallback)")
    for item in items:
        if "needs_services" in item.keywords or "e2e" in item.keywords:
            item.add_marker(skip)


def _clear_shared_state() -> None:
    """Forget throttle counters, tickets and layer groups of this run only.

    Only this run's prefix is touched: FLUSHDB would wipe a concurrent run's state.
    """
    if settings.REDIS_URL:
        import redis

        client = redis.Redis.from_url(settings.REDIS_URL)
        keys = list(client.scan_iter(f"{settings.REDIS_PREFIX}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()
    else:
        cache.clear()
        layer = get_channel_layer()
        for attribute in ("channels", "groups"):  # InMemoryChannelLayer's state
            getattr(layer, attribute, {}).clear()


@pytest.fixture(autouse=True)
def _isolated_shared_state() -> None:
    _clear_shared_state()


@pytest.fixture
def password() -> str:
    return DEFAULT_PASSWORD


@pytest.fixture
def user_factory() -> type[UserFactory]:
    return UserFactory


@pytest.fixture
def user(db):
    return UserFactory(username="alice")


@pytest.fixture
def other_user(db):
    return UserFactory(username="bob")


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def client_for() -> Callable[..., APIClient]:
    """An API client authenticated as `user` (forced: auth itself is tested in accounts)."""

    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user=user)
        return client

    return make


@pytest.fixture
def sent_events(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict]]:
    """Every (group, event) that reaches the real channel layer's group_send."""
    layer = get_channel_layer()
    events: list[tuple[str, dict]] = []
    original = layer.group_send

    async def recording(group: str, message: dict) -> None:
        events.append((group, message.get("event", message)))
        await original(group, message)

    monkeypatch.setattr(layer, "group_send", recording)
    return events

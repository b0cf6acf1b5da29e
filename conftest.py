"""Fixtures shared by every app's tests."""

from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

#: `ws`, real WebSockets through the consumer (tests/sockets.py), for every app's tests.
pytest_plugins = ["tests.sockets"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if getattr(settings, "SERVICES_AVAILABLE", True):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL and Redis (running in SQLite fallback)")
    for item in items:
        if "needs_services" in item.keywords or "e2e" in item.keywords:
            item.add_marker(skip)


def _clear_shared_state() -> None:
    """Forget throttle counters, tickets and presence of this run only.

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
        from chat_project.realtime.presence import reset_memory_store

        reset_memory_store()


@pytest.fixture(autouse=True)
def _isolated_shared_state() -> None:
    _clear_shared_state()


@pytest.fixture
def media_root(settings, tmp_path):
    """A fresh, empty MEDIA_ROOT for this test: the real filesystem storage, in tmp."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


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
def moderator(db):
    """A staff user in the `moderators` group (messaging/migrations/0006): the role the
    admin and the moderation services are built for."""
    mod = UserFactory(username="mod", is_staff=True)
    mod.groups.add(Group.objects.get(name="moderators"))
    return mod


@pytest.fixture
def moderator_client(client, moderator):
    """Django's test `client`, logged in as `moderator` (the same `client` a test gets)."""
    client.force_login(moderator)
    return client


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
    """Every (group, event) published on the real event bus, decoded.

    A request to close a group's sockets is recorded as
    `{"type": "disconnect", "reason": ...}`.
    """
    import orjson

    from chat_project.realtime import bus as buses

    bus = buses.get_bus()
    events: list[tuple[str, dict]] = []

    def record(group: str, payload: bytes) -> None:
        if payload[0] == buses.EVENT:
            events.append((group, orjson.loads(buses.split_event(payload)[1])))
        elif payload[0] == buses.DISCONNECT:
            events.append((group, {"type": "disconnect", "reason": payload[1:].decode()}))

    original, original_async = bus.publish, bus.apublish

    def publish(group: str, payload: bytes) -> None:
        record(group, payload)
        original(group, payload)

    async def apublish(group: str, payload: bytes) -> None:
        record(group, payload)
        await original_async(group, payload)

    monkeypatch.setattr(bus, "publish", publish)
    monkeypatch.setattr(bus, "apublish", apublish)
    return events

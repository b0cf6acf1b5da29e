"""A socket closed by a server restart lingers in presence (realtime.presence_linger).

Its user reconnects to another process within the grace: no `user_online` on the new
socket (the old one still counts) and no `user_offline` when the old one is swept. If
they do not come back, the sweep reports them offline once the grace is over.
"""

from __future__ import annotations

import asyncio

import pytest

from chat_project import realtime
from chat_project.realtime.presence import reset_memory_store

pytestmark = pytest.mark.django_db

GRACE = 0.3


@pytest.fixture(params=["redis", "memory"])
def store(request, settings):
    settings.PRESENCE_RESTART_GRACE_SECONDS = GRACE
    if request.param == "memory":
        settings.REDIS_URL = ""
        reset_memory_store()
    elif not settings.REDIS_URL:
        pytest.skip("needs Redis")
    return request.param


async def test_back_within_the_grace_is_neither_online_nor_offline_again(store):
    assert await realtime.presence_connect(7, "before") == 0
    assert await realtime.presence_linger(7, "before") is True
    assert await realtime.online_user_ids_async([7]) == {7}
    assert await realtime.presence_connect(7, "after") == 1  # not "came online"
    await asyncio.sleep(GRACE + 0.1)
    assert await realtime.presence_sweep() == []  # the old one goes, the user stays
    assert await realtime.online_user_ids_async([7]) == {7}
    assert await realtime.presence_disconnect(7, "after") is True


async def test_not_back_goes_offline_when_the_grace_is_over(store):
    assert await realtime.presence_connect(8, "gone") == 0
    assert await realtime.presence_linger(8, "gone") is True
    assert await realtime.presence_sweep() == []
    await asyncio.sleep(GRACE + 0.1)
    assert await realtime.online_user_ids_async([8]) == set()
    assert await realtime.presence_sweep() == [8]


async def test_a_linger_never_extends_a_socket_and_needs_one(store, settings):
    settings.PRESENCE_TTL_SECONDS = 0.2
    settings.PRESENCE_RESTART_GRACE_SECONDS = 30
    assert await realtime.presence_connect(9, "short") == 0
    assert await realtime.presence_linger(9, "short") is True
    await asyncio.sleep(0.3)  # its own expiry came first
    assert await realtime.presence_sweep() == [9]
    assert await realtime.presence_linger(9, "short") is False
    assert await realtime.presence_linger(9, "never") is False

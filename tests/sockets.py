"""Real WebSockets in tests: Channels' communicator on the project's consumer and this
run's Redis layer (no server process; tests/e2e starts real ones).

`ws` is a fixture: import it into a test module (`from tests.sockets import ws`) and
every socket it opens is closed after the test.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Collection
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.ws_auth import WebSocketAuthMiddlewareStack
from messaging.routing import websocket_urlpatterns

APP = WebSocketAuthMiddlewareStack(URLRouter(websocket_urlpatterns))
WAIT = 5  # generous: only ever a ceiling for waiting on an event

PRESENCE = frozenset({"user_online", "user_offline"})
#: Frames other tests are about, passed over where they may interleave.
BACKGROUND = PRESENCE | {"notification"}


@database_sync_to_async
def bearer(user) -> list[tuple[bytes, bytes]]:
    token = str(RefreshToken.for_user(user).access_token)
    return [(b"authorization", f"Bearer {token}".encode())]


async def next_of(
    comm: WebsocketCommunicator, kind: str, skip: Collection[str] = frozenset()
) -> dict:
    """The next frame of type `kind`, passing over frames whose type is in `skip`."""
    while True:
        frame = await comm.receive_json_from(timeout=WAIT)
        if frame["type"] == kind:
            return frame
        assert frame["type"] in skip, f"expected {kind}, got {frame}"


@pytest.fixture
async def ws() -> AsyncIterator[Callable[..., Any]]:
    """Open sockets as a user (Bearer header); every socket is closed after the test."""
    opened: list[WebsocketCommunicator] = []

    async def open_socket(user, *, headers=None, expect_connected: bool = True):
        comm = WebsocketCommunicator(APP, "/ws/", headers=headers or await bearer(user))
        opened.append(comm)
        connected, _ = await comm.connect(timeout=WAIT)
        assert connected
        if expect_connected:
            frame = await comm.receive_json_from(timeout=WAIT)
            assert frame == {
                "type": "connected",
                "message": "WebSocket connected successfully",
                "user_id": user.pk,
            }
        return comm

    yield open_socket
    for comm in opened:
        with contextlib.suppress(Exception):  # already closed by the server
            await comm.disconnect(timeout=WAIT)

"""Leaving over real WebSockets: a deleted account's sockets close at once, a friend sees
the friendship end, the owner hears `export_ready`."""

import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import DEFAULT_PASSWORD
from accounts.ws_auth import WebSocketAuthMiddlewareStack
from conversations.tests.factories import group_with
from friends.tests.factories import make_friends
from leaving import services
from messaging.consumers import CLOSE_SESSION_ENDED
from messaging.routing import websocket_urlpatterns

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs_services]

APP = WebSocketAuthMiddlewareStack(URLRouter(websocket_urlpatterns))
WAIT = 5
SKIP = {"user_online", "user_offline", "notification", "user_updated"}


@pytest.fixture
async def ws() -> AsyncIterator[Callable[..., Any]]:
    opened: list[WebsocketCommunicator] = []

    async def open_socket(user) -> WebsocketCommunicator:
        token = await database_sync_to_async(
            lambda: str(RefreshToken.for_user(user).access_token)
        )()
        comm = WebsocketCommunicator(
            APP, "/ws/", headers=[(b"authorization", f"Bearer {token}".encode())]
        )
        opened.append(comm)
        connected, _ = await comm.connect(timeout=WAIT)
        assert connected
        assert (await comm.receive_json_from(timeout=WAIT))["type"] == "connected"
        return comm

    yield open_socket
    for comm in opened:
        with contextlib.suppress(Exception):  # already closed by the server
            await comm.disconnect(timeout=WAIT)


async def next_of(comm: WebsocketCommunicator, kind: str, skip: set[str] = SKIP) -> dict:
    while True:
        frame = await comm.receive_json_from(timeout=WAIT)
        if frame["type"] == kind:
            return frame
        assert frame["type"] in skip, f"expected {kind}, got {frame}"


async def test_deletion_closes_the_sockets_and_friends_see_it_live(ws, user, other_user):
    await database_sync_to_async(make_friends)(user, other_user)
    group = await database_sync_to_async(group_with)(user, other_user, name="Trip")
    alice = await ws(user)
    bob = await ws(other_user)
    await database_sync_to_async(services.account_delete)(actor=user, password=DEFAULT_PASSWORD)
    closed = None
    while closed is None:  # her socket may first hear what she caused, then it closes
        output = await alice.receive_output(timeout=WAIT)
        if output["type"] == "websocket.close":
            closed = output
    assert closed == {
        "type": "websocket.close",
        "code": CLOSE_SESSION_ENDED,
        "reason": "account_deleted",
    }
    frames: dict[str, dict] = {}
    while not {"member_removed", "friend_removed"} <= set(frames):
        frame = await bob.receive_json_from(timeout=WAIT)
        frames.setdefault(frame["type"], frame)
    assert frames["friend_removed"] == {"type": "friend_removed", "user_id": user.id}
    assert frames["member_removed"]["conversation_id"] == group.id


async def test_export_ready_reaches_the_owners_socket(ws, user, media_root):
    alice = await ws(user)
    export, _ = await database_sync_to_async(services.export_request)(actor=user)
    frame = await next_of(alice, "export_ready")
    assert frame["export"]["id"] == export.id
    assert frame["export"]["status"] == "ready"

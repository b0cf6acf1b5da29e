"""Leaving over real WebSockets: a deleted account's sockets close at once, a friend sees
the friendship end, the owner hears `export_ready`."""

from collections.abc import Collection
from typing import Any

import pytest
from channels.db import database_sync_to_async

from accounts.tests.factories import DEFAULT_PASSWORD
from conversations.tests.factories import group_with
from friends.tests.factories import make_friends
from leaving import services
from messaging.consumers import CLOSE_SESSION_ENDED
from tests import sockets
from tests.sockets import WAIT

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs_services]

SKIP = {"user_online", "user_offline", "notification", "user_updated"}


async def next_of(comm: Any, kind: str, skip: Collection[str] = SKIP) -> dict:
    return await sockets.next_of(comm, kind, skip)


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

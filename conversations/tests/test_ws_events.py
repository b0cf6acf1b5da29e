"""Conversation events over a real WebSocket (the consumer, the real Redis layer).

messaging/tests/test_consumers.py covers create/add/remove/update/delete; this file covers
the paths only this app has: joining a public room and leaving with an admin hand-over.
"""

from collections.abc import Collection
from typing import Any

import pytest
from channels.db import database_sync_to_async

from conversations import services
from conversations.tests.factories import group_with, public_room_with
from messaging import services as messaging_services
from tests import sockets

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs_services]

PRESENCE = sockets.PRESENCE


async def next_of(comm: Any, kind: str, skip: Collection[str] = PRESENCE) -> dict:
    return await sockets.next_of(comm, kind, skip)


async def test_joining_a_public_room_subscribes_the_joiner_live(ws, user, other_user):
    room = await database_sync_to_async(public_room_with)(user, name="Lobby")
    alice = await ws(user)
    bob = await ws(other_user)
    await database_sync_to_async(services.conversation_join)(
        actor=other_user, conversation_id=room.id
    )
    created = await next_of(bob, "conversation_created")
    assert created["conversation"]["id"] == room.id
    assert created["conversation"]["unread_count"] == 0
    assert await next_of(alice, "member_added") == {
        "type": "member_added",
        "conversation_id": room.id,
        "user_id": other_user.id,
    }
    await database_sync_to_async(messaging_services.message_send)(
        actor=user, conversation_id=room.id, content="welcome"
    )
    frame = await next_of(bob, "new_message", PRESENCE | {"member_added"})
    assert frame["message"]["content"] == "welcome"


async def test_owner_leaving_is_seen_by_everyone(ws, user, other_user):
    team = await database_sync_to_async(group_with)(user, other_user, name="Team")
    alice = await ws(user)
    bob = await ws(other_user)
    await database_sync_to_async(services.conversation_leave)(actor=user, conversation_id=team.id)
    line = await next_of(alice, "new_message")
    assert (line["message"]["content"], line["message"]["system"]) == (
        "Alice left",
        {"event": "left", "actor_id": user.id},
    )
    assert await next_of(alice, "removed_from_conversation", PRESENCE | {"member_removed"}) == {
        "type": "removed_from_conversation",
        "conversation_id": team.id,
    }
    assert (await next_of(bob, "new_message"))["message"]["content"] == "Alice left"
    assert await next_of(bob, "member_removed") == {
        "type": "member_removed",
        "conversation_id": team.id,
        "user_id": user.id,
    }
    assert await next_of(bob, "member_role_changed") == {
        "type": "member_role_changed",
        "conversation_id": team.id,
        "user_id": other_user.id,
        "role": "owner",
    }
    handover = await next_of(bob, "new_message")
    assert handover["message"]["content"] == "Bob is now the owner"

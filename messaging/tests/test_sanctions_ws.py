"""Sanctions over a real WebSocket (Channels' communicator on the real Redis bus): a
suspension closes the live socket at once and refuses a new one; a mute refuses
`send_message` with an `error` naming the end, and the socket stays usable."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from accounts import services as accounts_services
from accounts.tests.factories import UserFactory
from conversations import services as conversations_services
from conversations.tests.factories import group_with
from messaging.consumers import CLOSE_SESSION_ENDED, CLOSE_UNAUTHENTICATED
from tests.sockets import APP, BACKGROUND, WAIT, bearer, next_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs_services]


@pytest.fixture
def superuser_moderator(db):
    """A superuser in place of conftest's `moderator`: a transactional test's flush drops
    the migration's `moderators` group, so a member of it would hold no permission here."""
    return UserFactory(username="mod", is_staff=True, is_superuser=True)


async def test_a_suspension_closes_the_live_socket_and_refuses_a_new_one(
    ws, superuser_moderator, other_user
):
    headers = await bearer(other_user)  # a token minted before the suspension
    live = await ws(other_user, headers=headers)
    await database_sync_to_async(accounts_services.user_suspend)(
        actor=superuser_moderator,
        user_id=other_user.id,
        until=timezone.now() + timedelta(hours=1),
        reason="raid",
    )
    assert await live.receive_output(timeout=WAIT) == {
        "type": "websocket.close",
        "code": CLOSE_SESSION_ENDED,
        "reason": "account_suspended",
    }
    again = WebsocketCommunicator(APP, "/ws/", headers=headers)
    connected, _ = await again.connect(timeout=WAIT)
    assert connected
    assert await again.receive_output(timeout=WAIT) == {
        "type": "websocket.close",
        "code": CLOSE_UNAUTHENTICATED,
    }


async def test_a_mute_refuses_send_message_and_the_socket_stays_usable(
    ws, superuser_moderator, user, other_user
):
    room = await database_sync_to_async(group_with)(user, other_user, name="Weekend hike")
    bob = await ws(other_user)
    until = timezone.now() + timedelta(hours=2)
    await database_sync_to_async(conversations_services.user_mute)(
        actor=superuser_moderator,
        user_id=other_user.id,
        conversation_id=room.id,
        until=until,
        reason="x",
    )
    muted = await next_of(bob, "muted", BACKGROUND)
    assert muted["conversation_id"] == room.id
    await bob.send_json_to(
        {"type": "send_message", "conversation_id": room.id, "content": "let me in"}
    )
    frame = await next_of(bob, "error", BACKGROUND)
    assert frame == {
        "type": "error",
        "code": "muted",
        "detail": f"You are muted in this conversation until {until:%Y-%m-%d %H:%M} UTC.",
        "request_type": "send_message",
    }
    await bob.send_json_to({"type": "ping"})
    assert await next_of(bob, "pong", BACKGROUND) == {"type": "pong"}

"""Over a real socket: each `new_message` says whether to `alert` its recipient (level,
mute, do not disturb — conversations.attention.should_alert), while unread counts go on;
the `set_status` frame; invisible users look offline to friends."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async

from conversations import services as conversation_services
from conversations.tests.factories import group_with, public_room_with
from friends import status as status_services
from messaging import services as messaging_services
from messaging.tests.test_consumers import friends
from tests.sockets import BACKGROUND, WAIT, next_of

__all__ = ["friends"]  # fixtures

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs_services]

send = database_sync_to_async(messaging_services.message_send)
set_notifications = database_sync_to_async(conversation_services.conversation_notifications_set)
set_status = database_sync_to_async(status_services.user_status_set)


async def alert_of(comm, content: str) -> bool:
    frame = await next_of(comm, "new_message", BACKGROUND)
    assert frame["message"]["content"] == content
    return frame["alert"]


async def unread(client_user, conversation_id: int) -> int:
    @database_sync_to_async
    def read() -> int:
        from conversations.selectors import membership_get

        member = membership_get(user_id=client_user.pk, conversation_id=conversation_id)
        return member.conversation.last_seq - member.last_read_seq

    return await read()


async def test_levels_and_mute_decide_the_alert_not_the_unread_count(ws, user, other_user):
    group = await database_sync_to_async(group_with)(user, other_user, name="Team")
    bob = await ws(other_user)
    alice = await ws(user)
    await send(actor=user, conversation_id=group.pk, content="one")
    assert await alert_of(bob, "one") is True
    assert await alert_of(alice, "one") is False  # one's own message never alerts

    await set_notifications(actor=other_user, conversation_id=group.pk, level="mentions")
    changed = await next_of(bob, "notification_settings_changed", BACKGROUND)
    assert changed["notification_level"] == "mentions"
    await send(actor=user, conversation_id=group.pk, content="two")
    assert await alert_of(bob, "two") is False
    await send(actor=user, conversation_id=group.pk, content="hey @bob")
    assert await alert_of(bob, "hey @bob") is True

    await set_notifications(actor=other_user, conversation_id=group.pk, muted_until="forever")
    await next_of(bob, "notification_settings_changed", BACKGROUND)
    await send(actor=user, conversation_id=group.pk, content="muted @bob")
    assert await alert_of(bob, "muted @bob") is False
    # Unread counts go on whatever the settings.
    assert await unread(other_user, group.pk) == 4

    await set_notifications(
        actor=other_user, conversation_id=group.pk, muted_until=None, level=None
    )
    await next_of(bob, "notification_settings_changed", BACKGROUND)
    await send(actor=user, conversation_id=group.pk, content="back")
    assert await alert_of(bob, "back") is True


async def test_a_public_room_alerts_for_mentions_only_by_default(ws, user, other_user):
    room = await database_sync_to_async(public_room_with)(user, other_user, name="Lobby")
    bob = await ws(other_user)
    await send(actor=user, conversation_id=room.pk, content="chatter")
    assert await alert_of(bob, "chatter") is False
    await send(actor=user, conversation_id=room.pk, content="@bob look")
    assert await alert_of(bob, "@bob look") is True


async def test_do_not_disturb_silences_everything_on_every_device(ws, user, other_user):
    group = await database_sync_to_async(group_with)(user, other_user, name="Team")
    phone = await ws(other_user)
    laptop = await ws(other_user)
    await laptop.send_json_to({"type": "set_status", "status": "dnd"})
    for socket in (phone, laptop):
        changed = await next_of(socket, "status_changed", BACKGROUND)
        assert (changed["status"], changed["shown_as"]) == ("dnd", "dnd")
    await send(actor=user, conversation_id=group.pk, content="@bob urgent")
    assert await alert_of(phone, "@bob urgent") is False
    assert await alert_of(laptop, "@bob urgent") is False
    await phone.send_json_to({"type": "set_status", "status": "online"})
    await next_of(laptop, "status_changed", BACKGROUND)
    await next_of(phone, "status_changed", BACKGROUND)
    await send(actor=user, conversation_id=group.pk, content="calm")
    assert await alert_of(laptop, "calm") is True


async def test_a_new_conversation_alerts_by_its_kinds_default(ws, user, other_user, friends):
    bob = await ws(other_user)
    group = await database_sync_to_async(conversation_services.conversation_group_create)(
        actor=user, name="New", member_user_ids=[other_user.pk]
    )
    created = await next_of(bob, "conversation_created", BACKGROUND)
    assert created["conversation"]["notification_level"] == "all"
    await send(actor=user, conversation_id=group.pk, content="welcome")
    assert await alert_of(bob, "welcome") is True


async def test_bad_set_status_frames_get_an_error_and_the_socket_stays(ws, user):
    alice = await ws(user)
    await alice.send_json_to({"type": "set_status", "status": "busy"})
    error = await next_of(alice, "error", BACKGROUND)
    assert (error["code"], error["request_type"]) == ("invalid", "set_status")
    assert "status" in error["detail"]
    await alice.send_json_to({"type": "set_status", "idle": "yes"})
    assert "idle" in (await next_of(alice, "error", BACKGROUND))["detail"]
    await alice.send_json_to({"type": "ping"})
    assert (await next_of(alice, "pong", BACKGROUND))["type"] == "pong"


async def test_invisible_looks_offline_to_friends_and_hides_last_seen(
    ws, user, other_user, friends
):
    bob = await ws(other_user)
    alice = await ws(user)
    online = await next_of(bob, "user_online")
    assert online["status"] == "online"
    await alice.send_json_to({"type": "set_status", "status": "invisible"})
    assert await next_of(bob, "user_offline") == {
        "type": "user_offline",
        "user_id": user.pk,
        "status": "offline",
        "last_seen": None,
    }
    # A friend connecting now does not see her either.
    bob_again = await ws(other_user)
    await bob_again.send_json_to({"type": "ping"})
    assert (await bob_again.receive_json_from(timeout=WAIT))["type"] == "pong"
    await alice.send_json_to({"type": "set_status", "idle": True, "status": "online"})
    assert (await next_of(bob, "user_online"))["status"] == "away"

"""The WebSocket consumer over a real socket (WebsocketCommunicator) and the real Redis layer.

Every server -> client event of docs/api.md is produced here by the real code path
(services for data events, the consumer for ephemeral ones). Negative checks ("bob does
not get it") use a barrier where they can: a later event sent to the same socket through
the same layer arrives after anything sent before it, so "the next frame is the barrier"
proves the earlier one never came.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from accounts import services as account_services
from chat_project import realtime
from chat_project.api import iso_datetime
from chat_project.realtime import bus as buses
from chat_project.realtime.ordering import SeqOrder
from chat_project.realtime.presence import all_key, user_key
from conversations import services as conversation_services
from conversations.tests.factories import direct_conversation, group_with
from friends import services as friend_services
from friends.tests.factories import AcceptedFriendshipFactory, BlockFactory
from messaging import consumers
from messaging import services as messaging_services
from messaging.consumers import (
    CLOSE_SESSION_ENDED,
    CLOSE_TOO_MANY_SOCKETS,
    CLOSE_UNAUTHENTICATED,
)
from tests.sockets import APP, BACKGROUND, PRESENCE, WAIT, bearer, next_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs_services]


@pytest.fixture
def carol(user_factory):
    return user_factory(username="carol")


@pytest.fixture
def friends(user, other_user):
    AcceptedFriendshipFactory(requester=user, receiver=other_user)


# --- handshake ------------------------------------------------------------------------------


async def test_unauthenticated_is_accepted_then_closed_4401(db):
    comm = WebsocketCommunicator(APP, "/ws/")
    connected, _ = await comm.connect(timeout=WAIT)
    assert connected
    assert await comm.receive_output(timeout=WAIT) == {
        "type": "websocket.close",
        "code": CLOSE_UNAUTHENTICATED,
    }
    await comm.wait()


async def test_connected_then_ping_pong(ws, user):
    comm = await ws(user)
    await comm.send_json_to({"type": "ping"})
    assert await comm.receive_json_from(timeout=WAIT) == {"type": "pong"}


async def test_ticket_authenticates(ws, user):
    ticket = (await database_sync_to_async(account_services.ws_ticket_issue)(user=user))["ticket"]
    comm = WebsocketCommunicator(APP, f"/ws/?ticket={ticket}")
    connected, _ = await comm.connect(timeout=WAIT)
    assert connected
    assert (await comm.receive_json_from(timeout=WAIT))["user_id"] == user.pk
    await comm.disconnect()


# --- presence -------------------------------------------------------------------------------


async def test_presence_reaches_friends_only_and_goes_offline_with_the_last_socket(
    ws, user, other_user, carol, friends
):
    BlockFactory_ = database_sync_to_async(BlockFactory)
    await BlockFactory_(blocker=carol, blocked=user)
    bob = await ws(other_user)
    carol_socket = await ws(carol)
    alice_phone = await ws(user)
    assert await bob.receive_json_from(timeout=WAIT) == {
        "type": "user_online",
        "user_id": user.pk,
        "status": "online",
        "last_seen": None,
    }
    # A second device: no second user_online; bob's next frame is the barrier below.
    alice_laptop = await ws(user)
    assert await alice_laptop.receive_json_from(timeout=WAIT) == {
        "type": "user_online",
        "user_id": other_user.pk,
        "status": "online",
        "last_seen": None,
    }
    assert await sync_to_async(realtime.online_user_ids)([user.pk, carol.pk, 999999]) == {
        user.pk,
        carol.pk,
    }
    assert await sync_to_async(realtime.open_socket_count)() == 4
    await alice_phone.disconnect()
    assert await sync_to_async(realtime.is_online)(user.pk)
    await alice_laptop.disconnect()
    await database_sync_to_async(user.refresh_from_db)()
    assert await bob.receive_json_from(timeout=WAIT) == {
        "type": "user_offline",
        "user_id": user.pk,
        "status": "offline",
        "last_seen": iso_datetime(user.last_seen_at),
    }
    assert user.last_seen_at is not None
    assert not await sync_to_async(realtime.is_online)(user.pk)
    # carol is blocked by alice's side: she never heard of alice at all.
    assert await carol_socket.receive_nothing(timeout=0.3)


async def test_a_socket_whose_handler_fails_leaves_nothing_behind(user, monkeypatch):
    """Cleanup runs on every way out, not only on a client close: here the connect
    handler fails after the socket was registered (hub, presence)."""

    async def broken(user_ids):
        raise RuntimeError("store gone")

    monkeypatch.setattr(realtime, "online_user_ids_async", broken)
    comm = WebsocketCommunicator(APP, "/ws/", headers=await bearer(user))
    with contextlib.suppress(Exception):
        await comm.connect(timeout=WAIT)
        await comm.receive_json_from(timeout=WAIT)
    with contextlib.suppress(Exception):
        await comm.wait(timeout=WAIT)
    assert not await sync_to_async(realtime.is_online)(user.pk)
    assert realtime.get_hub().groups.get(realtime.user_group(user.pk)) is None
    assert consumers.presence_keeper().sockets == {}


async def test_sockets_per_user_are_capped(ws, user, settings):
    settings.WS_MAX_SOCKETS_PER_USER = 2
    await ws(user)
    await ws(user)
    third = WebsocketCommunicator(APP, "/ws/", headers=await bearer(user))
    connected, _ = await third.connect(timeout=WAIT)
    assert connected
    output = await third.receive_output(timeout=WAIT)
    assert (output["type"], output["code"]) == ("websocket.close", CLOSE_TOO_MANY_SOCKETS)
    assert await sync_to_async(realtime.open_socket_count)() == 2  # the third left no trace


async def test_a_socket_is_closed_when_its_access_token_expires(ws, user):
    """A socket does not outlive the credential that opened it: 4401, refresh, reconnect."""
    from datetime import timedelta

    from rest_framework_simplejwt.tokens import AccessToken

    token = await database_sync_to_async(AccessToken.for_user)(user)
    token.set_exp(lifetime=timedelta(seconds=1))
    alice = await ws(user, headers=[(b"authorization", f"Bearer {token}".encode())])
    await alice.send_json_to({"type": "ping"})
    assert await alice.receive_json_from(timeout=WAIT) == {"type": "pong"}
    output = await alice.receive_output(timeout=WAIT)
    assert (output["type"], output["code"]) == ("websocket.close", CLOSE_UNAUTHENTICATED)


async def test_connect_lists_friends_online_now(ws, user, other_user, friends):
    await ws(other_user)
    alice = await ws(user)
    assert await alice.receive_json_from(timeout=WAIT) == {
        "type": "user_online",
        "user_id": other_user.pk,
        "status": "online",
        "last_seen": None,
    }


async def test_sweeper_takes_dead_sockets_offline_and_tells_friends(ws, user, other_user, friends):
    """A socket of a killed process: its entry expires and the next beat sweeps it."""
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(settings.REDIS_URL)
    member = "dead-process-socket"
    await client.zadd(user_key(user.pk), {member: 1})  # expired long ago
    await client.zadd(all_key(), {f"{user.pk}|{member}": 1})
    await client.aclose()
    bob = await ws(other_user)
    await consumers.presence_keeper().beat()
    await database_sync_to_async(user.refresh_from_db)()
    assert await bob.receive_json_from(timeout=WAIT) == {
        "type": "user_offline",
        "user_id": user.pk,
        "status": "offline",
        "last_seen": iso_datetime(user.last_seen_at),
    }
    assert await realtime.presence_sweep() == []  # once only


# --- rooms: viewers, typing -------------------------------------------------------------------


@pytest.fixture
def team(user, other_user, carol):
    return group_with(user, other_user, carol, name="Team")


async def test_join_and_leave_tell_the_room(ws, user, other_user, team):
    alice = await ws(user)
    bob = await ws(other_user, expect_connected=True)
    await bob.send_json_to({"type": "join_conversation", "conversation_id": team.pk})
    joined = await bob.receive_json_from(timeout=WAIT)
    assert joined == {
        "type": "joined_conversation",
        "conversation_id": team.pk,
        "viewer_ids": [other_user.pk],
    }
    assert await alice.receive_json_from(timeout=WAIT) == {
        "type": "user_joined",
        "conversation_id": team.pk,
        "user_id": other_user.pk,
        "username": "bob",
    }
    await alice.send_json_to({"type": "join_conversation", "conversation_id": team.pk})
    joined = await next_of(alice, "joined_conversation")
    assert joined["viewer_ids"] == sorted([user.pk, other_user.pk])
    assert (await bob.receive_json_from(timeout=WAIT))["type"] == "user_joined"
    await bob.send_json_to({"type": "leave_conversation", "conversation_id": team.pk})
    assert await bob.receive_json_from(timeout=WAIT) == {
        "type": "left_conversation",
        "conversation_id": team.pk,
    }
    assert await alice.receive_json_from(timeout=WAIT) == {
        "type": "user_left",
        "conversation_id": team.pk,
        "user_id": other_user.pk,
        "username": "bob",
    }
    await bob.send_json_to({"type": "join_conversation", "conversation_id": team.pk})
    await next_of(bob, "joined_conversation")
    await next_of(alice, "user_joined")
    await bob.disconnect()  # disconnecting leaves the room too
    assert (await alice.receive_json_from(timeout=WAIT))["type"] == "user_left"


async def test_join_by_non_member_is_an_error(ws, user, other_user, carol):
    private = await database_sync_to_async(direct_conversation)(other_user, carol)
    alice = await ws(user)
    await alice.send_json_to({"type": "join_conversation", "conversation_id": private.pk})
    assert await alice.receive_json_from(timeout=WAIT) == {
        "type": "error",
        "code": "not_found",
        "detail": "Conversation not found.",
        "request_type": "join_conversation",
    }


async def test_typing_goes_to_the_other_members_only(ws, user, other_user, team):
    alice = await ws(user)
    bob = await ws(other_user)
    await alice.send_json_to({"type": "typing", "conversation_id": team.pk, "is_typing": True})
    assert await bob.receive_json_from(timeout=WAIT) == {
        "type": "typing",
        "conversation_id": team.pk,
        "user_id": user.pk,
        "username": "alice",
        "is_typing": True,
    }
    await bob.send_json_to({"type": "typing", "conversation_id": team.pk, "is_typing": False})
    # Barrier: alice's own typing was sent before bob's, so it would come first.
    frame = await alice.receive_json_from(timeout=WAIT)
    assert (frame["user_id"], frame["is_typing"]) == (other_user.pk, False)


async def test_typing_in_a_foreign_conversation_is_an_error(ws, user, other_user, carol):
    private = await database_sync_to_async(direct_conversation)(other_user, carol)
    alice = await ws(user)
    await alice.send_json_to({"type": "typing", "conversation_id": private.pk, "is_typing": True})
    frame = await alice.receive_json_from(timeout=WAIT)
    assert (frame["type"], frame["code"], frame["request_type"]) == (
        "error",
        "not_found",
        "typing",
    )


# --- messages ---------------------------------------------------------------------------------


async def test_send_message_acks_and_reaches_every_member_once(ws, user, other_user, team):
    alice = await ws(user)
    bob = await ws(other_user)
    frame = {
        "type": "send_message",
        "conversation_id": team.pk,
        "content": " hi ",
        "client_id": "c1",
    }
    await alice.send_json_to(frame)
    got = [await alice.receive_json_from(timeout=WAIT), await alice.receive_json_from(timeout=WAIT)]
    ack = next(f for f in got if f["type"] == "message_ack")
    assert {f["type"] for f in got} == {"message_ack", "new_message"}
    assert ack["client_id"] == "c1"
    message = ack["message"]
    assert (message["content"], message["seq"], message["sender_id"]) == ("hi", 1, user.pk)
    # Bob is alerted (a group's default level is "all"); alice never by her own message.
    assert await bob.receive_json_from(timeout=WAIT) == {
        "type": "new_message",
        "message": message,
        "alert": True,
    }
    # Same client_id again: the first message, and no second new_message.
    await alice.send_json_to(frame)
    again = await alice.receive_json_from(timeout=WAIT)
    assert again == {"type": "message_ack", "client_id": "c1", "message": message}
    await alice.send_json_to({**frame, "client_id": "c2", "content": "second"})
    assert (await bob.receive_json_from(timeout=WAIT))["message"]["seq"] == 2


async def test_send_message_errors_use_the_rest_mapping(ws, user, other_user, carol, team):
    private = await database_sync_to_async(direct_conversation)(other_user, carol)
    alice = await ws(user)
    await alice.send_json_to(
        {"type": "send_message", "conversation_id": private.pk, "content": "psst"}
    )
    frame = await alice.receive_json_from(timeout=WAIT)
    assert (frame["code"], frame["request_type"]) == ("not_found", "send_message")
    await alice.send_json_to({"type": "send_message", "conversation_id": team.pk, "content": "  "})
    frame = await alice.receive_json_from(timeout=WAIT)
    assert frame["type"] == "error" and frame["code"] == "invalid"
    assert "content" in frame["detail"]


async def test_send_message_is_throttled_like_rest(ws, user, team, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "message_send": "2/min"}
    alice = await ws(user)
    for n in range(3):
        await alice.send_json_to(
            {"type": "send_message", "conversation_id": team.pk, "content": f"m{n}"}
        )
    acks = errors = 0
    while acks + errors < 3:
        frame = await alice.receive_json_from(timeout=WAIT)
        acks += frame["type"] == "message_ack"
        if frame["type"] == "error":
            assert frame["code"] == "throttled"
            errors += 1
    assert (acks, errors) == (2, 1)


async def test_send_message_while_overloaded_is_an_overloaded_error(ws, user, team, monkeypatch):
    from chat_project.realtime import hub as hubs

    alice = await ws(user)
    monkeypatch.setattr(hubs, "_overloaded_until_us", buses.now_us() + 1_000_000)
    await alice.send_json_to({"type": "send_message", "conversation_id": team.pk, "content": "x"})
    frame = await next_of(alice, "error", BACKGROUND)
    assert (frame["code"], frame["request_type"]) == ("overloaded", "send_message")
    monkeypatch.setattr(hubs, "_overloaded_until_us", 0)
    await alice.send_json_to({"type": "send_message", "conversation_id": team.pk, "content": "x"})
    ack = await next_of(alice, "message_ack", BACKGROUND | {"new_message"})
    assert ack["message"]["content"] == "x"


async def test_mark_read_tells_the_members(ws, user, other_user, team):
    message, _ = await database_sync_to_async(messaging_services.message_send)(
        actor=other_user, conversation_id=team.pk, content="read me"
    )
    alice = await ws(user)
    bob = await ws(other_user)
    await alice.send_json_to(
        {"type": "mark_read", "conversation_id": team.pk, "message_id": message.pk}
    )
    assert await bob.receive_json_from(timeout=WAIT) == {
        "type": "read",
        "conversation_id": team.pk,
        "user_id": user.pk,
        "message_id": message.pk,
        "seq": 1,
    }


async def test_edit_and_delete_reach_members(ws, user, other_user, team):
    message, _ = await database_sync_to_async(messaging_services.message_send)(
        actor=user, conversation_id=team.pk, content="draft"
    )
    bob = await ws(other_user)
    await database_sync_to_async(messaging_services.message_edit)(
        actor=user, message_id=message.pk, content="final"
    )
    updated = await bob.receive_json_from(timeout=WAIT)
    assert updated["type"] == "message_updated"
    assert (updated["message"]["id"], updated["message"]["content"]) == (message.pk, "final")
    await database_sync_to_async(messaging_services.message_delete)(
        actor=user, message_id=message.pk
    )
    assert await bob.receive_json_from(timeout=WAIT) == {
        "type": "message_deleted",
        "conversation_id": team.pk,
        "message_id": message.pk,
        "change_seq": 3,  # sent (1), edited (2), deleted (3)
    }


async def test_new_message_is_delivered_in_seq_order(ws, user, other_user, team):
    """Two after-commit sends that race: the socket still sees seq 1 before seq 2."""
    bob = await ws(other_user)
    m1, m2 = await database_sync_to_async(_two_messages)(user, team)
    group = realtime.conversation_group(team.pk)
    await realtime.send_async(group, {"type": "new_message", "message": m2})
    await realtime.send_async(group, {"type": "new_message", "message": m1})
    first = await bob.receive_json_from(timeout=WAIT)
    second = await bob.receive_json_from(timeout=WAIT)
    assert [first["message"]["seq"], second["message"]["seq"]] == [1, 2]


def _two_messages(user, team) -> tuple[dict, dict]:
    """Two stored messages whose own events are swallowed (sent again by hand, reversed)."""
    from unittest import mock

    from messaging.events import message_payload

    with mock.patch.object(realtime, "broadcast_on_commit"):
        m1, _ = messaging_services.message_send(actor=user, conversation_id=team.pk, content="1")
        m2, _ = messaging_services.message_send(actor=user, conversation_id=team.pk, content="2")
    return message_payload(m1), message_payload(m2)


async def test_orderer_holds_a_message_ahead_of_a_gap_then_gives_up():
    sent: list[int] = []
    order = SeqOrder(lambda event: sent.append(event["seq"]), baseline=10, hold=0.05)
    order.push(12, {"seq": 12})
    order.push(14, {"seq": 14})
    assert sent == []
    order.push(11, {"seq": 11})
    assert sent == [11, 12]
    for _ in range(100):  # generous ceiling; the hold is 50 ms
        if sent == [11, 12, 14]:
            break
        await asyncio.sleep(0.05)
    assert sent == [11, 12, 14]
    order.push(13, {"seq": 13})  # a straggler is still delivered
    assert sent == [11, 12, 14, 13]


# --- membership follows changes live --------------------------------------------------------------


async def test_added_member_subscribes_live_and_removed_member_stops_at_once(
    ws, user, other_user, carol
):
    await database_sync_to_async(AcceptedFriendshipFactory)(requester=user, receiver=carol)
    team = await database_sync_to_async(group_with)(user, other_user, name="Team")
    alice = await ws(user)
    carol_socket = await ws(carol)
    await database_sync_to_async(conversation_services.conversation_members_add)(
        actor=user, conversation_id=team.pk, user_ids=[carol.pk]
    )
    created = await next_of(carol_socket, "conversation_created", BACKGROUND)
    assert created["conversation"]["id"] == team.pk
    assert await next_of(alice, "member_added", BACKGROUND) == {
        "type": "member_added",
        "conversation_id": team.pk,
        "user_id": carol.pk,
    }
    await database_sync_to_async(messaging_services.message_send)(
        actor=other_user, conversation_id=team.pk, content="welcome"
    )
    assert (await next_of(carol_socket, "new_message", BACKGROUND))["message"][
        "content"
    ] == "welcome"

    await database_sync_to_async(conversation_services.conversation_member_remove)(
        actor=user, conversation_id=team.pk, user_id=carol.pk
    )
    line = await next_of(carol_socket, "new_message", BACKGROUND)  # heard while still in
    assert line["message"]["content"] == "Alice removed Carol"
    frame = await next_of(
        carol_socket, "removed_from_conversation", BACKGROUND | {"member_removed"}
    )
    assert frame == {"type": "removed_from_conversation", "conversation_id": team.pk}
    await database_sync_to_async(messaging_services.message_send)(
        actor=other_user, conversation_id=team.pk, content="secret"
    )
    await realtime.send_async(realtime.user_group(carol.pk), {"type": "barrier"})
    # The barrier was sent after "secret": had "secret" come, it would have come first.
    assert await next_of(carol_socket, "barrier", BACKGROUND | {"member_removed"})


async def test_events_already_queued_for_a_left_conversation_are_dropped(
    ws, user, other_user, team
):
    """The filter: an event already on its way when the socket left is not delivered."""
    bob = await ws(other_user)
    hub = realtime.get_hub()
    # Back to back, as the bus hands them over: the removal, an event of the conversation
    # that was queued behind it, then a barrier.
    hub.receive(
        realtime.user_group(other_user.pk),
        buses.encode_event({"type": "removed_from_conversation", "conversation_id": team.pk}),
    )
    hub.receive(
        realtime.conversation_group(team.pk),
        buses.encode_event({"type": "typing", "conversation_id": team.pk, "user_id": 1}),
    )
    hub.receive(realtime.user_group(other_user.pk), buses.encode_event({"type": "barrier"}))
    frames = [await bob.receive_json_from(timeout=WAIT) for _ in range(2)]
    assert [f["type"] for f in frames] == ["removed_from_conversation", "barrier"]


async def test_conversation_lifecycle_events(ws, user, other_user, carol, friends):
    await database_sync_to_async(AcceptedFriendshipFactory)(requester=user, receiver=carol)
    alice = await ws(user)
    bob = await ws(other_user)
    team = await database_sync_to_async(conversation_services.conversation_group_create)(
        actor=user, name="Team", member_user_ids=[other_user.pk, carol.pk]
    )
    created = await next_of(bob, "conversation_created", BACKGROUND)
    assert created["conversation"]["name"] == "Team"
    await database_sync_to_async(conversation_services.conversation_update)(
        actor=user, conversation_id=team.pk, name="Renamed"
    )
    line = await next_of(bob, "new_message", BACKGROUND)
    assert line["message"]["system"] == {"event": "renamed", "actor_id": user.pk, "name": "Renamed"}
    updated = await next_of(bob, "conversation_updated", BACKGROUND)
    assert updated["conversation"]["name"] == "Renamed"
    await database_sync_to_async(conversation_services.conversation_member_remove)(
        actor=user, conversation_id=team.pk, user_id=carol.pk
    )
    assert (await next_of(bob, "new_message", BACKGROUND))["message"]["system"]["event"] == (
        "removed"
    )
    assert await next_of(bob, "member_removed", BACKGROUND) == {
        "type": "member_removed",
        "conversation_id": team.pk,
        "user_id": carol.pk,
    }
    await database_sync_to_async(conversation_services.conversation_delete)(
        actor=user, conversation_id=team.pk
    )
    deleted = {"type": "conversation_deleted", "conversation_id": team.pk}
    assert await next_of(bob, "conversation_deleted", BACKGROUND) == deleted
    assert (
        await next_of(
            alice,
            "conversation_deleted",
            BACKGROUND
            | {"conversation_created", "conversation_updated", "member_removed", "new_message"},
        )
        == deleted
    )


async def test_friend_request_and_notification_events(ws, user, other_user):
    bob = await ws(other_user)
    alice = await ws(user)
    await database_sync_to_async(friend_services.friend_request_send)(actor=user, username="bob")
    frames = {}
    while len(frames) < 2:  # both, in whichever order the service queued them
        frame = await bob.receive_json_from(timeout=WAIT)
        frames[frame["type"]] = frame
    assert set(frames) == {"friend_request", "notification"}
    assert frames["friend_request"]["request"]["requester"]["id"] == user.pk
    notification = frames["notification"]["notification"]
    assert (notification["type"], notification["actor"]["id"]) == ("friend_request", user.pk)
    request_id = frames["friend_request"]["request"]["id"]
    await database_sync_to_async(friend_services.friend_request_accept)(
        actor=other_user, request_id=request_id
    )
    accepted = await next_of(alice, "friend_request_accepted", PRESENCE | {"notification"})
    assert accepted["request"]["id"] == request_id


# --- bad frames and limits ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "frame,code,request_type",
    [
        ("not json", "parse_error", None),
        ("[1, 2]", "invalid", None),
        ('"ping"', "invalid", None),
        ("{}", "unknown_type", None),
        ('{"type": "shout"}', "unknown_type", "shout"),
        ('{"type": 5}', "unknown_type", None),
        ('{"type": "join_conversation"}', "invalid", "join_conversation"),
        ('{"type": "join_conversation", "conversation_id": "1"}', "invalid", "join_conversation"),
        ('{"type": "join_conversation", "conversation_id": true}', "invalid", "join_conversation"),
        ('{"type": "send_message", "conversation_id": 1, "content": 5}', "invalid", "send_message"),
        (
            '{"type": "send_message", "conversation_id": 1, "content": "x", "client_id": 3}',
            "invalid",
            "send_message",
        ),
        ('{"type": "typing", "conversation_id": 1, "is_typing": "yes"}', "invalid", "typing"),
        ('{"type": "mark_read", "conversation_id": 1}', "invalid", "mark_read"),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays_usable(
    ws, user, frame, code, request_type
):
    alice = await ws(user)
    await alice.send_to(text_data=frame)
    error = await alice.receive_json_from(timeout=WAIT)
    assert (error["type"], error["code"], error["request_type"]) == ("error", code, request_type)
    assert error["detail"]
    await alice.send_json_to({"type": "ping"})
    assert await alice.receive_json_from(timeout=WAIT) == {"type": "pong"}


async def test_binary_and_oversized_frames_are_refused(ws, user, settings):
    settings.WS_MAX_FRAME_BYTES = 1024
    alice = await ws(user)
    await alice.send_to(bytes_data=b"\x00\x01")
    assert (await alice.receive_json_from(timeout=WAIT))["code"] == "invalid_frame"
    big = json.dumps({"type": "ping", "pad": "é" * 600})  # 600 chars, 1200 bytes
    await alice.send_to(text_data=big)
    assert (await alice.receive_json_from(timeout=WAIT))["code"] == "frame_too_large"
    await alice.send_json_to({"type": "ping"})
    assert await alice.receive_json_from(timeout=WAIT) == {"type": "pong"}


@pytest.mark.parametrize(
    "frame,code",
    [
        ("[" * 20_000 + "]" * 20_000, "parse_error"),
        ('{"type": "send_message", "conversation_id": %(cid)d, "content": "a\\u0000b"}', "invalid"),
        (
            '{"type": "send_message", "conversation_id": %(cid)d, "content": "\\ud800"}',
            "parse_error",
        ),
    ],
)
async def test_unstorable_text_and_deep_json_get_an_error_and_the_socket_stays(
    ws, user, team, frame, code
):
    alice = await ws(user)
    await alice.send_to(text_data=frame.replace("%(cid)d", str(team.pk)))
    error = await next_of(alice, "error", BACKGROUND)
    assert error["code"] == code
    await alice.send_json_to({"type": "ping"})
    assert await next_of(alice, "pong", BACKGROUND) == {"type": "pong"}
    assert not await database_sync_to_async(
        lambda: messaging_services.Message.objects.filter(conversation_id=team.pk).exists()
    )()


async def test_a_flood_is_throttled_per_socket(ws, user, settings, monkeypatch):
    settings.WS_MAX_FRAMES_PER_SECOND = 5

    class FrozenClock:  # one window for the whole burst: the test does not race the clock
        now = 1000.0

        def monotonic(self) -> float:
            return self.now

    clock = FrozenClock()
    monkeypatch.setattr(consumers.frames, "time", clock)
    alice = await ws(user)
    for _ in range(12):
        await alice.send_json_to({"type": "ping"})
    frames = [await alice.receive_json_from(timeout=WAIT) for _ in range(6)]
    assert [f["type"] for f in frames] == ["pong"] * 5 + ["error"]
    assert frames[-1]["code"] == "throttled"
    assert await alice.receive_nothing(timeout=0.2)  # one error per window, not one per frame
    clock.now += 1
    await alice.send_json_to({"type": "ping"})
    assert await alice.receive_json_from(timeout=WAIT) == {"type": "pong"}


# --- sessions end ------------------------------------------------------------------------


async def test_deactivation_closes_every_socket_of_the_user(ws, user):
    phone = await ws(user)
    laptop = await ws(user)
    await database_sync_to_async(account_services.user_deactivate)(user=user)
    for comm in (phone, laptop):
        assert await comm.receive_output(timeout=WAIT) == {
            "type": "websocket.close",
            "code": CLOSE_SESSION_ENDED,
            "reason": "account_disabled",
        }


async def test_password_change_closes_the_sockets(ws, user, password):
    comm = await ws(user)
    await database_sync_to_async(account_services.user_password_change)(
        user=user, old_password=password, new_password="another-Secret-123"
    )
    output = await comm.receive_output(timeout=WAIT)
    assert (output["type"], output["code"]) == ("websocket.close", CLOSE_SESSION_ENDED)


async def test_logout_closes_only_the_sockets_of_that_session(ws, user):
    client = Client()
    await database_sync_to_async(client.force_login)(user)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    browser = await ws(
        user,
        headers=[
            (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session_key}".encode()),
            (b"origin", b"http://localhost"),
            (b"host", b"localhost"),  # as every browser sends it
        ],
    )
    api_client = await ws(user)
    await sync_to_async(realtime.disconnect_session)(session_key)
    output = await browser.receive_output(timeout=WAIT)
    assert (output["type"], output["code"]) == ("websocket.close", CLOSE_SESSION_ENDED)
    await api_client.send_json_to({"type": "ping"})
    assert await api_client.receive_json_from(timeout=WAIT) == {"type": "pong"}


# --- the presence store itself -------------------------------------------------------------


async def test_presence_transitions_are_reported_exactly_once(db):
    """A dead process's leftover does not hide the last live socket's departure."""
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(settings.REDIS_URL)
    await client.zadd(user_key(5), {"dead": 1})
    await client.zadd(all_key(), {"5|dead": 1})
    await client.aclose()
    assert await realtime.presence_connect(5, "phone") == 0  # the leftover is not live
    assert await realtime.presence_connect(5, "laptop") == 1
    assert await realtime.presence_disconnect(5, "phone") is False
    assert await realtime.presence_disconnect(5, "laptop") is True  # leftover removed too
    assert await realtime.presence_sweep() == []
    assert await realtime.presence_disconnect(5, "laptop") is False  # twice: no second event
    assert await sync_to_async(realtime.open_socket_count)() == 0


async def test_embedded_presence_without_redis(settings, monkeypatch):
    from chat_project.realtime.presence import reset_memory_store

    settings.REDIS_URL = ""
    reset_memory_store()
    assert await realtime.presence_connect(1, "a") == 0
    assert await realtime.presence_connect(1, "b") == 1
    assert realtime.online_user_ids([1, 2]) == {1}
    assert realtime.open_socket_count() == 2
    assert await realtime.viewer_join(9, 1, "a") == (True, [1])
    assert await realtime.viewer_join(9, 1, "b") == (False, [1])
    assert await realtime.viewer_leave(9, 1, "a") is False
    assert await realtime.viewer_leave(9, 1, "b") is True
    assert await realtime.presence_disconnect(1, "a") is False
    assert await realtime.presence_disconnect(1, "b") is True
    settings.PRESENCE_TTL_SECONDS = 0  # a socket whose process stopped refreshing it
    assert await realtime.presence_connect(2, "c") == 0
    assert realtime.online_user_ids([2]) == set()
    assert await realtime.presence_sweep() == [2]
    assert await realtime.presence_sweep() == []

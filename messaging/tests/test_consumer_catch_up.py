"""The frames of issue 15 over a real socket (WebsocketCommunicator, real Redis bus):
`react`/`unreact`, `send_message` with `reply_to`, and `catch_up` after a reconnect
showing an edit, a delete, a reaction and a pin made while the socket was away."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from conversations.tests.factories import group_with
from messaging import services
from tests.sockets import BACKGROUND, next_of

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs_services]


@pytest.fixture
def team(user, other_user):
    return group_with(user, other_user, name="Team")


@database_sync_to_async
def send(user, conversation, content, **kwargs):
    message, _ = services.message_send(
        actor=user, conversation_id=conversation.pk, content=content, **kwargs
    )
    return message


async def test_react_and_unreact_reach_the_members(ws, user, other_user, team):
    message = await send(other_user, team, "lunch?")
    alice, bob = await ws(user), await ws(other_user)
    await alice.send_json_to({"type": "react", "message_id": message.pk, "emoji": "🍕"})
    added = {
        "type": "reaction_added",
        "conversation_id": team.pk,
        "message_id": message.pk,
        "emoji": "🍕",
        "user_id": user.pk,
        "count": 1,
        "change_seq": 2,
    }
    assert await next_of(bob, "reaction_added", BACKGROUND) == added
    assert await next_of(alice, "reaction_added", BACKGROUND) == added
    await alice.send_json_to({"type": "unreact", "message_id": message.pk, "emoji": "🍕"})
    assert await next_of(bob, "reaction_removed", BACKGROUND) == {
        **added,
        "type": "reaction_removed",
        "count": 0,
        "change_seq": 3,
    }


async def test_send_message_with_reply_to(ws, user, other_user, team):
    question = await send(other_user, team, "Friday?")
    alice = await ws(user)
    await alice.send_json_to(
        {
            "type": "send_message",
            "conversation_id": team.pk,
            "content": "yes",
            "reply_to": question.pk,
        }
    )
    ack = await next_of(alice, "message_ack", BACKGROUND | {"new_message"})
    assert ack["message"]["reply_to"] == {
        "id": question.pk,
        "sender": {"id": other_user.pk, "username": "bob", "display_name": "Bob"},
        "preview": "Friday?",
        "has_attachments": False,
        "deleted": False,
    }
    await alice.send_json_to(
        {"type": "send_message", "conversation_id": team.pk, "content": "x", "reply_to": "1"}
    )
    error = await next_of(alice, "error", BACKGROUND | {"new_message"})
    assert (error["code"], error["request_type"], list(error["detail"])) == (
        "invalid",
        "send_message",
        ["reply_to"],
    )


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ({"type": "react", "message_id": 1}, "invalid"),
        ({"type": "react", "message_id": 1, "emoji": 5}, "invalid"),
        ({"type": "react", "message_id": "1", "emoji": "👍"}, "invalid"),
        ({"type": "react", "message_id": 999_999, "emoji": "👍"}, "not_found"),
        ({"type": "unreact", "message_id": 999_999, "emoji": "👍"}, "not_found"),
        ({"type": "catch_up", "conversation_id": 999_999, "since": 0}, "not_found"),
        ({"type": "catch_up", "conversation_id": 1}, "invalid"),
        ({"type": "catch_up", "conversation_id": 1, "since": -1}, "invalid"),
        ({"type": "catch_up", "conversation_id": 1, "since": 0, "limit": 0}, "invalid"),
        ({"type": "catch_up", "conversation_id": 1, "since": 0, "limit": 101}, "invalid"),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays(ws, user, frame, code):
    alice = await ws(user)
    await alice.send_to(text_data=json.dumps(frame))
    error = await next_of(alice, "error", BACKGROUND)
    assert (error["code"], error["request_type"]) == (code, frame["type"])
    await alice.send_json_to({"type": "ping"})
    assert await next_of(alice, "pong", BACKGROUND) == {"type": "pong"}


async def test_a_bad_emoji_is_refused_naming_it(ws, user, other_user, team):
    message = await send(other_user, team, "x")
    alice = await ws(user)
    await alice.send_json_to({"type": "react", "message_id": message.pk, "emoji": ":+1:"})
    error = await next_of(alice, "error", BACKGROUND)
    assert (error["code"], list(error["detail"])) == ("invalid", ["emoji"])


async def test_catch_up_after_a_reconnect_shows_what_changed_meanwhile(ws, user, other_user, team):
    """Bob is online, remembers the cursor, goes away; meanwhile Alice edits one message,
    deletes another, reacts to a third and pins a fourth. Back online, one `catch_up`
    gives him all four as they are now, and the cursor to remember."""
    edited = await send(user, team, "draft")
    deleted = await send(user, team, "oops")
    reacted = await send(other_user, team, "ship it?")
    pinned = await send(other_user, team, "rules: be kind")
    bob = await ws(other_user)
    await bob.send_json_to({"type": "catch_up", "conversation_id": team.pk, "since": 0})
    first = await next_of(bob, "changes", BACKGROUND)
    assert [m["id"] for m in first["messages"]] == [edited.pk, deleted.pk, reacted.pk, pinned.pk]
    cursor = first["cursor"]
    assert (cursor, first["has_more"]) == (4, False)
    await bob.disconnect()

    await database_sync_to_async(services.message_edit)(
        actor=user, message_id=edited.pk, content="final"
    )
    await database_sync_to_async(services.message_delete)(actor=user, message_id=deleted.pk)
    await database_sync_to_async(services.reaction_add)(
        actor=user, message_id=reacted.pk, emoji="🚀"
    )
    await database_sync_to_async(services.message_pin)(actor=user, message_id=pinned.pk)

    bob = await ws(other_user)
    await bob.send_json_to({"type": "catch_up", "conversation_id": team.pk, "since": cursor})
    answer = await next_of(bob, "changes", BACKGROUND)
    assert (answer["type"], answer["conversation_id"], answer["cursor"], answer["has_more"]) == (
        "changes",
        team.pk,
        8,
        False,
    )
    by_id = {m["id"]: m for m in answer["messages"]}
    assert list(by_id) == [edited.pk, deleted.pk, reacted.pk, pinned.pk]
    assert (by_id[edited.pk]["content"], by_id[edited.pk]["content_html"]) == (
        "final",
        "<p>final</p>",
    )
    assert by_id[deleted.pk]["is_deleted"] and by_id[deleted.pk]["content"] == ""
    assert by_id[reacted.pk]["reactions"] == [{"emoji": "🚀", "count": 1, "me": False}]
    assert by_id[pinned.pk]["pinned_by_id"] == user.pk
    await bob.send_json_to({"type": "catch_up", "conversation_id": team.pk, "since": 8})
    assert (await next_of(bob, "changes", BACKGROUND))["messages"] == []

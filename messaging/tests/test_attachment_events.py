"""Attachments over real sockets: `new_message` and a `catch_up` answer carry them, each
socket with URLs signed for its own user (the hub signs per recipient), and
`send_message` attaches uploads."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from conversations.tests.factories import group_with
from messaging import services
from tests import files
from tests.sockets import BACKGROUND, next_of

#: The consumer tests' fixture: sockets as a user (Bearer), all closed after the test.

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.needs_services,
    pytest.mark.usefixtures("media_root"),
]


@sync_to_async
def upload(user, name: str = "cat.png"):
    return services.attachment_upload(actor=user, file=files.upload(name, files.image_bytes()))


@sync_to_async
def status_of(url: str) -> int:
    return Client().get(url).status_code


def viewer_of(url: str) -> int:
    return int(url.split("/")[3].split(".")[0])


async def test_new_message_carries_attachments_signed_for_each_recipient(ws, user, other_user):
    group = await sync_to_async(group_with)(user, other_user)
    alice, bob = await ws(user), await ws(other_user)
    picture = await upload(user)
    message, _ = await sync_to_async(services.message_send)(
        actor=user, conversation_id=group.id, content="", attachment_ids=[picture.id]
    )

    for_bob = (await next_of(bob, "new_message", BACKGROUND))["message"]
    for_alice = (await next_of(alice, "new_message", BACKGROUND))["message"]
    assert for_bob["id"] == for_alice["id"] == message.id
    (bobs,), (alices,) = for_bob["attachments"], for_alice["attachments"]
    assert bobs["id"] == alices["id"] == picture.id
    assert (viewer_of(bobs["url"]), viewer_of(alices["url"])) == (other_user.id, user.id)
    assert {k: v for k, v in bobs.items() if "url" not in k} == {
        k: v for k, v in alices.items() if "url" not in k
    }
    assert await status_of(bobs["url"]) == 200
    assert await status_of(bobs["thumbnail_url"]) == 200


async def test_a_catch_up_frame_carries_attachments_signed_for_the_socket(ws, user, other_user):
    """Bob was away while Alice sent a picture and a file: his `catch_up` answer has them
    (every field), signed for him; once she deletes the message, the next one has none
    and the old link is dead."""
    group = await sync_to_async(group_with)(user, other_user)
    picture, notes = await upload(user), await upload(user, "notes.png")
    message, _ = await sync_to_async(services.message_send)(
        actor=user, conversation_id=group.id, content="", attachment_ids=[notes.id, picture.id]
    )
    bob = await ws(other_user)
    await bob.send_json_to({"type": "catch_up", "conversation_id": group.id, "since": 0})
    answer = await next_of(bob, "changes", BACKGROUND)
    (caught,) = answer["messages"]
    assert caught["id"] == message.id
    first, second = caught["attachments"]
    assert first == {
        "id": notes.id,
        "name": "notes.png",
        "size": notes.size,
        "content_type": "image/png",
        "width": notes.width,
        "height": notes.height,
        "url": first["url"],
        "thumbnail_url": first["thumbnail_url"],
    }
    assert second["id"] == picture.id
    assert {viewer_of(a[key]) for a in (first, second) for key in ("url", "thumbnail_url")} == {
        other_user.id
    }
    assert await status_of(first["url"]) == 200
    assert await status_of(second["thumbnail_url"]) == 200

    await sync_to_async(services.message_delete)(actor=user, message_id=message.id)
    await bob.send_json_to(
        {"type": "catch_up", "conversation_id": group.id, "since": answer["cursor"]}
    )
    (deleted,) = (await next_of(bob, "changes", BACKGROUND | {"message_deleted"}))["messages"]
    assert (deleted["id"], deleted["is_deleted"], deleted["attachments"]) == (message.id, True, [])
    assert await status_of(first["url"]) == 404


async def test_send_message_attaches_uploads_and_the_ack_is_signed_for_the_sender(
    ws, user, other_user
):
    group = await sync_to_async(group_with)(user, other_user)
    alice, bob = await ws(user), await ws(other_user)
    first, second = await upload(user, "a.png"), await upload(user, "b.png")
    await alice.send_json_to(
        {
            "type": "send_message",
            "conversation_id": group.id,
            "client_id": "att-1",
            "attachment_ids": [second.id, first.id],
        }
    )
    ack = await next_of(alice, "message_ack", BACKGROUND | {"new_message"})
    assert ack["message"]["content"] == ""
    assert [a["name"] for a in ack["message"]["attachments"]] == ["b.png", "a.png"]
    assert viewer_of(ack["message"]["attachments"][0]["url"]) == user.id
    received = (await next_of(bob, "new_message", BACKGROUND))["message"]
    assert [a["id"] for a in received["attachments"]] == [second.id, first.id]
    assert await status_of(received["attachments"][1]["url"]) == 200


async def test_bad_attachment_ids_get_an_error_event_and_the_socket_stays(ws, user, other_user):
    group = await sync_to_async(group_with)(user, other_user)
    alice = await ws(user)
    theirs = await upload(other_user)
    for ids, field_message in [
        ("7", "A list of positive integers is required."),
        ([theirs.id], None),
    ]:
        await alice.send_json_to(
            {"type": "send_message", "conversation_id": group.id, "attachment_ids": ids}
        )
        error = await next_of(alice, "error", BACKGROUND)
        assert error["code"] == "invalid" and error["request_type"] == "send_message"
        assert set(error["detail"]) == {"attachment_ids"}
        if field_message:
            assert error["detail"]["attachment_ids"] == [field_message]
    await alice.send_json_to({"type": "ping"})
    assert await next_of(alice, "pong", BACKGROUND) == {"type": "pong"}


async def test_a_conversation_updated_event_signs_the_last_message_per_recipient(
    ws, user, other_user
):
    group = await sync_to_async(group_with)(user, other_user, name="Before")
    picture = await upload(user)
    await sync_to_async(services.message_send)(
        actor=user, conversation_id=group.id, content="x", attachment_ids=[picture.id]
    )
    bob = await ws(other_user)
    from conversations import services as conversation_services

    await sync_to_async(conversation_services.conversation_update)(
        actor=user,
        conversation_id=group.id,
        description="After",  # a rename adds a line
    )
    event = await next_of(bob, "conversation_updated", BACKGROUND | {"new_message"})
    (attachment,) = event["conversation"]["last_message"]["attachments"]
    assert viewer_of(attachment["url"]) == other_user.id
    assert await status_of(attachment["url"]) == 200

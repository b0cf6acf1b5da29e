"""Payloads of the messaging events, built with the REST representation.

A message looks the same in `new_message`/`message_updated` as in `GET /api/messages/...`,
so clients parse one shape (`message_representation`, which `MessageSerializer` uses).
Deleted messages go through it too, which blanks their content: the original text never
leaves the server.
"""

from typing import Any

from chat_project.api import iso_datetime
from friends.status import presence_event
from messaging.api.serializers import message_representation, represent_messages
from messaging.models import Message


def message_payload(message: Message, viewer_id: int | None = None) -> dict[str, Any]:
    # What MessageSerializer(message).data holds, as a plain dict (the channel layer's
    # msgpack wants one), without instantiating the serializer for every event. Without a
    # viewer the attachment URLs are signed for nobody: the hub signs them per recipient
    # (messaging.attachments.register_event_signing). A message just sent has no
    # reactions, so this costs no query.
    return message_representation(message, viewer_id)


def new_message(message: Message) -> dict[str, Any]:
    return {"type": "new_message", "message": message_payload(message)}


def message_updated(message: Message) -> dict[str, Any]:
    """With its reactions, `me: null`: the frame goes to every member alike."""
    return {
        "type": "message_updated",
        "message": represent_messages([message], viewer_id=None)[0],
    }


def message_deleted(message: Message) -> dict[str, Any]:
    return {
        "type": "message_deleted",
        "conversation_id": message.conversation_id,
        "message_id": message.id,
        "change_seq": message.change_seq,
    }


def reaction(
    kind: str, *, message: Message, emoji: str, user_id: int, count: int
) -> dict[str, Any]:
    """`reaction_added` / `reaction_removed`: `count` is how many have that emoji now."""
    return {
        "type": kind,
        "conversation_id": message.conversation_id,
        "message_id": message.id,
        "emoji": emoji,
        "user_id": user_id,
        "count": count,
        "change_seq": message.change_seq,
    }


def pin(kind: str, *, message: Message, user_id: int) -> dict[str, Any]:
    """`message_pinned` (with the message, for a pinned panel that never loaded it) /
    `message_unpinned`; `user_id` is who did it."""
    payload = {
        "type": kind,
        "conversation_id": message.conversation_id,
        "message_id": message.id,
        "user_id": user_id,
        "pinned_at": iso_datetime(message.pinned_at),
        "change_seq": message.change_seq,
    }
    if kind == "message_pinned":
        payload["message"] = represent_messages([message], viewer_id=None)[0]
    return payload


def read(*, conversation_id: int, user_id: int, message_id: int, seq: int) -> dict[str, Any]:
    return {
        "type": "read",
        "conversation_id": conversation_id,
        "user_id": user_id,
        "message_id": message_id,
        "seq": seq,
    }


# --- Ephemeral events: sent by the consumer, never stored --------------------------------


def typing(*, conversation_id: int, user_id: int, username: str, is_typing: bool) -> dict[str, Any]:
    return {
        "type": "typing",
        "conversation_id": conversation_id,
        "user_id": user_id,
        "username": username,
        "is_typing": is_typing,
    }


def viewer(kind: str, *, conversation_id: int, user_id: int, username: str) -> dict[str, Any]:
    """`user_joined` / `user_left`: a user started or stopped viewing a conversation."""
    return {
        "type": kind,
        "conversation_id": conversation_id,
        "user_id": user_id,
        "username": username,
    }


def presence(user_id: int, *, status: str) -> dict[str, Any]:
    """`user_online` with what the friend shows (online, away, dnd); friends.status builds
    the ones sent to groups."""
    return presence_event(user_id, status=status)

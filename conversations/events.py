"""Payloads of the conversation events, built with the REST serializer.

Services queue them through `chat_project.realtime` after commit. The WebSocket consumer
subscribes a user's sockets on `conversation_created` and unsubscribes them on
`removed_from_conversation` / `conversation_deleted` (both sent to the user group).
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from rest_framework import serializers

from chat_project.api import iso_datetime
from conversations.api.serializers import ConversationSerializer, last_messages_for
from conversations.attention import attention_of
from conversations.models import Conversation, ConversationMember


def conversation_payload(
    conversation: Conversation, *, viewer_id: int | None, last_messages: dict | None = None
) -> dict[str, Any]:
    """The REST representation; without a viewer the per-user fields are left out. A
    conversation is announced to a viewer when it is new to them, who then have read
    everything (conversations.services), so no mention of them is unread."""
    context = {
        "viewer_id": viewer_id,
        "last_messages": {} if last_messages is None else last_messages,
        "unread_mentions": {},
    }
    return dict(ConversationSerializer(conversation, context=context).data)


def conversation_created_for(
    conversation: Conversation, viewer_ids: Iterable[int]
) -> dict[int, dict[str, Any]]:
    """One `conversation_created` per viewer, each with that viewer's own read state."""
    # The last message is fetched once for all of them, its reactions with `me: null`
    # (the same for every viewer, as in events to a whole conversation).
    shared = last_messages_for([conversation])
    return {
        viewer_id: {
            "type": "conversation_created",
            "conversation": conversation_payload(
                conversation, viewer_id=viewer_id, last_messages=shared
            ),
        }
        for viewer_id in viewer_ids
    }


def conversation_updated(conversation: Conversation) -> dict[str, Any]:
    return {
        "type": "conversation_updated",
        "conversation": conversation_payload(conversation, viewer_id=None),
    }


def conversation_deleted(conversation_id: int) -> dict[str, Any]:
    return {"type": "conversation_deleted", "conversation_id": conversation_id}


def member_added(conversation_id: int, user_id: int) -> dict[str, Any]:
    return {"type": "member_added", "conversation_id": conversation_id, "user_id": user_id}


def member_removed(conversation_id: int, user_id: int) -> dict[str, Any]:
    return {"type": "member_removed", "conversation_id": conversation_id, "user_id": user_id}


def removed_from_conversation(conversation_id: int) -> dict[str, Any]:
    return {"type": "removed_from_conversation", "conversation_id": conversation_id}


def member_role_changed(conversation_id: int, user_id: int, role: str) -> dict[str, Any]:
    return {
        "type": "member_role_changed",
        "conversation_id": conversation_id,
        "user_id": user_id,
        "role": role,
    }


def muted(*, conversation_id: int | None, until: datetime) -> dict[str, Any]:
    """To the muted user's devices: they may read but not send, here (or everywhere:
    `conversation_id` null) until `until`; the composer says so."""
    return {"type": "muted", "conversation_id": conversation_id, "until": _iso(until)}


def unmuted(*, conversation_id: int | None) -> dict[str, Any]:
    """To the user's devices: a mute was lifted early (the composer opens again)."""
    return {"type": "unmuted", "conversation_id": conversation_id}


def _iso(moment: datetime) -> str:
    """As the REST API writes a time."""
    return serializers.DateTimeField().to_representation(moment)


def notification_settings_changed(member: ConversationMember) -> dict[str, Any]:
    """To the member's own user group only: their other devices follow."""
    attention = attention_of(member)
    return {
        "type": "notification_settings_changed",
        "conversation_id": member.conversation_id,
        "notification_level": attention.level,
        "notification_level_chosen": attention.chosen,
        "muted_until": iso_datetime(attention.muted_until),
    }

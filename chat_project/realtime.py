"""The one module that touches the channel layer and the presence store.

It imports no app: services call `broadcast_on_commit` with a payload they
built, and the consumer (messaging/consumers.py) turns every `chat.event`
message into a JSON frame for the client. Events leave only after the write
commits, so a rolled-back write never produces one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

#: The channel-layer message type every consumer handles (method `chat_event`).
EVENT_MESSAGE_TYPE = "chat.event"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def conversation_group(conversation_id: int) -> str:
    return f"conversation.{conversation_id}"


def _envelope(event: dict[str, Any]) -> dict[str, Any]:
    return {"type": EVENT_MESSAGE_TYPE, "event": event}


def send_now(group: str, event: dict[str, Any]) -> None:
    """Send an event to a group from sync code, right away (used after commit)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, _envelope(event))
    except Exception:  # the write is committed; a lost event is caught up by `after=`
        logger.exception("channel layer send to %s failed", group)


def broadcast_on_commit(group: str, event: dict[str, Any]) -> None:
    """Queue `event` for `group`, sent only if and when the surrounding transaction commits."""
    transaction.on_commit(lambda: send_now(group, event))


def broadcast_to_users_on_commit(user_ids: Iterable[int], event: dict[str, Any]) -> None:
    """Send one event to each user's personal group after commit."""
    ids = list(user_ids)
    transaction.on_commit(lambda: [send_now(user_group(uid), event) for uid in ids])


async def send_async(group: str, event: dict[str, Any]) -> None:
    """Ephemeral signals (typing, viewers) from async code: nothing to commit."""
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(group, _envelope(event))


# --- Presence --------------------------------------------------------------------
# Filled in by the real-time issue (presence in Redis with heartbeats). Until then
# nobody is reported online: callers must not assume otherwise.


def online_user_ids(user_ids: Iterable[int]) -> set[int]:
    """Which of `user_ids` have at least one open socket anywhere."""
    return set()


def is_online(user_id: int) -> bool:
    return user_id in online_user_ids([user_id])


def open_socket_count() -> int:
    """Open WebSocket connections across all server processes."""
    return 0


# --- Session control ---------------------------------------------------------------
#: Channel-layer message that makes every socket of a user close (ban, password change).
DISCONNECT_MESSAGE_TYPE = "chat.disconnect"


def disconnect_user_on_commit(user_id: int, reason: str) -> None:
    """Close every open socket of `user_id`, in every process, once the change commits."""

    def _send() -> None:
        layer = get_channel_layer()
        if layer is None:
            return
        try:
            async_to_sync(layer.group_send)(
                user_group(user_id), {"type": DISCONNECT_MESSAGE_TYPE, "reason": reason}
            )
        except Exception:
            logger.exception("could not disconnect user %s", user_id)

    transaction.on_commit(_send)

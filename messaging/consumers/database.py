"""The consumer's database work: selectors and services only, in the thread pool.

Each is wrapped once, here, as an awaitable (`db`): building the wrapper per call cost the
event loop measurable time on every WebSocket send.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from channels.db import database_sync_to_async

from accounts.models import User
from conversations import selectors as conversation_selectors
from conversations.attention import MemberAttention, attention_from_row
from friends import selectors as friend_selectors
from friends import status as friend_status
from messaging import services as messaging_services
from messaging.api.conversation_routes import changes_payload
from messaging.api.serializers import sent_representation


def db(func: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """Run ORM work in the thread pool, not on the single thread-sensitive executor.

    `thread_sensitive=False` lets a burst of reconnecting sockets use several database
    connections (up to the pool size) instead of queueing behind each other on one
    thread. Each call opens and returns its connection: none is held across a send.
    """
    return database_sync_to_async(func, thread_sensitive=False)


def _connect_state(
    user_id: int,
) -> tuple[dict[int, int], dict[int, MemberAttention], set[int]]:
    """The user's conversations with their current `last_seq` and alert settings, and the
    presence audience."""
    seqs: dict[int, int] = {}
    attention: dict[int, MemberAttention] = {}
    for (
        cid,
        last_seq,
        kind,
        is_public,
        level,
        muted_until,
    ) in conversation_selectors.membership_rows_for_user(user_id=user_id):
        seqs[cid] = last_seq
        attention[cid] = attention_from_row(
            type=kind, is_public=is_public, level=level, muted_until=muted_until
        )
    return seqs, attention, friend_selectors.presence_audience(user_id)


def _online_event(user_id: int) -> dict[str, Any] | None:
    """`user_online` with the user's status for friends, or None while invisible."""
    user = User.objects.filter(pk=user_id).only("id", "status", "idle", "last_seen_at").first()
    if user is None:
        return None
    event = friend_status.presence_event_for(user, online=True)
    return event if event["type"] == "user_online" else None


def _went_offline(user_id: int) -> dict[str, Any] | None:
    return friend_status.user_went_offline(user_id=user_id)


def _membership_check(user_id: int, conversation_id: int) -> None:
    """Http404 unless the user is a member (the same not-found as REST)."""
    conversation_selectors.membership_get(user_id=user_id, conversation_id=conversation_id)


def _send_message(
    user: Any,
    conversation_id: int,
    content: str | None,
    client_id: str | None,
    attachment_ids: list[int] | None = None,
    reply_to: object = None,
) -> dict[str, Any]:
    """The stored message, its attachment URLs signed for the sender (its event is
    published from this thread after commit)."""
    message, created = messaging_services.message_send(
        actor=user,
        conversation_id=conversation_id,
        content=content or "",
        client_id=client_id,
        attachment_ids=attachment_ids,
        reply_to=reply_to,  # type: ignore[arg-type]  # the service checks it
    )
    return sent_representation(message, created=created, viewer_id=user.pk)


def _react(user: Any, message_id: int, emoji: str, add: bool) -> None:
    if add:
        messaging_services.reaction_add(actor=user, message_id=message_id, emoji=emoji)
    else:
        messaging_services.reaction_remove(actor=user, message_id=message_id, emoji=emoji)


def _changes(user_id: int, conversation_id: int, since: int, limit: int) -> dict[str, Any]:
    return changes_payload(
        user_id=user_id, conversation_id=conversation_id, since=since, limit=limit
    )


def _mark_read(user: Any, conversation_id: int, message_id: int) -> None:
    messaging_services.message_mark_read(
        actor=user, conversation_id=conversation_id, message_id=message_id
    )


connect_state = db(_connect_state)
membership_check = db(_membership_check)
send_message = db(_send_message)
react = db(_react)
changes = db(_changes)
mark_read = db(_mark_read)
presence_audience = db(friend_selectors.presence_audience)


def _set_status(user: Any, status: str | None, idle: bool | None) -> None:
    friend_status.user_status_set(
        actor=user,
        status=friend_status.UNCHANGED if status is None else status,
        idle=friend_status.UNCHANGED if idle is None else idle,
    )


online_event = db(_online_event)
set_status = db(_set_status)
went_offline = db(_went_offline)
statuses_of = db(friend_status.statuses_of)

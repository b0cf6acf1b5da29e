"""What happens around messages: the change feed (catch-up), reactions, pins, how far each
member has read, unread mentions."""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    Count,
    F,
    Min,
    Q,
    QuerySet,
)

from conversations.models import ConversationMember
from conversations.selectors import membership_get
from friends.models import Block
from messaging.models import Message, Reaction

from .messages import check_limit, message_get_for_user, with_representation

CHANGES_DEFAULT_LIMIT = 100


CHANGES_MAX_LIMIT = 100


def message_changes(
    *, user_id: int, conversation_id: int, since: int, limit: int = CHANGES_DEFAULT_LIMIT
) -> tuple[list[Message], int, bool]:
    """What changed in a conversation after change number `since`: (messages, cursor,
    has_more). Each changed message once, as it is now, in change order; `cursor` is the
    number to ask from next time (messaging.services.changes says why it skips nothing).
    A cursor ahead of the conversation's last change is a 400: it cannot be this one's."""
    check_limit(limit, CHANGES_MAX_LIMIT)
    membership = membership_get(user_id=user_id, conversation_id=conversation_id)
    last = membership.conversation.last_change_seq
    if since > last:
        raise ValidationError(
            {"since": [f"Ahead of this conversation's last change ({last}): start from 0."]}
        )
    page = list(
        with_representation(
            Message.objects.filter(conversation_id=conversation_id, change_seq__gt=since)
        ).order_by("change_seq")[: limit + 1]
    )
    has_more = len(page) > limit
    page = page[:limit]
    return page, (page[-1].change_seq if page else since), has_more


def reaction_summaries(
    message_ids: Sequence[int], *, viewer_id: int | None
) -> dict[int, list[dict[str, Any]]]:
    """Each message's reactions as `{emoji, count, me}`, in the order each emoji was first
    used (its oldest reaction now): one query for any number of messages. `me` is None
    without a viewer."""
    if not message_ids:
        return {}
    rows = (
        Reaction.objects.filter(message_id__in=message_ids)
        .values("message_id", "emoji")
        .annotate(count=Count("id"), first=Min("id"), mine=Count("id", filter=Q(user_id=viewer_id)))
        .order_by("first")
    )
    summaries: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        me = None if viewer_id is None else row["mine"] > 0
        summaries.setdefault(row["message_id"], []).append(
            {"emoji": row["emoji"], "count": row["count"], "me": me}
        )
    return summaries


def reaction_list_for_user(
    *, user_id: int, message_id: int, emoji: str | None = None
) -> QuerySet[Reaction]:
    """Who reacted to a message (with `emoji`, or with any), oldest first; 404 unless the
    user is in its conversation. A deleted message shows none."""
    message = message_get_for_user(user_id=user_id, message_id=message_id)
    if message.is_deleted:
        return Reaction.objects.none()
    reactions = Reaction.objects.filter(message_id=message.id).select_related("user")
    if emoji is not None:
        reactions = reactions.filter(emoji=emoji)
    return reactions.order_by("id")


def pinned_messages(*, user_id: int, conversation_id: int) -> list[Message]:
    """A conversation's pinned messages, most recently pinned first."""
    membership = membership_get(user_id=user_id, conversation_id=conversation_id)
    return list(
        with_representation(
            Message.objects.filter(
                conversation_id=membership.conversation_id, pinned_at__isnull=False
            )
        ).order_by("-pinned_at", "-id")
    )


def _not_blocked(user_id: int, field: str) -> Q:
    """`field` (a user id) is nobody `user_id` blocks or is blocked by."""
    blocked = Block.objects.filter(blocker_id=user_id).values("blocked_id")
    blockers = Block.objects.filter(blocked_id=user_id).values("blocker_id")
    return ~Q(**{f"{field}__in": blocked}) & ~Q(**{f"{field}__in": blockers})


def read_positions(*, user_id: int, conversation_id: int) -> list[dict[str, Any]]:
    """How far each member has read (`last_read_message_id`, `last_read_seq`), oldest
    member first; members the user blocks or is blocked by are left out."""
    membership = membership_get(user_id=user_id, conversation_id=conversation_id)
    rows = (
        ConversationMember.objects.filter(conversation_id=membership.conversation_id)
        .filter(_not_blocked(user_id, "user_id"))
        .order_by("joined_at", "id")
        .values("user_id", "last_read_message_id", "last_read_seq")
    )
    return [dict(row) for row in rows]


def unread_mention_counts(
    *, user_id: int, conversation_ids: Sequence[int] | None = None
) -> dict[int, int]:
    """Per conversation of the user's (or of those given), the messages after their read
    marker that mention them: not their own, not deleted, not by someone either of them
    blocks (as mention notifications). One query over the partial index of messages with
    mentions (messaging_mentions_idx)."""
    messages = (
        Message.objects.filter(
            conversation__memberships__user_id=user_id,
            seq__gt=F("conversation__memberships__last_read_seq"),
            is_deleted=False,
        )
        .exclude(mention_ids=[])
        .exclude(sender_id=user_id)
        .filter(_not_blocked(user_id, "sender_id"))
    )
    if conversation_ids is not None:
        messages = messages.filter(conversation_id__in=conversation_ids)
    if connection.vendor == "postgresql":
        counted = messages.filter(mention_ids__contains=[user_id]).values("conversation_id")
        return dict(counted.annotate(n=Count("id")).values_list("conversation_id", "n"))
    counts: dict[int, int] = {}  # SQLite (embedded mode) has no JSON containment
    for conversation_id, mention_ids in messages.values_list("conversation_id", "mention_ids"):
        if user_id in mention_ids:
            counts[conversation_id] = counts.get(conversation_id, 0) + 1
    return counts

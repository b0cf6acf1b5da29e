"""Reads over messages that carry permission: only conversations the user is in.

"Missing" and "not yours" give the same 404, for messages and for conversations. Deleted
messages keep their place in history (the serializer blanks their text) but never match a
search: their original text is kept for moderation only.
"""

from collections.abc import Sequence
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.http import Http404

from conversations.models import ConversationMember
from conversations.selectors import membership_get, staff_can_read_q
from friends.models import Block

from .models import SEARCH_CONFIG, Attachment, Message, Reaction, Report

HISTORY_DEFAULT_LIMIT = 50
HISTORY_MAX_LIMIT = 100
SEARCH_DEFAULT_LIMIT = 50
SEARCH_MAX_LIMIT = 100
SEARCH_MAX_QUERY_LENGTH = 200
CHANGES_DEFAULT_LIMIT = 100
CHANGES_MAX_LIMIT = 100
#: What a message's representation reads besides its own row: its sender, and the
#: original it replies to with that one's sender (joined, not queried per message).
REPRESENTATION_RELATED = ("sender", "reply_to__sender")


def with_representation(messages: QuerySet[Message]) -> QuerySet[Message]:
    """Messages with what their representation reads: sender and quoted original joined,
    whether the original has attachments (a subquery), their own attachments (one more
    query for any number of messages)."""
    return (
        messages.select_related(*REPRESENTATION_RELATED)
        .prefetch_related("attachments")
        .annotate(reply_to_has_attachments=reply_to_has_attachments())
    )


def reply_to_has_attachments() -> Exists:
    return Exists(Attachment.objects.filter(message_id=OuterRef("reply_to_id")))


def message_get_for_user(*, user_id: int, message_id: int) -> Message:
    try:
        message = with_representation(Message.objects.all()).get(pk=int(message_id))
        membership_get(user_id=user_id, conversation_id=message.conversation_id)
    except (Message.DoesNotExist, Http404, TypeError, ValueError) as exc:
        raise Http404("Message not found.") from exc
    return message


def _check_limit(limit: int, maximum: int) -> None:
    if not 1 <= limit <= maximum:
        raise ValidationError({"limit": [f"Ensure this value is between 1 and {maximum}."]})


def message_history_queryset(
    *,
    conversation_id: int,
    limit: int = HISTORY_DEFAULT_LIMIT,
    before: int | None = None,
    after: int | None = None,
    skip: int | None = None,
    around: int | None = None,
) -> tuple[QuerySet[Message], bool]:
    """The page's queryset (keyset on messaging_conv_id_idx) and whether to reverse it.

    No permission check: callers go through `message_history`. Exposed so the query plan
    can be tested on its own.
    """
    _check_limit(limit, HISTORY_MAX_LIMIT)
    if sum(value is not None for value in (before, after, skip, around)) > 1:
        raise ValidationError("Use at most one of before, after, skip and around.", code="cursor")
    if skip is not None and skip < 0:
        raise ValidationError({"skip": ["Ensure this value is greater than or equal to 0."]})
    messages = with_representation(Message.objects.filter(conversation_id=conversation_id))
    if after is not None:  # catching up: oldest first straight from the index
        return messages.filter(id__gt=after).order_by("id")[:limit], False
    if before is not None:
        return messages.filter(id__lt=before).order_by("-id")[:limit], True
    if around is not None:
        return _around(messages, conversation_id, around, limit), False
    offset = skip or 0
    return messages.order_by("-id")[offset : offset + limit], True


def around_split(limit: int) -> tuple[int, int]:
    """How many messages an `around` page holds older and newer than its target."""
    older = limit // 2
    return older, limit - older - 1


def _around(
    messages: QuerySet[Message], conversation_id: int, target: int, limit: int
) -> QuerySet[Message]:
    """The target with up to `around_split(limit)` messages either side, oldest first: one
    query (the two sides are keyset subqueries on messaging_conv_id_idx)."""
    older, newer = around_split(limit)
    ids = Message.objects.filter(conversation_id=conversation_id).values("id")
    before_ids = ids.filter(id__lt=target).order_by("-id")[:older]
    from_ids = ids.filter(id__gte=target).order_by("id")[: newer + 1]
    return messages.filter(Q(id__in=before_ids) | Q(id__in=from_ids)).order_by("id")


def message_history(
    *,
    user_id: int,
    conversation_id: int,
    limit: int = HISTORY_DEFAULT_LIMIT,
    before: int | None = None,
    after: int | None = None,
    skip: int | None = None,
    around: int | None = None,
) -> list[Message]:
    """One page of a conversation's history, oldest first (two queries, whatever the size).

    No cursor: the newest `limit`. `before`: the `limit` messages just older than that id.
    `after`: the messages newer than that id, oldest first (reconnect catch-up). `skip`: skip
    the newest n. Cursors compare ids, so a cursor id need not exist any more (or ever have
    been in this conversation); inside one conversation id order is seq order. `around`: the
    message with that id and the history around it (`around_split`), for a client that
    jumps to it (a search result); unlike the cursors it must be a message of this
    conversation, else 404.
    """
    membership = membership_get(user_id=user_id, conversation_id=conversation_id)
    queryset, newest_first = message_history_queryset(
        conversation_id=membership.conversation_id,
        limit=limit,
        before=before,
        after=after,
        skip=skip,
        around=around,
    )
    page = list(queryset)
    if newest_first:
        page.reverse()
    if around is not None and not any(message.id == around for message in page):
        raise Http404("Message not found.")
    return page


class ContentSearchVector(SearchVector):
    """`to_tsvector('simple'::regconfig, content)`, spelled exactly like the GIN index.

    Django's SearchVector wraps the column in COALESCE(..., '') and passes the config as a
    parameter; PostgreSQL only uses an expression index for the very same expression, so
    this one is written out (the config is a code constant, never user input).
    """

    def __init__(self) -> None:
        super().__init__("content", config=SEARCH_CONFIG)

    def as_sql(self, compiler, connection, function=None, template=None, **extra_context):  # type: ignore[override]
        column_sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"to_tsvector('{SEARCH_CONFIG}'::regconfig, {column_sql})", params


def message_search(
    *,
    user_id: int,
    q: str,
    conversation_id: int | None = None,
    limit: int = SEARCH_DEFAULT_LIMIT,
) -> list[Message]:
    """Messages matching `q` in the user's conversations (or one of them), best first.

    PostgreSQL: full-text search (websearch syntax: words, "phrases", -exclusions, OR) over
    the GIN expression index, ranked by ts_rank then newest. SQLite (embedded mode):
    case-insensitive substring, newest first. Deleted messages never match.
    """
    text = q.strip() if isinstance(q, str) else ""
    if not text:
        raise ValidationError({"q": ["Enter something to search for."]})
    if len(text) > SEARCH_MAX_QUERY_LENGTH:
        raise ValidationError(
            {"q": [f"Ensure this field has no more than {SEARCH_MAX_QUERY_LENGTH} characters."]}
        )
    _check_limit(limit, SEARCH_MAX_LIMIT)
    messages = with_representation(Message.objects.filter(is_deleted=False))
    if conversation_id is not None:
        membership = membership_get(user_id=user_id, conversation_id=conversation_id)
        messages = messages.filter(conversation_id=membership.conversation_id)
    else:
        messages = messages.filter(
            conversation_id__in=ConversationMember.objects.filter(user_id=user_id).values(
                "conversation_id"
            )
        )
    if connection.vendor == "postgresql":
        vector = ContentSearchVector()
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        messages = (
            messages.alias(document=vector)
            .filter(document=query)
            .annotate(rank=SearchRank(vector, query))
            .order_by("-rank", "-id")
        )
    else:
        messages = messages.filter(content__icontains=text).order_by("-id")
    return list(messages[:limit])


def message_changes(
    *, user_id: int, conversation_id: int, since: int, limit: int = CHANGES_DEFAULT_LIMIT
) -> tuple[list[Message], int, bool]:
    """What changed in a conversation after change number `since`: (messages, cursor,
    has_more). Each changed message once, as it is now, in change order; `cursor` is the
    number to ask from next time (messaging.services.changes says why it skips nothing).
    A cursor ahead of the conversation's last change is a 400: it cannot be this one's."""
    _check_limit(limit, CHANGES_MAX_LIMIT)
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


# --- Staff (the admin) ---------------------------------------------------------------------

#: What staff see instead of the text of a message in a private conversation.
PRIVATE_PLACEHOLDER = "(private conversation — open through a report)"
#: Messages shown before and after a reported message on the report's page.
REPORT_CONTEXT_RADIUS = 5


def staff_can_read_messages_q(*, viewer) -> Q:
    """Messages whose text staff `viewer` may read in the admin: those of public rooms and of
    the private conversations this superuser opened (`conversation_staff_open`)."""
    return staff_can_read_q(viewer=viewer, prefix="conversation__")


def message_list_for_staff(
    *, viewer, queryset: QuerySet[Message] | None = None
) -> QuerySet[Message]:
    """Messages for the admin, each with `staff_text`: its content where `viewer` may read
    it, else None (and then the text is not even read from the database: `content` is
    deferred). Show `PRIVATE_PLACEHOLDER` for None; never show `content` itself."""
    messages = Message.objects.all() if queryset is None else queryset
    return messages.defer("content").annotate(
        staff_text=Case(
            When(staff_can_read_messages_q(viewer=viewer), then=F("content")),
            default=Value(None),
            output_field=TextField(),
        )
    )


def report_context_for_staff(
    *, viewer, report: Report, radius: int = REPORT_CONTEXT_RADIUS
) -> list[Message]:
    """A reported message with up to `radius` messages either side of it (by `seq`), oldest
    first, with their senders: how staff read a private conversation — the part around
    what somebody reported. Empty for a user report or when the message is gone.

    Needs the permission to view reports (moderators, superusers).
    """
    if not (viewer.is_active and viewer.is_staff and viewer.has_perm("messaging.view_report")):
        raise PermissionDenied("You are not allowed to read reports.")
    if report.message_id is None:
        return []
    anchor = (
        Message.objects.filter(pk=report.message_id).values_list("conversation_id", "seq").first()
    )
    if anchor is None:
        return []
    conversation_id, seq = anchor
    return list(
        Message.objects.filter(
            conversation_id=conversation_id, seq__gte=seq - radius, seq__lte=seq + radius
        )
        .select_related("sender")
        .order_by("seq")
    )

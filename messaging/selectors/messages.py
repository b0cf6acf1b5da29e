"""Messages as the user may read them: one, a conversation's history, search, and the rows
and instances a representation reads."""

from collections.abc import Sequence
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.http import Http404

from conversations.models import ConversationMember
from conversations.selectors import membership_get
from messaging import attachments
from messaging.models import SEARCH_CONFIG, Attachment, Message

HISTORY_DEFAULT_LIMIT = 50


HISTORY_MAX_LIMIT = 100


SEARCH_DEFAULT_LIMIT = 50


SEARCH_MAX_LIMIT = 100


SEARCH_MAX_QUERY_LENGTH = 200


#: How many messages a public room's preview shows.
RECENT_MESSAGES = 20


#: The columns a message's representation reads (`messaging.api.serializers`), as
#: `values()` names: lists read rows, not model instances (docs/architecture.md).
MESSAGE_ROW_FIELDS = (
    "id",
    "conversation_id",
    "seq",
    "sender_id",
    "sender__username",
    "sender__is_bot",
    "content",
    "message_type",
    "client_id",
    "created_at",
    "edited_at",
    "is_deleted",
    "content_html",
    "mention_ids",
    "reply_to_id",
    "reply_to__sender_id",
    "reply_to__sender__username",
    "reply_to__sender__display_name",
    "reply_to__content",
    "reply_to__is_deleted",
    "pinned_at",
    "pinned_by_id",
    "change_seq",
    "payload",
)


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


def message_rows(*, message_ids: Sequence[int]) -> list[dict[str, Any]]:
    """These messages as `MESSAGE_ROW_FIELDS` rows with their `attachments` rows, in two
    queries (none if there is nothing). No permission check: for the last messages of
    conversations the caller was given by a selector that checked."""
    if not message_ids:
        return []
    rows = list(
        Message.objects.filter(id__in=message_ids)
        .annotate(reply_to_has_attachments=reply_to_has_attachments())
        .values(*MESSAGE_ROW_FIELDS, "reply_to_has_attachments")
    )
    files = attachments.rows_by_message(row["id"] for row in rows if not row["is_deleted"])
    for row in rows:
        row["attachments"] = files.get(row["id"], [])
    return rows


def recent_messages(*, conversation_id: int, limit: int = RECENT_MESSAGES) -> list[Message]:
    """The newest `limit` messages of a conversation, oldest first, loaded for their
    representation. No permission check: for a public room's preview
    (`conversations.selectors.public_room_get` decided that the caller may see it)."""
    newest = with_representation(Message.objects.filter(conversation_id=conversation_id))
    return list(reversed(newest.order_by("-id")[:limit]))


def check_limit(limit: int, maximum: int) -> None:
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
    check_limit(limit, HISTORY_MAX_LIMIT)
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
    check_limit(limit, SEARCH_MAX_LIMIT)
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

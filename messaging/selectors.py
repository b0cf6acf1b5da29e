"""Reads over messages that carry permission: only conversations the user is in.

"Missing" and "not yours" give the same 404, for messages and for conversations. Deleted
messages keep their place in history (the serializer blanks their text) but never match a
search: their original text is kept for moderation only.
"""

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import Case, F, Q, QuerySet, TextField, Value, When
from django.http import Http404

from conversations.models import ConversationMember
from conversations.selectors import membership_get, staff_can_read_q

from .models import SEARCH_CONFIG, Message, Report

HISTORY_DEFAULT_LIMIT = 50
HISTORY_MAX_LIMIT = 100
SEARCH_DEFAULT_LIMIT = 50
SEARCH_MAX_LIMIT = 100
SEARCH_MAX_QUERY_LENGTH = 200


def message_get_for_user(*, user_id: int, message_id: int) -> Message:
    try:
        message = (
            Message.objects.select_related("sender")
            .prefetch_related("attachments")
            .get(pk=int(message_id))
        )
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
    messages = (
        Message.objects.filter(conversation_id=conversation_id)
        .select_related("sender")
        .prefetch_related("attachments")  # one more query, whatever the page size
    )
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
    messages = (
        Message.objects.filter(is_deleted=False)
        .select_related("sender")
        .prefetch_related("attachments")
    )
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

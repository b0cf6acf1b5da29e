from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from rest_framework import serializers

from chat_project.openapi import NOT_BLANK, document
from conversations.models import MAX_ID
from messaging import attachments
from messaging.attachments import MAX_ATTACHMENTS, attachment_representation
from messaging.models import Message, Report
from messaging.selectors import reaction_summaries


def iso_datetime(value: datetime | None) -> str | None:
    """The same text as DRF's DateTimeField (UTC, "Z"), without its per-field machinery."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


#: The columns a message's representation reads, as `values()` names.
MESSAGE_ROW_FIELDS = (
    "id",
    "conversation_id",
    "seq",
    "sender_id",
    "sender__username",
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
#: A reply's quote of the original: its first line, at most this many characters.
REPLY_PREVIEW_LENGTH = 100


def reply_preview(text: str) -> str:
    """The first non-blank line of `text`, cut to REPLY_PREVIEW_LENGTH with an ellipsis."""
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if len(line) <= REPLY_PREVIEW_LENGTH:
        return line
    return line[: REPLY_PREVIEW_LENGTH - 1].rstrip() + "…"


def _reply_to(row: Mapping[str, Any]) -> dict | None:
    """The quoted original as it is now: later edits show, a deleted one says so."""
    if row["reply_to_id"] is None:
        return None
    deleted = row["reply_to__is_deleted"]
    return {
        "id": row["reply_to_id"],
        "sender": {
            "id": row["reply_to__sender_id"],
            "username": row["reply_to__sender__username"],
            "display_name": row["reply_to__sender__display_name"],
        },
        "preview": "" if deleted else reply_preview(row["reply_to__content"]),
        "has_attachments": bool(row.get("reply_to_has_attachments")),
        "deleted": deleted,
    }


def message_row_representation(
    row: Mapping[str, Any], viewer_id: int | None = None, reactions: Iterable[dict] = ()
) -> dict:
    """A message as every client sees it, from its `MESSAGE_ROW_FIELDS` plus its
    `attachments` rows (`messaging.attachments.rows_by_message`; none if left out), their
    URLs signed for `viewer_id`, and its reaction summary (`selectors.reaction_summaries`;
    a new message has none). A deleted message shows its place and nothing else: no text,
    files, quote or reactions. Lists read rows: a model instance per message costs several
    times more (docs/benchmarks.md, convlist-1k)."""
    deleted = row["is_deleted"]
    return {
        "id": row["id"],
        "conversation_id": row["conversation_id"],
        "seq": row["seq"],
        "sender_id": row["sender_id"],
        "sender_username": row["sender__username"],
        "content": "" if row["is_deleted"] else row["content"],
        "message_type": row["message_type"],
        "client_id": row["client_id"],
        "created_at": iso_datetime(row["created_at"]),
        "edited_at": iso_datetime(row["edited_at"]),
        "is_deleted": deleted,
        "attachments": []
        if deleted
        else [attachment_representation(a, viewer_id) for a in row.get("attachments", ())],
        "transfer": _payload_of(row, Message.Type.TRANSFER),
        "content_html": "" if deleted else row["content_html"],
        "mentions": [] if deleted else row["mention_ids"],
        "reply_to": None if deleted else _reply_to(row),
        "reactions": [] if deleted else list(reactions),
        "pinned_at": iso_datetime(row["pinned_at"]),
        "pinned_by_id": row["pinned_by_id"],
        "change_seq": row["change_seq"],
    }


def _payload_of(row: Mapping[str, Any], message_type: str) -> Any:
    """The payload a service posted with a message of `message_type` (None for any other
    type, and for a deleted message, whose payload is hidden like its text)."""
    if row["message_type"] != message_type or row["is_deleted"]:
        return None
    return row["payload"]


def _instance_row(message: Message) -> dict[str, Any]:
    row = {name: getattr(message, name) for name in MESSAGE_ROW_FIELDS if "__" not in name}
    row["sender__username"] = message.sender.username
    row["attachments"] = [] if message.is_deleted else attachments.rows_of(message)
    original = message.reply_to if message.reply_to_id is not None else None
    if original is not None:
        row["reply_to__sender_id"] = original.sender_id
        row["reply_to__sender__username"] = original.sender.username
        row["reply_to__sender__display_name"] = original.sender.display_name
        row["reply_to__content"] = original.content
        row["reply_to__is_deleted"] = original.is_deleted
        has = getattr(message, "reply_to_has_attachments", None)  # annotated by selectors
        if has is None:
            has = bool(attachments.rows_by_message([original.id]))
        row["reply_to_has_attachments"] = has
    return row


def message_representation(
    message: Message, viewer_id: int | None = None, reactions: Iterable[dict] = ()
) -> dict:
    """The same representation from a model instance (responses and events; an event's
    is signed for nobody and re-signed per recipient: messaging.attachments). Load it
    through `selectors.with_representation` (sender and quoted original joined), or each
    costs a query."""
    return message_row_representation(_instance_row(message), viewer_id, reactions)


def represent_messages(messages: Sequence[Message], *, viewer_id: int | None) -> list[dict]:
    """Messages with their reactions (one query for all of them): what every read shows.
    `viewer_id` says whose `me` the reactions show and for whom attachment URLs are signed;
    None (an event to a whole conversation) shows `me: null` and signs for nobody."""
    summaries = reaction_summaries(
        [m.id for m in messages if not m.is_deleted], viewer_id=viewer_id
    )
    return [message_representation(m, viewer_id, summaries.get(m.id, ())) for m in messages]


def represent_rows(rows: Sequence[Mapping[str, Any]], *, viewer_id: int | None) -> list[dict]:
    """`represent_messages` for `MESSAGE_ROW_FIELDS` rows that carry their `attachments`
    (conversation lists)."""
    summaries = reaction_summaries(
        [row["id"] for row in rows if not row["is_deleted"]], viewer_id=viewer_id
    )
    return [
        message_row_representation(row, viewer_id, summaries.get(row["id"], ())) for row in rows
    ]


def sent_representation(message: Message, *, created: bool, viewer_id: int) -> dict:
    """The answer to a send: a new message has no reactions yet (no query); a `client_id`
    replay answers the first message as it is now."""
    if created:
        return message_representation(message, viewer_id)
    return represent_messages([message], viewer_id=viewer_id)[0]


class AttachmentSerializer(serializers.Serializer):
    """An attachment as messages carry it (built by `attachment_representation`)."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    size = serializers.IntegerField(help_text="Bytes.")
    content_type = serializers.CharField(
        help_text="Sniffed from the bytes. Only image/png, image/jpeg, image/gif and "
        "image/webp are shown inline; every other file is a download."
    )
    width = serializers.IntegerField(allow_null=True, help_text="Pixels; null for non-images.")
    height = serializers.IntegerField(allow_null=True, help_text="Pixels; null for non-images.")
    url = serializers.CharField(
        help_text="Same-origin path signed for you, valid for ATTACHMENT_URL_MAX_AGE seconds "
        "while you may see the message; no Authorization header needed."
    )
    thumbnail_url = serializers.CharField(
        allow_null=True, help_text="A WebP of at most 400 px a side; null for non-images."
    )


class UploadSerializer(AttachmentSerializer):
    """`POST /api/uploads`: an attachment not yet in a message (its URLs: yours only)."""

    created_at = serializers.DateTimeField()


class MessageTransferSerializer(serializers.Serializer):
    """What a `transfer` message shows of the money transfer it announces (payments posts
    it; `GET /api/payments/transfers/{id}` has the whole transfer)."""

    id = serializers.IntegerField(help_text="The transfer's id.")
    amount = serializers.IntegerField(help_text="In minor units of the currency (1050: 10.50).")
    currency = serializers.CharField(help_text="ISO 4217 code.")
    exponent = serializers.IntegerField(help_text="Digits after the decimal point to display.")
    note = serializers.CharField()
    status = serializers.ChoiceField(choices=["completed", "reversed"])


class ReplySenderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()


class ReplyToSerializer(serializers.Serializer):
    """The quoted original of a reply, as it is now."""

    id = serializers.IntegerField()
    sender = ReplySenderSerializer()
    preview = serializers.CharField(
        help_text=f"The first non-blank line of its text (Markdown source), at most "
        f"{REPLY_PREVIEW_LENGTH} characters; empty once it is deleted."
    )
    has_attachments = serializers.BooleanField()
    deleted = serializers.BooleanField(help_text="Deleted or redacted since.")


class ReactionSummarySerializer(serializers.Serializer):
    """One emoji on a message: how many reacted with it, and whether you did."""

    emoji = serializers.CharField()
    count = serializers.IntegerField(min_value=1)
    me = serializers.BooleanField(
        allow_null=True,
        help_text="Whether you reacted with it; null in events sent to the whole "
        "conversation (`message_updated`): keep the value you have.",
    )


class MessageSerializer(serializers.ModelSerializer):
    """The one message representation: REST responses, `new_message` events, `last_message`.

    The fields are declared for the OpenAPI schema; the output itself is built by
    `message_representation`, because DRF's per-field machinery costs more than the rest
    of a history page or a conversation list together (docs/benchmarks.md, convlist-1k).
    """

    conversation_id = serializers.IntegerField(read_only=True)
    sender_id = serializers.IntegerField(read_only=True)
    sender_username = serializers.CharField(source="sender.username", read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    transfer = MessageTransferSerializer(
        read_only=True,
        allow_null=True,
        help_text="The transfer a `transfer` message announces; null for other types.",
    )
    content_html = serializers.CharField(
        read_only=True,
        help_text="`content` rendered from Markdown and sanitised (docs/api.md, Formatting); "
        "empty for a deleted message.",
    )
    mentions = serializers.ListField(
        child=serializers.IntegerField(),
        source="mention_ids",
        read_only=True,
        help_text="Ids of the members the text mentions.",
    )
    reply_to = ReplyToSerializer(read_only=True, allow_null=True)
    reactions = ReactionSummarySerializer(
        many=True, read_only=True, help_text="In the order each emoji was first used."
    )
    pinned_by_id = serializers.IntegerField(read_only=True, allow_null=True)
    change_seq = serializers.IntegerField(
        read_only=True,
        help_text="The conversation's change number of this message's latest change "
        "(docs/api.md, Catching up).",
    )

    class Meta:
        model = Message
        fields = [
            "id",
            "conversation_id",
            "seq",
            "sender_id",
            "sender_username",
            "content",
            "message_type",
            "client_id",
            "created_at",
            "edited_at",
            "is_deleted",
            "attachments",
            "transfer",
            "content_html",
            "mentions",
            "reply_to",
            "reactions",
            "pinned_at",
            "pinned_by_id",
            "change_seq",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Message) -> dict:
        """Context `viewer_id`: whom the attachment URLs are signed for. Without
        reactions (a message just sent has none): reads use `represent_messages`."""
        return message_representation(instance, self.context.get("viewer_id"))


# --- input shapes (the services do the rules) ------------------------------------------------


class StrictCharField(serializers.CharField):
    """A string and nothing else: DRF's CharField would turn 123 into "123"."""

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """An integer (or digits in a string, as query parameters are); never true/false."""

    def to_internal_value(self, data: object) -> int:
        if isinstance(data, bool) or not isinstance(data, (int, str)):
            self.fail("invalid")
        return super().to_internal_value(data)


def _message_text() -> StrictCharField:
    # Emptiness and length are the service's rules (after trimming), so REST and WebSocket
    # answer alike; the schema states them.
    return document(
        StrictCharField(allow_blank=True, trim_whitespace=False),
        pattern=NOT_BLANK,
        maxLength=settings.MESSAGE_MAX_LENGTH,
        description="Trimmed, then 1 to MESSAGE_MAX_LENGTH characters.",
    )


class JSONIntegerField(StrictIntegerField):
    """A JSON integer: not digits in a string (what `conversation_id` also takes)."""

    def to_internal_value(self, data: object) -> int:
        if isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class MessageCreateInputSerializer(serializers.Serializer):
    conversation_id = StrictIntegerField(min_value=1, max_value=MAX_ID)
    # Not blank unless attachments are given: the service's rule (REST and WebSocket).
    content = document(
        StrictCharField(required=False, default="", allow_blank=True, trim_whitespace=False),
        maxLength=settings.MESSAGE_MAX_LENGTH,
        description="Trimmed, then 1 to MESSAGE_MAX_LENGTH characters; may be empty or left "
        "out when `attachment_ids` are given.",
    )
    attachment_ids = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=MAX_ATTACHMENTS,
        help_text="Your own uploads (POST /api/uploads) not yet attached and not expired, "
        "in the order to show them.",
    )
    client_id = StrictCharField(
        required=False, allow_null=True, allow_blank=True, max_length=64, trim_whitespace=False
    )
    reply_to = JSONIntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="The id of an earlier message of the same conversation that this one "
        "answers (not a deleted one); null or absent: not a reply.",
    )


class MessageEditInputSerializer(serializers.Serializer):
    content = _message_text()


class HistoryQuerySerializer(serializers.Serializer):
    """At most one of `before`, `after`, `skip` and `around` (two are a 400)."""

    limit = StrictIntegerField(min_value=1, max_value=100, default=50)
    before = StrictIntegerField(
        required=False,
        min_value=0,
        max_value=MAX_ID,
        help_text="The `limit` messages just older than this id. Not with `after` or `skip`.",
    )
    after = StrictIntegerField(
        required=False,
        min_value=0,
        max_value=MAX_ID,
        help_text="Messages newer than this id, oldest first. Not with `before` or `skip`.",
    )
    skip = StrictIntegerField(
        required=False,
        min_value=0,
        max_value=MAX_ID,
        help_text="Skip the newest n. Not with `before` or `after`.",
    )
    around = StrictIntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text=(
            "A message of this conversation (else 404) with the history around it: up to "
            "`limit // 2` older messages and `limit - limit // 2 - 1` newer ones. Not with "
            "another cursor."
        ),
    )

    def validate(self, attrs: dict) -> dict:
        given = [name for name in ("before", "after", "skip", "around") if name in attrs]
        if len(given) > 1:
            raise serializers.ValidationError(
                f"Use at most one of before, after, skip and around (got {', '.join(given)})."
            )
        return attrs


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=200, help_text="Web-search syntax; 1-200 characters after trimming."
    )
    conversation_id = StrictIntegerField(required=False, min_value=1, max_value=MAX_ID)
    limit = StrictIntegerField(min_value=1, max_value=100, default=50)


# --- reports ---------------------------------------------------------------------------------


class ReportInputSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=1000, help_text="1-1000 characters.")


class ReportSerializer(serializers.ModelSerializer):
    """What the reporter gets back: never the snapshot or the moderators' notes."""

    message_id = serializers.IntegerField(read_only=True, allow_null=True)
    user_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Report
        fields = ["id", "target_type", "message_id", "user_id", "reason", "status", "created_at"]
        read_only_fields = fields

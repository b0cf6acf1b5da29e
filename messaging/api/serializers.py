"""Messages and reports as the API shows them (REST bodies and events); what it reads is
`inputs`.

Representations are built by hand from rows (`message_row_representation`): DRF's
per-field machinery and a model instance per message cost more than the rest of a history
page or a conversation list (docs/benchmarks.md, convlist-1k). The serializers declare
the fields for the OpenAPI schema, and tests pin that both agree.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rest_framework import serializers

from chat_project.api import iso_datetime
from conversations.api.serializers import PublicRoomSerializer
from conversations.models import Conversation
from messaging import attachments, selectors
from messaging.attachments import attachment_representation
from messaging.models import Message, Report
from messaging.selectors import MESSAGE_ROW_FIELDS, reaction_summaries

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
        "sender_is_bot": row["sender__is_bot"],
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
        "system": _payload_of(row, Message.Type.SYSTEM),
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
    row["sender__is_bot"] = getattr(message.sender, "is_bot", False)
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


class MessageSystemSerializer(serializers.Serializer):
    """What a `system` message records (docs/api.md, System lines); `content` is its text."""

    event = serializers.ChoiceField(
        choices=[
            "joined",
            "invite_joined",
            "added",
            "left",
            "removed",
            "banned",
            "renamed",
            "role_changed",
            "owner_changed",
        ]
    )
    actor_id = serializers.IntegerField(help_text="Who did it.")
    user_id = serializers.IntegerField(required=False, help_text="To whom (added, removed...).")
    name = serializers.CharField(required=False, help_text="The new name (renamed).")
    role = serializers.CharField(required=False, help_text="The new role (role_changed).")


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
    sender_is_bot = serializers.BooleanField(
        source="sender.is_bot",
        read_only=True,
        help_text="The sender is a bot (an API token's or a webhook's): clients show a tag.",
    )
    attachments = AttachmentSerializer(many=True, read_only=True)
    transfer = MessageTransferSerializer(
        read_only=True,
        allow_null=True,
        help_text="The transfer a `transfer` message announces; null for other types.",
    )
    system = MessageSystemSerializer(
        read_only=True,
        allow_null=True,
        help_text="What a `system` message records; null for other types.",
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
            "sender_is_bot",
            "content",
            "message_type",
            "client_id",
            "created_at",
            "edited_at",
            "is_deleted",
            "attachments",
            "transfer",
            "system",
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


# --- reports ---------------------------------------------------------------------------------


class ReportSerializer(serializers.ModelSerializer):
    """What the reporter gets back: never the snapshot or the moderators' notes."""

    message_id = serializers.IntegerField(read_only=True, allow_null=True)
    user_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Report
        fields = ["id", "target_type", "message_id", "user_id", "reason", "status", "created_at"]
        read_only_fields = fields


class PublicRoomPreviewSerializer(PublicRoomSerializer):
    # A public room's summary with its newest messages, for anyone logged in.
    recent_messages = serializers.SerializerMethodField()

    class Meta(PublicRoomSerializer.Meta):
        fields = [*PublicRoomSerializer.Meta.fields, "recent_messages"]
        read_only_fields = fields

    def get_recent_messages(self, obj: Conversation) -> list[dict]:
        messages = selectors.recent_messages(conversation_id=obj.id)
        return represent_messages(messages, viewer_id=self.context.get("viewer_id"))

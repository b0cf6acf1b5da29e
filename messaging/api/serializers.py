"""Messages and reports as the API shows them, and the input shapes of REST bodies and
WebSocket frames (the consumer validates frames with these serializers, as REST does)."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from rest_framework import serializers

from chat_project.api import StrictCharField, StrictIntegerField, iso_datetime
from chat_project.ids import MAX_ID
from chat_project.inputs import StrictJSONInput
from chat_project.openapi import NOT_BLANK, document
from conversations.api.serializers import PublicRoomSerializer
from conversations.models import Conversation
from messaging import selectors
from messaging.models import Message, Report
from messaging.selectors import MESSAGE_ROW_FIELDS


def message_row_representation(row: Mapping[str, Any]) -> dict:
    """A message as every client sees it, from its `MESSAGE_ROW_FIELDS`; deleted text is
    never exposed. Lists read rows: a model instance per message costs several times more
    (docs/benchmarks.md, convlist-1k)."""
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
        "is_deleted": row["is_deleted"],
    }


def represent_messages(message_ids: Iterable[int]) -> dict[int, dict]:
    """Message id -> representation, in one query: what a conversation shows as its
    `last_message` (handed to conversations at start-up: messaging/apps.py)."""
    rows = selectors.message_rows(message_ids=list(message_ids))
    return {row["id"]: message_row_representation(row) for row in rows}


def message_representation(message: Message) -> dict:
    """The same representation from a model instance (responses and events)."""
    row = {name: getattr(message, name) for name in MESSAGE_ROW_FIELDS if "__" not in name}
    row["sender__username"] = message.sender.username
    return message_row_representation(row)


class MessageSerializer(serializers.ModelSerializer):
    """The one message representation: REST responses, `new_message` events, `last_message`.

    The fields are declared for the OpenAPI schema; the output itself is built by
    `message_representation`, because DRF's per-field machinery costs more than the rest
    of a history page or a conversation list together (docs/benchmarks.md, convlist-1k).
    """

    conversation_id = serializers.IntegerField(read_only=True)
    sender_id = serializers.IntegerField(read_only=True)
    sender_username = serializers.CharField(source="sender.username", read_only=True)

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
        ]
        read_only_fields = fields

    def to_representation(self, instance: Message) -> dict:
        return message_representation(instance)


# --- input shapes (the services do the rules) ------------------------------------------------


def _message_text() -> StrictCharField:
    # Emptiness and length are the service's rules (after trimming), so REST and WebSocket
    # answer alike; the schema states them.
    return document(
        StrictCharField(allow_blank=True, trim_whitespace=False),
        pattern=NOT_BLANK,
        maxLength=settings.MESSAGE_MAX_LENGTH,
        description="Trimmed, then 1 to MESSAGE_MAX_LENGTH characters.",
    )


class MessageCreateInputSerializer(serializers.Serializer):
    conversation_id = StrictIntegerField(min_value=1, max_value=MAX_ID)
    content = _message_text()
    client_id = StrictCharField(
        required=False, allow_null=True, allow_blank=True, max_length=64, trim_whitespace=False
    )


class MessageEditInputSerializer(serializers.Serializer):
    content = _message_text()


class HistoryQuerySerializer(serializers.Serializer):
    """At most one of `before`, `after` and `skip` (two are a 400)."""

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

    def validate(self, attrs: dict) -> dict:
        given = [name for name in ("before", "after", "skip") if name in attrs]
        if len(given) > 1:
            raise serializers.ValidationError(
                f"Use at most one of before, after and skip (got {', '.join(given)})."
            )
        return attrs


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(
        max_length=200, help_text="Web-search syntax; 1-200 characters after trimming."
    )
    conversation_id = StrictIntegerField(required=False, min_value=1, max_value=MAX_ID)
    limit = StrictIntegerField(min_value=1, max_value=100, default=50)


# --- reports ---------------------------------------------------------------------------------


class MarkReadInputSerializer(StrictJSONInput):
    message_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class PublicRoomPreviewSerializer(PublicRoomSerializer):
    # A public room's summary with its newest messages, for anyone logged in.
    recent_messages = serializers.SerializerMethodField()

    class Meta(PublicRoomSerializer.Meta):
        fields = [*PublicRoomSerializer.Meta.fields, "recent_messages"]
        read_only_fields = fields

    def get_recent_messages(self, obj: Conversation) -> list[dict]:
        messages = selectors.recent_messages(conversation_id=obj.id)
        return [message_representation(message) for message in messages]


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


# --- WebSocket frames: the REST shapes, as JSON types (a frame is JSON, never a form) --------


class ConversationFrameSerializer(StrictJSONInput):
    """`join_conversation`, `leave_conversation`."""

    conversation_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class TypingFrameSerializer(ConversationFrameSerializer):
    is_typing = serializers.BooleanField()


class MarkReadFrameSerializer(ConversationFrameSerializer, MarkReadInputSerializer):
    """`mark_read`: `POST /api/conversations/{id}/read` with the id in the frame."""


class SendMessageFrameSerializer(StrictJSONInput, MessageCreateInputSerializer):
    """`send_message`: the body of `POST /api/messages`."""

"""What the messaging API reads: request bodies, query parameters and WebSocket frames.

Input serializers check shape only; the services decide what is allowed. A WebSocket frame
is validated with the serializer of the REST request it stands for (`chat_project.api.
valid_input`), as JSON: `StrictJSONInput` refuses a value of another JSON type, where the
REST bodies take digits in a string for some ids.
"""

from typing import Any

from django.conf import settings
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from chat_project.api import StrictCharField, StrictIntegerField
from chat_project.ids import MAX_ID
from chat_project.inputs import StrictJSONInput
from chat_project.openapi import NOT_BLANK, document
from messaging.attachments import MAX_ATTACHMENTS
from messaging.selectors import CHANGES_DEFAULT_LIMIT, CHANGES_MAX_LIMIT
from messaging.services import CLIENT_ID_PLACEHOLDER


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


def _attachment_ids_field(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        max_length=MAX_ATTACHMENTS,
        help_text="Your own uploads (POST /api/uploads) not yet attached and not expired, "
        "in the order to show them.",
        **kwargs,
    )


class MessageCreateInputSerializer(serializers.Serializer):
    conversation_id = StrictIntegerField(min_value=1, max_value=MAX_ID)
    # Not blank unless attachments are given: the service's rule (REST and WebSocket).
    content = document(
        StrictCharField(required=False, default="", allow_blank=True, trim_whitespace=False),
        maxLength=settings.MESSAGE_MAX_LENGTH,
        description="Trimmed, then 1 to MESSAGE_MAX_LENGTH characters; may be empty or left "
        "out when `attachment_ids` are given.",
    )
    attachment_ids = _attachment_ids_field()
    client_id = document(
        StrictCharField(
            required=False, allow_null=True, allow_blank=True, max_length=64, trim_whitespace=False
        ),
        example=CLIENT_ID_PLACEHOLDER,
        description="Your id for this message (a new UUID each time): a retry with the same "
        "`client_id` answers the first message instead of sending it again. The example is a "
        "placeholder and is refused.",
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


class ReportInputSerializer(serializers.Serializer):
    reason = StrictCharField(max_length=1000, help_text="1-1000 characters.")


class MarkReadInputSerializer(StrictJSONInput):
    message_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class ChangesQuerySerializer(serializers.Serializer):
    since = StrictIntegerField(
        min_value=0,
        max_value=MAX_ID,
        help_text="The `cursor` of your last answer (or the highest `change_seq` up to which "
        "you have seen every change of this conversation); 0 for everything.",
    )
    limit = StrictIntegerField(
        required=False,
        default=CHANGES_DEFAULT_LIMIT,
        min_value=1,
        max_value=CHANGES_MAX_LIMIT,
    )


# --- WebSocket frames: the REST shapes, as JSON types (a frame is JSON, never a form) --------


class ConversationFrameSerializer(StrictJSONInput):
    """`join_conversation`, `leave_conversation`."""

    conversation_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class TypingFrameSerializer(ConversationFrameSerializer):
    is_typing = serializers.BooleanField()


class MarkReadFrameSerializer(ConversationFrameSerializer, MarkReadInputSerializer):
    """`mark_read`: `POST /api/conversations/{id}/read` with the id in the frame."""


#: What a `send_message` frame's bad `attachment_ids` get (REST answers DRF's own words).
ATTACHMENT_IDS_INVALID = "A list of positive integers is required."


class SendMessageFrameSerializer(StrictJSONInput, MessageCreateInputSerializer):
    """`send_message`: the body of `POST /api/messages`. A frame may also give null for
    the optional `content` and `attachment_ids` (as it always could): left out."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            optional = ("content", "attachment_ids")
            data = {k: v for k, v in data.items() if not (v is None and k in optional)}
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            # One message for any bad `attachment_ids`, as the frame has always said it.
            if isinstance(exc.detail, dict) and "attachment_ids" in exc.detail:
                exc.detail["attachment_ids"] = [ErrorDetail(ATTACHMENT_IDS_INVALID, "invalid")]
            raise


class ReactionFrameSerializer(StrictJSONInput):
    """`react`, `unreact`: `PUT`/`DELETE /api/messages/{id}/reactions/{emoji}`; what an
    emoji may be is the service's rule."""

    message_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    emoji = serializers.CharField(trim_whitespace=False, allow_blank=True)


class CatchUpFrameSerializer(ConversationFrameSerializer, ChangesQuerySerializer):
    """`catch_up`: `GET /api/conversations/{id}/changes`; a null `limit` is the default."""

    limit = StrictIntegerField(
        required=False,
        allow_null=True,
        default=CHANGES_DEFAULT_LIMIT,
        min_value=1,
        max_value=CHANGES_MAX_LIMIT,
    )

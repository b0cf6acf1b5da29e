"""Reads under `/api/conversations/{id}/` that are about its messages: the pinned ones,
how far each member has read ("seen by") and what changed since a cursor (the catch-up).

They are registered by messaging (`views.register`) on the `conversations` prefix, so the
conversations app never imports messaging for them (dependencies stay one-way). Every one
answers 404 to a non-member.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.request_user import request_user
from chat_project.openapi import invalid
from conversations.models import MAX_ID, Conversation
from conversations.selectors import NOT_FOUND
from messaging import selectors

from .serializers import MessageSerializer, StrictIntegerField, represent_messages
from .views import _path_id


def conversation_path_id(value: object) -> int:
    return _path_id(value, NOT_FOUND)


class ChangesQuerySerializer(serializers.Serializer):
    since = StrictIntegerField(
        min_value=0,
        max_value=MAX_ID,
        help_text="The `cursor` of your last answer (or the highest `change_seq` up to which "
        "you have seen every change of this conversation); 0 for everything.",
    )
    limit = StrictIntegerField(
        required=False,
        default=selectors.CHANGES_DEFAULT_LIMIT,
        min_value=1,
        max_value=selectors.CHANGES_MAX_LIMIT,
    )


class ChangesSerializer(serializers.Serializer):
    """What changed in a conversation after a cursor."""

    conversation_id = serializers.IntegerField()
    messages = MessageSerializer(
        many=True,
        help_text="Every message changed after `since`, once, as it is now, in "
        "change order: new, edited, deleted (`is_deleted`), reacted to, pinned or unpinned.",
    )
    cursor = serializers.IntegerField(help_text="Ask with `since=<cursor>` next time.")
    has_more = serializers.BooleanField(help_text="There is more: ask again now.")


class ReadPositionSerializer(serializers.Serializer):
    user_id = serializers.IntegerField()
    last_read_message_id = serializers.IntegerField(allow_null=True)
    last_read_seq = serializers.IntegerField()


def changes_payload(
    *, user_id: int, conversation_id: int, since: int, limit: int
) -> dict[str, object]:
    """The answer of `GET .../changes` and of the WebSocket `catch_up` frame."""
    messages, cursor, has_more = selectors.message_changes(
        user_id=user_id, conversation_id=conversation_id, since=since, limit=limit
    )
    return {
        "conversation_id": conversation_id,
        "messages": represent_messages(messages, viewer_id=user_id),
        "cursor": cursor,
        "has_more": has_more,
    }


class ConversationMessagesViewSet(viewsets.GenericViewSet):
    """Pins, read positions and changes of one of the caller's conversations."""

    serializer_class = MessageSerializer
    pagination_class = None

    def get_queryset(self):  # schema generation only: every action goes through a selector
        return Conversation.objects.none()

    @extend_schema(responses={200: MessageSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def pins(self, request: Request, pk: str) -> Response:
        """The pinned messages, most recently pinned first."""
        messages = selectors.pinned_messages(
            user_id=request_user(request).id, conversation_id=conversation_path_id(pk)
        )
        return Response(represent_messages(messages, viewer_id=request_user(request).id))

    @extend_schema(responses={200: ReadPositionSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="read-positions")
    def read_positions(self, request: Request, pk: str) -> Response:
        """How far each member has read, oldest member first; anyone you block or who
        blocks you is left out."""
        return Response(
            selectors.read_positions(
                user_id=request_user(request).id, conversation_id=conversation_path_id(pk)
            )
        )

    @extend_schema(
        parameters=[ChangesQuerySerializer],
        responses={
            200: ChangesSerializer,
            400: invalid("a `since` above the conversation's last change (`since`)."),
        },
    )
    @action(detail=True, methods=["get"])
    def changes(self, request: Request, pk: str) -> Response:
        """Every message changed after `since`: the catch-up after a reconnect."""
        conversation_id = conversation_path_id(pk)
        query = ChangesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        user_id = request_user(request).id
        return Response(
            changes_payload(
                user_id=user_id, conversation_id=conversation_id, **query.validated_data
            )
        )

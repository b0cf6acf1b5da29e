"""Routes under `/api/conversations/{id}/` that are about its messages: the pinned ones,
how far each member has read ("seen by"), what changed since a cursor (the catch-up),
moving your read marker, and a public room's preview with its newest messages.

They are registered by messaging (`views.register`) on the `conversations` prefix, so the
conversations app never imports messaging for them (dependencies stay one-way). Every one
answers 404 to a non-member.
"""

from functools import partial

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.request_user import request_user
from chat_project import api
from chat_project.ids import id_or_404
from chat_project.openapi import invalid
from conversations import selectors as conversation_selectors
from conversations.models import Conversation
from conversations.selectors import NOT_FOUND
from messaging import selectors, services

from .inputs import ChangesQuerySerializer, MarkReadInputSerializer
from .serializers import MessageSerializer, PublicRoomPreviewSerializer, represent_messages


def conversation_path_id(value: str) -> int:
    return id_or_404(value, NOT_FOUND)


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


class ConversationMessagesViewSet(api.ViewSet):
    """Pins, read positions and changes of one of the caller's conversations."""

    serializer_class = MessageSerializer
    queryset = api.schema_only(Conversation)

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
        query = api.valid_input(ChangesQuerySerializer, request.query_params)
        user_id = request_user(request).id
        return Response(changes_payload(user_id=user_id, conversation_id=conversation_id, **query))

    @extend_schema(request=MarkReadInputSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        """Move your read marker up to `message_id` (docs/api.md, Read markers)."""
        # A non-member gets 404, even for a bad body; the service checks membership, so a
        # good body is not checked twice.
        conversation_id = conversation_path_id(pk)
        member_or_404 = partial(
            conversation_selectors.membership_get,
            user_id=request_user(request).id,
            conversation_id=conversation_id,
        )
        data = api.valid_input(MarkReadInputSerializer, request.data, check_first=member_or_404)
        services.message_mark_read(
            actor=request_user(request),
            conversation_id=conversation_id,
            message_id=data["message_id"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: PublicRoomPreviewSerializer})
    @action(detail=True, methods=["get"])
    def preview(self, request: Request, pk: str) -> Response:
        """A public room for anyone logged in, with its newest messages (private: 404)."""
        room = conversation_selectors.public_room_get(conversation_id=conversation_path_id(pk))
        context = {"viewer_id": request_user(request).id}
        return Response(PublicRoomPreviewSerializer(room, context=context).data)

"""REST for messages: thin views over messaging.services and messaging.selectors.

The sender is always `request.user`. Every route that names a message or a conversation
answers 404 to a non-member, so ids leak nothing.
"""

from functools import partial

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from accounts.request_user import request_user
from accounts.selectors import USER_NOT_FOUND
from chat_project import api
from chat_project.ids import ID_PATTERN, id_or_404
from chat_project.openapi import error, invalid
from conversations import selectors as conversation_selectors
from conversations.models import Conversation
from messaging import selectors, services
from messaging.models import Message, Report

from . import serializers as s
from .send import lean_send

HISTORY_PARAMETERS = [s.HistoryQuerySerializer]


class MessageViewSet(api.ViewSet):
    """Send, edit and delete messages; read a conversation's history; search."""

    serializer_class = s.MessageSerializer
    queryset = api.schema_only(Message)

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        """`POST /api/messages` answers JSON API clients without DRF's machinery
        (messaging/api/send.py); `create` below serves everything else."""
        view = super().as_view(actions, **initkwargs)
        if actions and actions.get("post") == "create":
            return lean_send(view)
        return view

    @extend_schema(
        request=s.MessageCreateInputSerializer,
        responses={
            201: s.MessageSerializer,
            200: OpenApiResponse(s.MessageSerializer, description="client_id replay"),
            403: error("A direct chat where either user blocks the other."),
            404: error("Unknown conversation, or not a member (`not_found`)."),
            409: error("The client_id was used in another conversation (`client_id_reused`)."),
            429: error(
                "Over THROTTLE_MESSAGE_SEND (`throttled`), or the server delivers late "
                "(`overloaded`): send again with the same client_id after `Retry-After`."
            ),
        },
    )
    def create(self, request: Request) -> Response:
        data = api.valid_input(s.MessageCreateInputSerializer, request.data)
        message, created = services.message_send(actor=request_user(request), **data)
        return Response(
            s.MessageSerializer(message).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(responses={200: s.MessageSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        message = selectors.message_get_for_user(
            user_id=request_user(request).id, message_id=id_or_404(pk, services.MESSAGE_NOT_FOUND)
        )
        return Response(s.MessageSerializer(message).data)

    @extend_schema(
        request=s.MessageEditInputSerializer,
        responses={200: s.MessageSerializer, 400: invalid("a deleted message.")},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        data = api.valid_input(s.MessageEditInputSerializer, request.data)
        message = services.message_edit(
            actor=request_user(request),
            message_id=id_or_404(pk, services.MESSAGE_NOT_FOUND),
            **data,
        )
        return Response(s.MessageSerializer(message).data)

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.message_delete(
            actor=request_user(request), message_id=id_or_404(pk, services.MESSAGE_NOT_FOUND)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=s.ReportInputSerializer,
        responses={
            201: s.ReportSerializer,
            400: invalid("your own message."),
            409: error("You already have an open report on it (`already_reported`)."),
        },
    )
    @action(detail=True, methods=["post"])
    def report(self, request: Request, pk: str) -> Response:
        """Report a message of one of your conversations to the moderators."""
        data = api.valid_input(s.ReportInputSerializer, request.data)
        report = services.message_report(
            actor=request_user(request),
            message_id=id_or_404(pk, services.MESSAGE_NOT_FOUND),
            **data,
        )
        return Response(s.ReportSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=HISTORY_PARAMETERS,
        responses={
            200: s.MessageSerializer(many=True),
            400: invalid("more than one of `before`, `after` and `skip`."),
        },
    )
    @action(
        detail=False, methods=["get"], url_path=rf"conversation/(?P<conversation_id>{ID_PATTERN})"
    )
    def conversation(self, request: Request, conversation_id: str) -> Response:
        """History, oldest first; see the contract for the cursors."""
        params = api.valid_input(s.HistoryQuerySerializer, request.query_params)
        messages = selectors.message_history(
            user_id=request_user(request).id,
            conversation_id=id_or_404(conversation_id, conversation_selectors.NOT_FOUND),
            **params,
        )
        return Response(s.MessageSerializer(messages, many=True).data)

    @extend_schema(
        parameters=[s.SearchQuerySerializer],
        responses={
            200: s.MessageSerializer(many=True),
            404: error("`conversation_id` is unknown or not yours (`not_found`)."),
        },
    )
    @action(detail=False, methods=["get"])
    def search(self, request: Request) -> Response:
        """Best match first, over the caller's conversations only; deleted messages never."""
        params = api.valid_input(s.SearchQuerySerializer, request.query_params)
        messages = selectors.message_search(user_id=request_user(request).id, **params)
        return Response(s.MessageSerializer(messages, many=True).data)


class UserReportViewSet(api.ViewSet):
    """`/api/users/{id}/report`: a detail route only (accounts owns the `users` list)."""

    serializer_class = s.ReportSerializer
    queryset = api.schema_only(Report)
    lookup_url_kwarg = "user_id"

    @extend_schema(
        parameters=[OpenApiParameter("user_id", int, OpenApiParameter.PATH)],
        request=s.ReportInputSerializer,
        responses={
            201: s.ReportSerializer,
            400: invalid("yourself."),
            409: error("You already have an open report on this user (`already_reported`)."),
        },
    )
    @action(detail=True, methods=["post"])
    def report(self, request: Request, user_id: str) -> Response:
        """Report a user to the moderators."""
        data = api.valid_input(s.ReportInputSerializer, request.data)
        report = services.user_report(
            actor=request_user(request), user_id=id_or_404(user_id, USER_NOT_FOUND), **data
        )
        return Response(s.ReportSerializer(report).data, status=status.HTTP_201_CREATED)


class ConversationMessagesViewSet(api.ViewSet):
    """The caller's conversations; public rooms can be listed, previewed and joined."""

    # The routes under `/api/conversations/{id}/` that are about messages: messaging
    # registers them, because conversations sits below messaging and cannot import it
    # (docs/architecture.md). The docstring above is the resource's, as in the schema.

    serializer_class = s.PublicRoomPreviewSerializer
    queryset = api.schema_only(Conversation)

    @extend_schema(request=s.MarkReadInputSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        # A non-member gets 404, even for a bad body; the service checks membership, so a
        # good body is not checked twice.
        conversation_id = id_or_404(pk, conversation_selectors.NOT_FOUND)
        member_or_404 = partial(
            conversation_selectors.membership_get,
            user_id=request_user(request).id,
            conversation_id=conversation_id,
        )
        data = api.valid_input(s.MarkReadInputSerializer, request.data, check_first=member_or_404)
        services.message_mark_read(
            actor=request_user(request),
            conversation_id=conversation_id,
            message_id=data["message_id"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: s.PublicRoomPreviewSerializer})
    @action(detail=True, methods=["get"])
    def preview(self, request: Request, pk: str) -> Response:
        # A public room for anyone logged in, with its newest messages (private: 404).
        room = conversation_selectors.public_room_get(
            conversation_id=id_or_404(pk, conversation_selectors.NOT_FOUND)
        )
        return Response(s.PublicRoomPreviewSerializer(room).data)


def register(router: BaseRouter) -> None:
    """Add this app's viewsets to the project's one router."""
    router.register("messages", MessageViewSet, basename="messages")
    router.register("users", UserReportViewSet, basename="user-reports")
    router.register("conversations", ConversationMessagesViewSet, basename="conversation-messages")

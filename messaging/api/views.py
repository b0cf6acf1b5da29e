"""REST for messages: thin views over messaging.services and messaging.selectors.

The sender is always `request.user`. Every route that names a message or a conversation
answers 404 to a non-member, so ids leak nothing.
"""

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
from conversations.selectors import NOT_FOUND as CONVERSATION_NOT_FOUND
from messaging import selectors, services
from messaging.models import Message, Report

from . import inputs
from . import serializers as s
from .conversation_routes import ConversationMessagesViewSet
from .pins import PinActions
from .reactions import ReactionActions
from .send import lean_send
from .webhooks import WebhookViewSet

HISTORY_PARAMETERS = [inputs.HistoryQuerySerializer]


class MessageViewSet(ReactionActions, PinActions, api.ViewSet):
    """Send, edit and delete messages; read a conversation's history; search; react and
    pin (the mixins)."""

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

    def _message_id(self, pk: str) -> int:
        return id_or_404(pk, services.MESSAGE_NOT_FOUND)

    @extend_schema(
        request=inputs.MessageCreateInputSerializer,
        responses={
            201: s.MessageSerializer,
            200: OpenApiResponse(s.MessageSerializer, description="client_id replay"),
            400: invalid(
                "empty `content` without `attachment_ids`; an id in `attachment_ids` that is "
                "not your own upload, is attached already or has expired; a `reply_to` that "
                "is not a message of this conversation, or is deleted (`reply_to`); the "
                "documentation's example `client_id` (`client_id`)."
            ),
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
        data = api.valid_input(inputs.MessageCreateInputSerializer, request.data)
        message, created = services.message_send(actor=request_user(request), **data)
        return Response(
            s.sent_representation(message, created=created, viewer_id=request_user(request).id),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(responses={200: s.MessageSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        message = selectors.message_get_for_user(
            user_id=request_user(request).id, message_id=self._message_id(pk)
        )
        return Response(s.represent_messages([message], viewer_id=request_user(request).id)[0])

    @extend_schema(
        request=inputs.MessageEditInputSerializer,
        responses={200: s.MessageSerializer, 400: invalid("a deleted message.")},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        message_id = self._message_id(pk)
        data = api.valid_input(inputs.MessageEditInputSerializer, request.data)
        message = services.message_edit(actor=request_user(request), message_id=message_id, **data)
        return Response(s.represent_messages([message], viewer_id=request_user(request).id)[0])

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        message_id = self._message_id(pk)
        services.message_delete(actor=request_user(request), message_id=message_id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=inputs.ReportInputSerializer,
        responses={
            201: s.ReportSerializer,
            400: invalid("your own message."),
            409: error("You already have an open report on it (`already_reported`)."),
        },
    )
    @action(detail=True, methods=["post"])
    def report(self, request: Request, pk: str) -> Response:
        """Report a message of one of your conversations to the moderators."""
        message_id = self._message_id(pk)
        data = api.valid_input(inputs.ReportInputSerializer, request.data)
        report = services.message_report(actor=request_user(request), message_id=message_id, **data)
        return Response(s.ReportSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=HISTORY_PARAMETERS,
        responses={
            200: s.MessageSerializer(many=True),
            400: invalid("more than one of `before`, `after`, `skip` and `around`."),
            404: error(
                "Unknown conversation, not a member, or `around` is not a message of this "
                "conversation (`not_found`)."
            ),
        },
    )
    @action(
        detail=False, methods=["get"], url_path=rf"conversation/(?P<conversation_id>{ID_PATTERN})"
    )
    def conversation(self, request: Request, conversation_id: str) -> Response:
        """History, oldest first; see the contract for the cursors."""
        params = api.valid_input(inputs.HistoryQuerySerializer, request.query_params)
        messages = selectors.message_history(
            user_id=request_user(request).id,
            conversation_id=id_or_404(conversation_id, CONVERSATION_NOT_FOUND),
            **params,
        )
        return Response(s.represent_messages(messages, viewer_id=request_user(request).id))

    @extend_schema(
        parameters=[inputs.SearchQuerySerializer],
        responses={
            200: s.MessageSerializer(many=True),
            404: error("`conversation_id` is unknown or not yours (`not_found`)."),
        },
    )
    @action(detail=False, methods=["get"])
    def search(self, request: Request) -> Response:
        """Best match first, over the caller's conversations only; deleted messages never."""
        params = api.valid_input(inputs.SearchQuerySerializer, request.query_params)
        messages = selectors.message_search(user_id=request_user(request).id, **params)
        return Response(s.represent_messages(messages, viewer_id=request_user(request).id))


class UserReportViewSet(api.ViewSet):
    """`/api/users/{id}/report`: a detail route only (accounts owns the `users` list)."""

    serializer_class = s.ReportSerializer
    queryset = api.schema_only(Report)
    lookup_url_kwarg = "user_id"

    @extend_schema(
        parameters=[OpenApiParameter("user_id", int, OpenApiParameter.PATH)],
        request=inputs.ReportInputSerializer,
        responses={
            201: s.ReportSerializer,
            400: invalid("yourself."),
            409: error("You already have an open report on this user (`already_reported`)."),
        },
    )
    @action(detail=True, methods=["post"])
    def report(self, request: Request, user_id: str) -> Response:
        """Report a user to the moderators."""
        target_id = id_or_404(user_id, USER_NOT_FOUND)
        data = api.valid_input(inputs.ReportInputSerializer, request.data)
        report = services.user_report(actor=request_user(request), user_id=target_id, **data)
        return Response(s.ReportSerializer(report).data, status=status.HTTP_201_CREATED)


def register(router: BaseRouter) -> None:
    """Add this app's viewsets to the project's one router."""
    router.register("messages", MessageViewSet, basename="messages")
    router.register("users", UserReportViewSet, basename="user-reports")
    # Only detail routes (`/api/conversations/{id}/pins` ...): the conversations app owns
    # the rest of the prefix and never imports messaging for these.
    router.register("conversations", ConversationMessagesViewSet, basename="conversation-messages")
    router.register("conversations", WebhookViewSet, basename="conversation-webhooks")

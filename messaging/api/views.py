"""REST for messages: thin views over messaging.services and messaging.selectors.

The sender is always `request.user`. Every route that names a message or a conversation
answers 404 to a non-member, so ids leak nothing.
"""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from chat_project.openapi import error, invalid
from messaging import selectors, services
from messaging.models import Message, Report

from . import serializers as s
from .pins import PinActions
from .reactions import ReactionActions
from .send import lean_send


def _path_id(value: object, not_found: str) -> int:
    """A path id: anything that is not a plausible id is simply not found."""
    text = str(value)
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= s.MAX_ID:
        raise Http404(not_found)
    return int(text)


def _valid(serializer_class: type, data: object) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _viewer(request: Request) -> dict:
    """Serializer context: attachment URLs are signed for the one who asked."""
    return {"viewer_id": request.user.id}


HISTORY_PARAMETERS = [s.HistoryQuerySerializer]


class MessageViewSet(ReactionActions, PinActions, viewsets.GenericViewSet):
    """Send, edit and delete messages; read a conversation's history; search; react and
    pin (the mixins)."""

    serializer_class = s.MessageSerializer
    pagination_class = None

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        """`POST /api/messages` answers JSON API clients without DRF's machinery
        (messaging/api/send.py); `create` below serves everything else."""
        view = super().as_view(actions, **initkwargs)
        if actions and actions.get("post") == "create":
            return lean_send(view)
        return view

    def get_queryset(self):  # schema generation only: every action goes through a selector
        return Message.objects.none()

    def _message_id(self, pk: str) -> int:
        return _path_id(pk, services.MESSAGE_NOT_FOUND)

    @extend_schema(
        request=s.MessageCreateInputSerializer,
        responses={
            201: s.MessageSerializer,
            200: OpenApiResponse(s.MessageSerializer, description="client_id replay"),
            400: invalid(
                "empty `content` without `attachment_ids`; an id in `attachment_ids` that is "
                "not your own upload, is attached already or has expired; a `reply_to` that "
                "is not a message of this conversation, or is deleted (`reply_to`)."
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
        data = _valid(s.MessageCreateInputSerializer, request.data)
        message, created = services.message_send(actor=request.user, **data)
        return Response(
            s.sent_representation(message, created=created, viewer_id=request.user.id),
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(responses={200: s.MessageSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        message = selectors.message_get_for_user(
            user_id=request.user.id, message_id=_path_id(pk, services.MESSAGE_NOT_FOUND)
        )
        return Response(s.represent_messages([message], viewer_id=request.user.id)[0])

    @extend_schema(
        request=s.MessageEditInputSerializer,
        responses={200: s.MessageSerializer, 400: invalid("a deleted message.")},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        message_id = _path_id(pk, services.MESSAGE_NOT_FOUND)
        data = _valid(s.MessageEditInputSerializer, request.data)
        message = services.message_edit(actor=request.user, message_id=message_id, **data)
        return Response(s.represent_messages([message], viewer_id=request.user.id)[0])

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        message_id = _path_id(pk, services.MESSAGE_NOT_FOUND)
        services.message_delete(actor=request.user, message_id=message_id)
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
        message_id = _path_id(pk, services.MESSAGE_NOT_FOUND)
        data = _valid(s.ReportInputSerializer, request.data)
        report = services.message_report(actor=request.user, message_id=message_id, **data)
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
    @action(detail=False, methods=["get"], url_path=r"conversation/(?P<conversation_id>[^/]+)")
    def conversation(self, request: Request, conversation_id: str) -> Response:
        """History, oldest first; see the contract for the cursors."""
        params = _valid(s.HistoryQuerySerializer, request.query_params)
        messages = selectors.message_history(
            user_id=request.user.id,
            conversation_id=_path_id(conversation_id, "Conversation not found."),
            **params,
        )
        return Response(s.represent_messages(messages, viewer_id=request.user.id))

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
        params = _valid(s.SearchQuerySerializer, request.query_params)
        messages = selectors.message_search(user_id=request.user.id, **params)
        return Response(s.represent_messages(messages, viewer_id=request.user.id))


class UserReportViewSet(viewsets.GenericViewSet):
    """`/api/users/{id}/report`: a detail route only (accounts owns the `users` list)."""

    serializer_class = s.ReportSerializer
    pagination_class = None
    lookup_url_kwarg = "user_id"

    def get_queryset(self):  # schema generation only
        return Report.objects.none()

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
        target_id = _path_id(user_id, "User not found.")
        data = _valid(s.ReportInputSerializer, request.data)
        report = services.user_report(actor=request.user, user_id=target_id, **data)
        return Response(s.ReportSerializer(report).data, status=status.HTTP_201_CREATED)


def register(router: object) -> None:
    """Add this app's viewsets to the project's one router."""
    from .conversation_routes import ConversationMessagesViewSet  # it uses `_path_id`

    router.register("messages", MessageViewSet, basename="messages")
    router.register("users", UserReportViewSet, basename="user-reports")
    # Only detail routes (`/api/conversations/{id}/pins` ...): the conversations app owns
    # the rest of the prefix and never imports messaging for these.
    router.register("conversations", ConversationMessagesViewSet, basename="conversation-messages")

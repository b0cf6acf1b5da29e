"""Avatars over REST: yours (`/api/users/me/avatar`) and a group's or room's
(`/api/conversations/{id}/avatar`). `PUT` takes multipart with one field, `file`; `PUT`
and `DELETE` answer with what changed (you, or the conversation) as elsewhere."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from accounts.api.serializers import MeSerializer
from accounts.models import User
from accounts.request_user import request_user
from chat_project import api, uploads
from chat_project.ids import id_or_404
from chat_project.openapi import error, invalid
from conversations import avatars, selectors
from conversations.models import Conversation

from . import serializers as s

IMAGE_REFUSED = invalid(
    "an empty file, a file that is not a PNG, JPEG, GIF or WebP image, an image over "
    "UPLOAD_MAX_PIXELS or one whose bytes cannot be decoded."
)
TOO_LARGE = error("Over UPLOAD_MAX_BYTES, nothing stored (`file_too_large`).")
FILE_BODY = {"multipart/form-data": uploads.FileInputSerializer}


class MyAvatarViewSet(api.ViewSet):
    """`/api/users/me/avatar`: set or clear your avatar."""

    serializer_class = MeSerializer
    parser_classes = [MultiPartParser]
    queryset = api.schema_only(User)

    @extend_schema(
        methods=["PUT"],
        request=FILE_BODY,
        responses={
            200: MeSerializer,
            400: IMAGE_REFUSED,
            413: TOO_LARGE,
            415: uploads.NOT_MULTIPART,
        },
    )
    @extend_schema(methods=["DELETE"], request=None, responses={200: MeSerializer})
    @action(detail=False, methods=["put", "delete"], url_path="me/avatar")
    def me_avatar(self, request: Request) -> Response:
        """Your avatar: the centre square of an image, in two sizes; everyone who can see
        you gets `user_updated`."""
        user = request_user(request)
        if request.method == "DELETE":
            changed = avatars.user_avatar_clear(actor=user)
        else:
            changed = avatars.user_avatar_set(actor=user, file=uploads.uploaded_file(request))
        return Response(MeSerializer(changed).data)


class ConversationAvatarViewSet(api.ViewSet):
    """`/api/conversations/{id}/avatar`: the admins of a group or room set or clear it."""

    serializer_class = s.ConversationSerializer
    parser_classes = [MultiPartParser]
    queryset = api.schema_only(Conversation)

    def _render(self, viewer_id: int, conversation_id: int) -> Response:
        conversation = selectors.conversation_detail_for_user(
            user_id=viewer_id, conversation_id=conversation_id
        )
        context = {"viewer_id": viewer_id}
        return Response(s.ConversationSerializer(context=context).to_representation(conversation))

    @extend_schema(
        methods=["PUT"],
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        request=FILE_BODY,
        responses={
            200: s.ConversationSerializer,
            400: invalid(
                "a direct chat (it shows the other person's avatar); an empty file, a file "
                "that is not a PNG, JPEG, GIF or WebP image, an image over UPLOAD_MAX_PIXELS "
                "or one whose bytes cannot be decoded."
            ),
            403: error("Not an admin of this conversation (`permission_denied`)."),
            413: TOO_LARGE,
            415: uploads.NOT_MULTIPART,
        },
    )
    @extend_schema(
        methods=["DELETE"],
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        request=None,
        responses={
            200: s.ConversationSerializer,
            400: invalid("a direct chat (it shows the other person's avatar)."),
            403: error("Not an admin of this conversation (`permission_denied`)."),
        },
    )
    @action(detail=True, methods=["put", "delete"], url_path="avatar")
    def avatar(self, request: Request, pk: str) -> Response:
        """A group's or room's avatar; members get `conversation_updated`."""
        conversation_id = id_or_404(pk, selectors.NOT_FOUND)
        user = request_user(request)
        if request.method == "DELETE":
            avatars.conversation_avatar_clear(actor=user, conversation_id=conversation_id)
        else:
            avatars.require_avatar_admin(user, conversation_id)  # before reading the body
            avatars.conversation_avatar_set(
                actor=user, conversation_id=conversation_id, file=uploads.uploaded_file(request)
            )
        return self._render(user.id, conversation_id)


def register(router: BaseRouter) -> None:
    """Add the avatar routes to the project's one router."""
    router.register("users", MyAvatarViewSet, basename="my-avatar")
    router.register("conversations", ConversationAvatarViewSet, basename="conversation-avatar")

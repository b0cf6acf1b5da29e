"""REST for a group's administration beyond its members: bans and invite links
(`/api/conversations/{id}/bans`, `/invites`) and the links themselves (`/api/invites/{code}`).

Thin views over conversations.services and .selectors; a non-member gets 404, a member
who is no admin 403, as everywhere else.
"""

from functools import partial

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.request_user import request_user
from chat_project import api
from chat_project.ids import ID_PATTERN, id_or_404
from chat_project.openapi import error, invalid
from conversations import selectors, services
from conversations.models import ConversationInvite

from . import admin_serializers as a
from . import serializers as s
from .views import CONVERSATION_FULL, DIRECT_CHAT_FIXED

CODE_PARAMETER = OpenApiParameter(
    "code",
    {"type": "string", "pattern": f"^{a.INVITE_CODE_PATTERN}$"},
    OpenApiParameter.PATH,
    description="The link's code (the last part of its `url`).",
)
INVITE_OVER = error(
    "The link was revoked (also when its creator is no admin any more: `invite_revoked`), "
    "has expired (`invite_expired`) or is used up (`invite_used_up`)."
)
BANNED_OR_BLOCKED = error(
    "You are banned from the group (`banned`), or you and the link's creator block one "
    "another (`blocked`)."
)


class GroupAdminViewSet(api.ViewSet):
    """A group's bans and invite links, for its admins."""

    queryset = api.schema_only(ConversationInvite)
    serializer_class = a.InviteSerializer

    def _input(self, serializer_class: type, data: object, conversation_id: int) -> dict:
        member_or_404 = partial(
            selectors.membership_get,
            user_id=request_user(self.request).id,
            conversation_id=conversation_id,
        )
        return api.valid_input(serializer_class, data, check_first=member_or_404)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: a.BanSerializer(many=True), 403: error("Not an admin of it.")},
    )
    @extend_schema(
        methods=["POST"],
        request=a.BanInputSerializer,
        responses={
            201: a.BanSerializer,
            400: invalid("a direct chat; yourself."),
            403: error("Not an admin, or the user is an admin and you are not the owner."),
        },
    )
    @action(detail=True, methods=["get", "post"])
    def bans(self, request: Request, pk: str) -> Response:
        """`GET`: who is banned, newest first. `POST`: remove (if a member) and ban."""
        conversation_id = id_or_404(pk, selectors.NOT_FOUND)
        actor = request_user(request)
        if request.method == "GET":
            rows = selectors.ban_list_for_admin(user_id=actor.id, conversation_id=conversation_id)
            return Response(a.BanSerializer(rows, many=True).data)
        data = self._input(a.BanInputSerializer, request.data, conversation_id)
        ban = services.conversation_ban(
            actor=actor,
            conversation_id=conversation_id,
            user_id=data["user_id"],
            reason=data["reason"],
        )
        return Response(a.BanSerializer(ban).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={204: None, 400: DIRECT_CHAT_FIXED},
        parameters=[OpenApiParameter("user_id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["delete"], url_path=rf"bans/(?P<user_id>{ID_PATTERN})")
    def ban_lift(self, request: Request, pk: str, user_id: str) -> Response:
        """Lift a ban (the user is not added back)."""
        services.conversation_unban(
            actor=request_user(request),
            conversation_id=id_or_404(pk, selectors.NOT_FOUND),
            user_id=id_or_404(user_id, "This user is not banned from this conversation."),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"],
        request=None,
        responses={200: a.InviteSerializer(many=True), 403: error("Not an admin of it.")},
    )
    @extend_schema(
        methods=["POST"],
        request=a.InviteCreateInputSerializer,
        responses={201: a.InviteSerializer, 400: DIRECT_CHAT_FIXED},
    )
    @action(detail=True, methods=["get", "post"])
    def invites(self, request: Request, pk: str) -> Response:
        """`GET`: the links not revoked, newest first. `POST`: a new link."""
        conversation_id = id_or_404(pk, selectors.NOT_FOUND)
        actor = request_user(request)
        context = {"request": request}
        if request.method == "GET":
            rows = selectors.invite_list_for_admin(
                user_id=actor.id, conversation_id=conversation_id
            )
            return Response(a.InviteSerializer(rows, many=True, context=context).data)
        data = self._input(a.InviteCreateInputSerializer, request.data, conversation_id)
        invite = services.conversation_invite_create(
            actor=actor,
            conversation_id=conversation_id,
            expires_in=data["expires_in"],
            max_uses=data["max_uses"],
        )
        return Response(
            a.InviteSerializer(invite, context=context).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=None,
        responses={204: None},
        parameters=[CODE_PARAMETER],
    )
    @action(detail=True, methods=["delete"], url_path=rf"invites/(?P<code>{a.INVITE_CODE_PATTERN})")
    def invite_revoke(self, request: Request, pk: str, code: str) -> Response:
        """Revoke a link: nobody joins through it any more."""
        services.conversation_invite_revoke(
            actor=request_user(request),
            conversation_id=id_or_404(pk, selectors.NOT_FOUND),
            code=code,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class InviteViewSet(api.ViewSet):
    """`/api/invites/{code}`: what a link leads to, and joining through it."""

    lookup_field = "code"
    lookup_value_regex = a.INVITE_CODE_PATTERN
    queryset = api.schema_only(ConversationInvite)
    serializer_class = a.InvitePreviewSerializer

    @extend_schema(
        responses={200: a.InvitePreviewSerializer, 410: INVITE_OVER}, parameters=[CODE_PARAMETER]
    )
    def retrieve(self, request: Request, code: str) -> Response:
        """The group's name, picture and size; a link that is over says why (410)."""
        invite = selectors.invite_get(code=code)
        services.check_usable(invite)
        is_member = selectors.is_member(invite.conversation_id, request_user(request).id)
        return Response(
            a.invite_preview(
                invite,
                member_count=selectors.member_count(invite.conversation_id),
                is_member=is_member,
            )
        )

    @extend_schema(
        request=None,
        responses={
            200: s.ConversationSerializer,
            403: BANNED_OR_BLOCKED,
            409: CONVERSATION_FULL,
            410: INVITE_OVER,
        },
        parameters=[CODE_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    def join(self, request: Request, code: str) -> Response:
        """Join the link's group (a member already in: the same answer, nothing used up)."""
        actor = request_user(request)
        conversation, _joined = services.conversation_invite_join(actor=actor, code=code)
        row = selectors.conversation_detail_for_user(
            user_id=actor.id, conversation_id=conversation.id
        )
        context = {
            "viewer_id": actor.id,
            "last_messages": s.last_messages_for([row], actor.id),
            "request": request,
        }
        return Response(s.ConversationSerializer(context=context).to_representation(row))

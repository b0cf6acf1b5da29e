"""REST for conversations: thin views over conversations.services and .selectors.

Every route that names a conversation answers 404 to a non-member (the public room routes
`preview`/`join` excepted), so nobody learns that a private conversation exists.
"""

from collections.abc import Sequence
from functools import partial

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from accounts.request_user import request_user
from chat_project import api
from chat_project.ids import ID_PATTERN, id_or_404
from chat_project.openapi import PAGINATION_HEADERS, error, invalid
from conversations import selectors, services
from conversations.models import Conversation
from conversations.selectors import ConversationRow

from . import admin_serializers as a
from . import serializers as s

DIRECT_CHAT_FIXED = invalid("a direct chat: it always links the same two people.")
CONVERSATION_FULL = error(
    "The new members would not all fit under `max_participants` (`conversation_full`)."
)


class ConversationViewSet(api.ViewSet):
    """The caller's conversations; public rooms can be listed, previewed and joined."""

    # Membership is for the services and selectors to check (404 for a stranger): a view
    # checks it only for a bad body (`_input`), whose 400 must not tell a stranger more.
    # Previewing and the read marker are messaging's routes (messaging/api/views.py).

    serializer_class = s.ConversationSerializer
    queryset = api.schema_only(Conversation)

    def _input(self, serializer_class: type, data: object, conversation_id: int) -> dict:
        member_or_404 = partial(
            selectors.membership_get,
            user_id=request_user(self.request).id,
            conversation_id=conversation_id,
        )
        return api.valid_input(serializer_class, data, check_first=member_or_404)

    def _render(
        self, conversations: Sequence[Conversation | ConversationRow], *, many: bool = False
    ) -> Response:
        viewer_id = request_user(self.request).id
        context = {
            "viewer_id": viewer_id,
            "last_messages": s.last_messages_for(conversations, viewer_id),
            "unread_mentions": s.unread_mentions_for(
                viewer_id, None if many else [c.id for c in conversations]
            ),
            "request": self.request,
        }
        # `to_representation`, not `.data`: DRF's ReturnList points back at its serializer,
        # so a list's thousands of dicts were left to the cyclic garbage collector, whose
        # full passes were the latency tail of convlist-1k (docs/benchmarks.md).
        serializer = s.ConversationSerializer(context=context)
        if many:
            return Response([serializer.to_representation(c) for c in conversations])
        return Response(serializer.to_representation(conversations[0]))

    def _detail(self, conversation_id: int, code: int = status.HTTP_200_OK) -> Response:
        conversation = selectors.conversation_detail_for_user(
            user_id=request_user(self.request).id, conversation_id=conversation_id
        )
        response = self._render([conversation])
        response.status_code = code
        return response

    # --- The caller's conversations --------------------------------------------------

    @extend_schema(responses={200: s.ConversationSerializer(many=True)})
    def list(self, request: Request) -> Response:
        return self._render(
            selectors.conversation_page_for_user(user_id=request_user(request).id), many=True
        )

    @extend_schema(responses={200: s.ConversationSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(id_or_404(pk, selectors.NOT_FOUND))

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="ConversationCreateInput",
            serializers={
                Conversation.Type.DIRECT.value: s.DirectConversationCreateInputSerializer,
                Conversation.Type.GROUP.value: s.GroupConversationCreateInputSerializer,
            },
            resource_type_field_name="type",
        ),
        responses={
            201: s.ConversationSerializer,
            200: OpenApiResponse(s.ConversationSerializer, "the existing direct chat"),
            400: invalid(
                "a direct chat with yourself; `max_participants` below the members named "
                "(with you)."
            ),
            403: error("Not your friend, or either of you blocks the other."),
            404: error("No active user with that id (`not_found`)."),
        },
    )
    def create(self, request: Request) -> Response:
        data = api.valid_input(s.ConversationCreateInputSerializer, request.data)
        if data["type"] == Conversation.Type.DIRECT:
            ids = data["member_user_ids"]
            others = [uid for uid in dict.fromkeys(ids) if uid != request_user(request).id]
            if len(others) != 1:
                detail = "A direct chat takes exactly one other user."
                if ids and not others:
                    detail = "You cannot start a direct chat with yourself."
                return Response({"member_user_ids": [detail]}, status=status.HTTP_400_BAD_REQUEST)
            conversation, created = services.conversation_direct_get_or_create(
                actor=request_user(request), other_user_id=others[0]
            )
        else:
            conversation = services.conversation_group_create(
                actor=request_user(request),
                name=data.get("name", ""),
                member_user_ids=data["member_user_ids"],
                description=data.get("description", ""),
                is_public=data["is_public"],
                max_participants=data.get("max_participants"),
            )
            created = True
        return self._detail(
            conversation.id, status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(
        request=s.ConversationUpdateInputSerializer,
        responses={
            200: s.ConversationSerializer,
            400: invalid(
                "a direct chat: it always links the same two people; `max_participants` "
                "below the current members."
            ),
        },
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        conversation_id = id_or_404(pk, selectors.NOT_FOUND)
        data = self._input(s.ConversationUpdateInputSerializer, request.data, conversation_id)
        services.conversation_update(
            actor=request_user(request), conversation_id=conversation_id, **data
        )
        return self._detail(conversation_id)

    @extend_schema(responses={204: None, 400: DIRECT_CHAT_FIXED})
    def destroy(self, request: Request, pk: str) -> Response:
        services.conversation_delete(
            actor=request_user(request), conversation_id=id_or_404(pk, selectors.NOT_FOUND)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- Members -----------------------------------------------------------------------

    @extend_schema(
        request=s.MembersAddInputSerializer,
        responses={200: s.ConversationSerializer, 400: DIRECT_CHAT_FIXED, 409: CONVERSATION_FULL},
    )
    @action(detail=True, methods=["post"], url_path="members")
    def members(self, request: Request, pk: str) -> Response:
        conversation_id = id_or_404(pk, selectors.NOT_FOUND)
        data = self._input(s.MembersAddInputSerializer, request.data, conversation_id)
        services.conversation_members_add(
            actor=request_user(request), conversation_id=conversation_id, user_ids=data["user_ids"]
        )
        return self._detail(conversation_id)

    @extend_schema(
        request=None,
        responses={204: None, 400: DIRECT_CHAT_FIXED},
        parameters=[OpenApiParameter("user_id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["delete"], url_path=rf"members/(?P<user_id>{ID_PATTERN})")
    def member_remove(self, request: Request, pk: str, user_id: str) -> Response:
        services.conversation_member_remove(
            actor=request_user(request),
            conversation_id=id_or_404(pk, selectors.NOT_FOUND),
            user_id=id_or_404(user_id, services.NOT_A_MEMBER),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=a.MemberRoleInputSerializer,
        responses={
            200: s.ConversationSerializer,
            400: invalid("a direct chat; your own role (hand ownership over instead)."),
            403: error("Only the owner changes roles (`permission_denied`)."),
        },
        parameters=[OpenApiParameter("user_id", int, OpenApiParameter.PATH)],
    )
    @member_remove.mapping.patch
    def member_role(self, request: Request, pk: str, user_id: str) -> Response:
        """The owner makes a member an admin, or an admin a member."""
        conversation_id = id_or_404(pk, selectors.NOT_FOUND)
        data = self._input(a.MemberRoleInputSerializer, request.data, conversation_id)
        services.conversation_member_role_set(
            actor=request_user(request),
            conversation_id=conversation_id,
            user_id=id_or_404(user_id, services.NOT_A_MEMBER),
            role=data["role"],
        )
        return self._detail(conversation_id)

    @extend_schema(
        request=a.OwnershipTransferInputSerializer,
        responses={
            200: s.ConversationSerializer,
            400: invalid("a direct chat; yourself."),
            403: error("Only the owner hands ownership over (`permission_denied`)."),
        },
    )
    @action(detail=True, methods=["post"], url_path="transfer-ownership")
    def transfer_ownership(self, request: Request, pk: str) -> Response:
        """The owner makes another member the owner and stays on as an admin."""
        conversation_id = id_or_404(pk, selectors.NOT_FOUND)
        data = self._input(a.OwnershipTransferInputSerializer, request.data, conversation_id)
        services.conversation_ownership_transfer(
            actor=request_user(request), conversation_id=conversation_id, user_id=data["user_id"]
        )
        return self._detail(conversation_id)

    @extend_schema(
        request=s.NotificationSettingsInputSerializer,
        responses={200: s.NotificationSettingsSerializer},
    )
    @action(detail=True, methods=["get", "put"], url_path="notifications")
    def notifications(self, request: Request, pk: str) -> Response:
        """Your alert settings of this conversation: level and mute (yours alone)."""
        conversation_id = id_or_404(pk, selectors.NOT_FOUND)
        user = request_user(request)
        if request.method == "GET":
            member = selectors.membership_get(user_id=user.id, conversation_id=conversation_id)
        else:
            data = self._input(s.NotificationSettingsInputSerializer, request.data, conversation_id)
            member = services.conversation_notifications_set(
                actor=user,
                conversation_id=conversation_id,
                level=data.get("level", services.UNCHANGED),
                muted_until=data.get("muted_until", services.UNCHANGED),
            )
        body = services.notification_settings(member)
        return Response(s.NotificationSettingsSerializer(body).data)

    @extend_schema(request=None, responses={204: None, 400: DIRECT_CHAT_FIXED})
    @action(detail=True, methods=["post"])
    def leave(self, request: Request, pk: str) -> Response:
        services.conversation_leave(
            actor=request_user(request), conversation_id=id_or_404(pk, selectors.NOT_FOUND)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- Public rooms ------------------------------------------------------------------

    @extend_schema(
        parameters=[s.PublicRoomQuerySerializer, *PAGINATION_HEADERS],
        responses={200: s.PublicRoomSerializer(many=True)},
    )
    @action(detail=False, methods=["get"])
    def public(self, request: Request) -> Response:
        query = api.valid_input(s.PublicRoomQuerySerializer, request.query_params)
        pages = api.LimitOffsetPagination(
            limit=query["limit"],
            offset=query["offset"],
            params={"search": query["search"]} if query["search"] else None,
        )
        page = pages.paginate_queryset(selectors.public_room_list(search=query["search"]), request)
        return pages.get_paginated_response(s.PublicRoomSerializer(page, many=True).data)

    @extend_schema(request=None, responses={200: s.ConversationSerializer, 409: CONVERSATION_FULL})
    @action(detail=True, methods=["post"])
    def join(self, request: Request, pk: str) -> Response:
        conversation, _joined = services.conversation_join(
            actor=request_user(request), conversation_id=id_or_404(pk, selectors.NOT_FOUND)
        )
        return self._detail(conversation.id)


def register(router: BaseRouter) -> None:
    """Add this app's viewsets to the project's one router."""
    from .group_admin import GroupAdminViewSet, InviteViewSet

    router.register("conversations", ConversationViewSet, basename="conversations")
    router.register("conversations", GroupAdminViewSet, basename="conversation-admin")
    router.register("invites", InviteViewSet, basename="invites")

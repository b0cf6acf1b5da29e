"""REST for conversations: thin views over conversations.services and .selectors.

Every route that names a conversation answers 404 to a non-member (the public room routes
`preview`/`join` excepted), so nobody learns that a private conversation exists.
"""

from urllib.parse import urlencode

from django.http import Http404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from chat_project.openapi import PAGINATION_HEADERS, error, invalid
from conversations import selectors, services
from conversations.models import Conversation

from . import serializers as s

MAX_ID = s.MAX_ID
PUBLIC_MAX_LIMIT = 100
DIRECT_CHAT_FIXED = invalid("a direct chat: it always links the same two people.")
CONVERSATION_FULL = error(
    "The new members would not all fit under `max_participants` (`conversation_full`)."
)


def _id(value: object) -> int:
    """A path id: anything that is not a plausible id is simply not found."""
    text = str(value)
    if not text.isascii() or not text.isdigit() or int(text) > MAX_ID or int(text) < 1:
        raise Http404(selectors.NOT_FOUND)
    return int(text)


def _valid(serializer_class: type, data: object) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ConversationViewSet(viewsets.GenericViewSet):
    """The caller's conversations; public rooms can be listed, previewed and joined."""

    serializer_class = s.ConversationSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.conversation_list_for_user(user_id=self.request.user.id)

    def _render(self, conversations: list[Conversation], **kwargs: object) -> Response:
        viewer_id = self.request.user.id
        context = {
            "viewer_id": viewer_id,
            "last_messages": s.last_messages_for(conversations, viewer_id),
            "unread_mentions": s.unread_mentions_for(
                viewer_id, None if kwargs.get("many") else [c.id for c in conversations]
            ),
            "request": self.request,
        }
        # `to_representation`, not `.data`: DRF's ReturnList points back at its serializer,
        # so a list's thousands of dicts were left to the cyclic garbage collector, whose
        # full passes were the latency tail of convlist-1k (docs/benchmarks.md).
        serializer = s.ConversationSerializer(context=context)
        if kwargs.pop("many", False):
            data: object = [serializer.to_representation(c) for c in conversations]
        else:
            data = serializer.to_representation(conversations[0])
        return Response(data, **kwargs)

    def _detail(self, conversation_id: int, **kwargs: object) -> Response:
        conversation = selectors.conversation_detail_for_user(
            user_id=self.request.user.id, conversation_id=conversation_id
        )
        return self._render([conversation], **kwargs)

    # --- The caller's conversations --------------------------------------------------

    @extend_schema(responses={200: s.ConversationSerializer(many=True)})
    def list(self, request: Request) -> Response:
        return self._render(
            selectors.conversation_page_for_user(user_id=request.user.id), many=True
        )

    @extend_schema(responses={200: s.ConversationSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(_id(pk))

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
        data = _valid(s.ConversationCreateInputSerializer, request.data)
        if data["type"] == Conversation.Type.DIRECT:
            ids = data["member_user_ids"]
            others = [uid for uid in dict.fromkeys(ids) if uid != request.user.id]
            if len(others) != 1:
                detail = "A direct chat takes exactly one other user."
                if ids and not others:
                    detail = "You cannot start a direct chat with yourself."
                return Response({"member_user_ids": [detail]}, status=status.HTTP_400_BAD_REQUEST)
            conversation, created = services.conversation_direct_get_or_create(
                actor=request.user, other_user_id=others[0]
            )
        else:
            conversation = services.conversation_group_create(
                actor=request.user,
                name=data.get("name", ""),
                member_user_ids=data["member_user_ids"],
                description=data.get("description", ""),
                is_public=data["is_public"],
                max_participants=data.get("max_participants"),
            )
            created = True
        return self._detail(
            conversation.id, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
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
        conversation_id = _id(pk)
        selectors.membership_get(user_id=request.user.id, conversation_id=conversation_id)
        data = _valid(s.ConversationUpdateInputSerializer, request.data)
        services.conversation_update(actor=request.user, conversation_id=conversation_id, **data)
        return self._detail(conversation_id)

    @extend_schema(responses={204: None, 400: DIRECT_CHAT_FIXED})
    def destroy(self, request: Request, pk: str) -> Response:
        services.conversation_delete(actor=request.user, conversation_id=_id(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- Members -----------------------------------------------------------------------

    @extend_schema(
        request=s.MembersAddInputSerializer,
        responses={200: s.ConversationSerializer, 400: DIRECT_CHAT_FIXED, 409: CONVERSATION_FULL},
    )
    @action(detail=True, methods=["post"], url_path="members")
    def members(self, request: Request, pk: str) -> Response:
        conversation_id = _id(pk)
        selectors.membership_get(user_id=request.user.id, conversation_id=conversation_id)
        data = _valid(s.MembersAddInputSerializer, request.data)
        services.conversation_members_add(
            actor=request.user, conversation_id=conversation_id, user_ids=data["user_ids"]
        )
        return self._detail(conversation_id)

    @extend_schema(
        request=None,
        responses={204: None, 400: DIRECT_CHAT_FIXED},
        parameters=[OpenApiParameter("user_id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["delete"], url_path=r"members/(?P<user_id>[^/.]+)")
    def member_remove(self, request: Request, pk: str, user_id: str) -> Response:
        conversation_id = _id(pk)
        selectors.membership_get(user_id=request.user.id, conversation_id=conversation_id)
        try:
            target = _id(user_id)
        except Http404 as exc:
            raise Http404("This user is not a member of the conversation.") from exc
        services.conversation_member_remove(
            actor=request.user, conversation_id=conversation_id, user_id=target
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={204: None, 400: DIRECT_CHAT_FIXED})
    @action(detail=True, methods=["post"])
    def leave(self, request: Request, pk: str) -> Response:
        services.conversation_leave(actor=request.user, conversation_id=_id(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=s.MarkReadInputSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        from messaging import services as messaging_services  # the layer above ours

        conversation_id = _id(pk)
        selectors.membership_get(user_id=request.user.id, conversation_id=conversation_id)
        data = _valid(s.MarkReadInputSerializer, request.data)
        messaging_services.message_mark_read(
            actor=request.user, conversation_id=conversation_id, message_id=data["message_id"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- Public rooms ------------------------------------------------------------------

    @extend_schema(
        parameters=[s.PublicRoomQuerySerializer, *PAGINATION_HEADERS],
        responses={200: s.PublicRoomSerializer(many=True)},
    )
    @action(detail=False, methods=["get"])
    def public(self, request: Request) -> Response:
        query = _valid(s.PublicRoomQuerySerializer, request.query_params)
        limit, offset = min(query["limit"], PUBLIC_MAX_LIMIT), query["offset"]
        rooms = selectors.public_room_list(search=query["search"])
        total = rooms.count()
        page = list(rooms[offset : offset + limit])
        response = Response(s.PublicRoomSerializer(page, many=True).data)
        response["X-Total-Count"] = str(total)
        links = []
        base = request.build_absolute_uri(request.path)

        def url(new_offset: int) -> str:
            params = {"limit": limit, "offset": new_offset}
            if query["search"]:
                params["search"] = query["search"]
            return f"{base}?{urlencode(params)}"

        if offset + limit < total:
            links.append(f'<{url(offset + limit)}>; rel="next"')
        if offset > 0:
            links.append(f'<{url(max(0, offset - limit))}>; rel="prev"')
        links.append(f'<{url(0)}>; rel="first"')
        last_offset = max(0, (total - 1) // limit * limit) if total else 0
        links.append(f'<{url(last_offset)}>; rel="last"')
        response["Link"] = ", ".join(links)
        return response

    @extend_schema(responses={200: s.PublicRoomPreviewSerializer})
    @action(detail=True, methods=["get"])
    def preview(self, request: Request, pk: str) -> Response:
        room = selectors.public_room_get(conversation_id=_id(pk))
        return Response(
            s.PublicRoomPreviewSerializer(room, context={"viewer_id": request.user.id}).data
        )

    @extend_schema(request=None, responses={200: s.ConversationSerializer, 409: CONVERSATION_FULL})
    @action(detail=True, methods=["post"])
    def join(self, request: Request, pk: str) -> Response:
        conversation, _joined = services.conversation_join(
            actor=request.user, conversation_id=_id(pk)
        )
        return self._detail(conversation.id)


def register(router: object) -> None:
    """Add this app's viewsets to the project's one router."""
    router.register("conversations", ConversationViewSet, basename="conversations")

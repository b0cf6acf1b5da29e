"""Friends REST API: thin viewsets over friends' services and selectors."""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from accounts.models import User
from accounts.request_user import request_user
from chat_project import api, realtime
from chat_project.ids import id_or_404
from chat_project.openapi import error, invalid
from friends import selectors, services
from friends import status as status_services
from friends.models import Block

from . import serializers as s

REQUEST_SENT = "Friend request sent successfully"
REQUEST_ACCEPTED = "Friend request accepted"
REQUEST_REJECTED = "Friend request rejected"

USER_ID = OpenApiParameter("user_id", int, OpenApiParameter.PATH, description="A user's id.")
REQUEST_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="A request's id.")


class FriendViewSet(api.ViewSet):
    """The caller's friends: list (with presence), send a request, unfriend."""

    serializer_class = s.FriendSerializer
    lookup_url_kwarg = "user_id"

    def get_queryset(self) -> QuerySet:
        return selectors.friend_list_for_user(user=request_user(self.request))

    @extend_schema(responses={200: s.FriendSerializer(many=True)})
    def list(self, request: Request) -> Response:
        friends = list(self.get_queryset())
        # One presence lookup for the whole list, never one per friend.
        ids = [friend.pk for friend in friends]
        online = realtime.online_user_ids(ids)
        # The selector lists accepted friends only: each of them may see the email.
        context = {
            "viewer_id": request_user(request).pk,
            "friend_ids": set(ids),
            "online_ids": online,
        }
        return Response(s.FriendSerializer(friends, many=True, context=context).data)

    @extend_schema(parameters=[USER_ID], responses={204: None, 404: error("Not friends.")})
    def destroy(self, request: Request, user_id: str) -> Response:
        services.friendship_remove(
            actor=request_user(request), user_id=id_or_404(user_id, selectors.USER_NOT_FOUND)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=s.FriendRequestInputSerializer,
        responses={
            201: s.FriendRequestSentSerializer,
            200: s.FriendRequestSentSerializer,
            400: invalid("yourself; a bot (bots do not have friends)."),
            403: error("Either of you blocks the other (`permission_denied`)."),
            404: error("No active user has that username (`not_found`)."),
            409: error("Already friends (`already_friends`) or already asked (`request_pending`)."),
        },
        description="201 with a new request; 200 when it accepted the other user's request.",
    )
    @action(detail=False, methods=["post"], url_path="request")
    def send_request(self, request: Request) -> Response:
        data = api.valid_input(s.FriendRequestInputSerializer, request.data)
        outcome = services.friend_request_send(
            actor=request_user(request), username=data["username"]
        )
        body = {
            "message": REQUEST_ACCEPTED if outcome.accepted else REQUEST_SENT,
            "request": s.FriendRequestSerializer(outcome.request, context=_viewer(request)).data,
        }
        code = status.HTTP_200_OK if outcome.accepted else status.HTTP_201_CREATED
        return Response(body, status=code)


class FriendRequestViewSet(api.ViewSet):
    """Pending requests: list by direction, accept/reject (receiver), cancel (requester)."""

    serializer_class = s.FriendRequestSerializer

    def get_queryset(self) -> QuerySet:
        direction = self.request.query_params.get("direction", selectors.INCOMING)
        return selectors.request_list_for_user(user=request_user(self.request), direction=direction)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "direction", str, enum=list(selectors.DIRECTIONS), default=selectors.INCOMING
            )
        ],
        responses={200: s.FriendRequestSerializer(many=True)},
    )
    def list(self, request: Request) -> Response:
        requests = self.get_queryset()
        return Response(
            s.FriendRequestSerializer(requests, many=True, context=_viewer(request)).data
        )

    @extend_schema(parameters=[REQUEST_ID], responses={204: None})
    def destroy(self, request: Request, pk: str) -> Response:
        services.friend_request_cancel(
            actor=request_user(request), request_id=id_or_404(pk, selectors.REQUEST_NOT_FOUND)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[REQUEST_ID], request=None, responses={200: s.StatusMessageSerializer}
    )
    @action(detail=True, methods=["put", "post"])
    def accept(self, request: Request, pk: str) -> Response:
        services.friend_request_accept(
            actor=request_user(request), request_id=id_or_404(pk, selectors.REQUEST_NOT_FOUND)
        )
        return Response({"message": REQUEST_ACCEPTED})

    @extend_schema(
        parameters=[REQUEST_ID], request=None, responses={200: s.StatusMessageSerializer}
    )
    @action(detail=True, methods=["put", "post"])
    def reject(self, request: Request, pk: str) -> Response:
        services.friend_request_reject(
            actor=request_user(request), request_id=id_or_404(pk, selectors.REQUEST_NOT_FOUND)
        )
        return Response({"message": REQUEST_REJECTED})


class UserBlockViewSet(api.ViewSet):
    """`/api/users/{id}/block`: detail routes only (accounts owns the `users` list)."""

    serializer_class = s.BlockSerializer
    queryset = api.schema_only(Block)
    lookup_url_kwarg = "user_id"

    @extend_schema(
        methods=["POST"],
        parameters=[USER_ID],
        request=None,
        responses={201: s.BlockSerializer, 200: s.BlockSerializer, 400: invalid("yourself.")},
        description="201 when the block is new, 200 when the user was already blocked.",
    )
    @extend_schema(methods=["DELETE"], parameters=[USER_ID], responses={204: None})
    @action(detail=True, methods=["post", "delete"])
    def block(self, request: Request, user_id: str) -> Response:
        if request.method == "DELETE":
            services.user_unblock(
                actor=request_user(request), user_id=id_or_404(user_id, selectors.USER_NOT_FOUND)
            )
            return Response(status=status.HTTP_204_NO_CONTENT)
        block, created = services.user_block(
            actor=request_user(request), user_id=id_or_404(user_id, selectors.USER_NOT_FOUND)
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(s.BlockSerializer(block).data, status=code)


class UserProfileViewSet(api.ViewSet):
    """`GET /api/users/{id}`: one person as the caller sees them (the web UI's profile
    card). accounts owns the `users` list; only friends knows what the two are to each
    other, so the REST layer composes here."""

    serializer_class = s.UserProfileSerializer
    lookup_url_kwarg = "user_id"
    queryset = api.schema_only(User)

    @extend_schema(
        parameters=[USER_ID],
        responses={
            200: s.UserProfileSerializer,
            404: error("No active user has that id (`not_found`)."),
        },
    )
    def retrieve(self, request: Request, user_id: str) -> Response:
        user, relationship = selectors.user_profile_get(
            viewer_id=request_user(request).pk,
            user_id=id_or_404(user_id, selectors.USER_NOT_FOUND),
        )
        # Presence is for friends only (a friend is never blocked: a block ends it).
        is_online = realtime.is_online(user.pk) if relationship.is_friend else None
        context = {"relationship": relationship, "is_online": is_online}
        return Response(s.UserProfileSerializer(user, context=context).data)


class BlockViewSet(mixins.ListModelMixin, api.ViewSet):
    """`GET /api/blocks`: the users the caller blocks, newest first."""

    serializer_class = s.BlockSerializer

    def get_queryset(self) -> QuerySet:
        return selectors.block_list_for_user(user=request_user(self.request))


def _viewer(request: Request) -> dict:
    """Serializer context naming who the representation is for (emails depend on it)."""
    return {"viewer_id": request_user(request).pk}


class UserStatusViewSet(api.ViewSet):
    """`/api/users/me/status`: your status (online / away / dnd / invisible)."""

    serializer_class = s.OwnStatusSerializer
    queryset = api.schema_only(User)

    @extend_schema(request=s.StatusInputSerializer, responses={200: s.OwnStatusSerializer})
    @action(detail=False, methods=["get", "put"], url_path="me/status")
    def status(self, request: Request) -> Response:
        user = request_user(request)
        if request.method == "PUT":
            data = api.valid_input(s.StatusInputSerializer, request.data)
            user = status_services.user_status_set(
                actor=user,
                status=data.get("status", status_services.UNCHANGED),
                idle=data.get("idle", status_services.UNCHANGED),
            )
        else:
            user = User.objects.get(pk=user.pk)
        return Response(s.OwnStatusSerializer(status_services.own_status(user)).data)


def register(router: BaseRouter) -> None:
    """Add this app's viewsets to the project's one router.

    `friends/requests` goes first so its routes win over `friends/{user_id}`.
    """
    router.register("friends/requests", FriendRequestViewSet, basename="friend-requests")
    router.register("friends", FriendViewSet, basename="friends")
    router.register("users", UserStatusViewSet, basename="user-status")
    router.register("users", UserBlockViewSet, basename="user-blocks")
    router.register("users", UserProfileViewSet, basename="user-profiles")
    router.register("blocks", BlockViewSet, basename="blocks")

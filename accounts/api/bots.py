"""REST for bot accounts and their API tokens (`/api/bots`): a person makes bots, gives
each tokens and revokes them; the bot then calls the API with `Authorization: Bot <token>`.
"""

import re

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts import selectors, services
from accounts.models import ApiToken, User, username_validator
from accounts.request_user import request_user
from chat_project import api
from chat_project.ids import ID_PATTERN, id_or_404
from chat_project.inputs import StrictJSONInput
from chat_project.openapi import document, error, invalid


class BotSerializer(serializers.ModelSerializer):
    owner_id = serializers.IntegerField(source="bot_owner_id", read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "is_bot", "owner_id", "date_joined"]
        read_only_fields = fields


class BotCreateInputSerializer(StrictJSONInput):
    username = document(
        serializers.CharField(max_length=64),
        pattern=re.compile(username_validator.regex).pattern,
        minLength=3,
        maxLength=32,
        description="3-32 letters, digits, `_`, `.` or `-`; unique whatever the case.",
    )
    display_name = serializers.CharField(max_length=64, required=False, default="")


class ApiTokenSerializer(serializers.ModelSerializer):
    prefix = serializers.CharField(read_only=True, help_text="The token's first characters.")

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at"]
        read_only_fields = fields


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True,
        help_text="Send it as `Authorization: Bot <token>`. Shown this once; it does not "
        "expire: revoke it when it leaks or is no longer used.",
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]
        read_only_fields = fields


class ApiTokenCreateInputSerializer(StrictJSONInput):
    name = serializers.CharField(
        max_length=64, required=False, default="", allow_blank=True, help_text="A label."
    )


BOT_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The bot's user id.")


class BotViewSet(api.ViewSet):
    """Your bots and their tokens."""

    queryset = api.schema_only(User)
    serializer_class = BotSerializer

    @extend_schema(
        summary="List your bots",
        description="The bot accounts you made (not webhooks' bots), oldest first.",
        responses={200: BotSerializer(many=True)},
    )
    def list(self, request: Request) -> Response:
        bots = selectors.bot_list_for_owner(owner=request_user(request))
        return Response(BotSerializer(bots, many=True).data)

    @extend_schema(
        summary="Create a bot",
        description="A bot account that you own. It cannot log in; give it a token "
        "(`POST /api/bots/{id}/tokens`) and add it to your groups as you add friends.",
        request=BotCreateInputSerializer,
        responses={
            201: BotSerializer,
            400: invalid("a username another account has; 20 bots already."),
            403: error("A bot cannot make bots."),
        },
    )
    def create(self, request: Request) -> Response:
        data = api.valid_input(BotCreateInputSerializer, request.data)
        bot = services.bot_create(actor=request_user(request), **data)
        return Response(BotSerializer(bot).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Delete a bot",
        description="Deactivates the bot: its tokens stop working and its sockets close; "
        "its messages stay.",
        request=None,
        responses={204: None},
        parameters=[BOT_ID],
    )
    def destroy(self, request: Request, pk: str) -> Response:
        services.bot_delete(
            actor=request_user(request), bot_id=id_or_404(pk, services.BOT_NOT_FOUND)
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"],
        summary="List a bot's tokens",
        description="Its tokens not revoked, newest first (never the secret).",
        request=None,
        responses={200: ApiTokenSerializer(many=True)},
        parameters=[BOT_ID],
    )
    @extend_schema(
        methods=["POST"],
        summary="Create a bot token",
        description="A new API token for the bot. The answer's `token` is shown once.",
        request=ApiTokenCreateInputSerializer,
        responses={201: ApiTokenCreatedSerializer, 400: invalid("a bot with 10 tokens.")},
        parameters=[BOT_ID],
    )
    @action(detail=True, methods=["get", "post"])
    def tokens(self, request: Request, pk: str) -> Response:
        actor = request_user(request)
        bot_id = id_or_404(pk, services.BOT_NOT_FOUND)
        if request.method == "GET":
            bot = services.bot_get_managed(actor=actor, bot_id=bot_id)
            rows = selectors.bot_token_list(bot=bot)
            return Response(ApiTokenSerializer(rows, many=True).data)
        data = api.valid_input(ApiTokenCreateInputSerializer, request.data)
        token, raw = services.bot_token_create(actor=actor, bot_id=bot_id, name=data["name"])
        body = ApiTokenSerializer(token).data
        body["token"] = raw
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revoke a bot token",
        description="The next request with it is a `401`.",
        request=None,
        responses={204: None},
        parameters=[BOT_ID, OpenApiParameter("token_id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["delete"], url_path=rf"tokens/(?P<token_id>{ID_PATTERN})")
    def token_revoke(self, request: Request, pk: str, token_id: str) -> Response:
        services.bot_token_revoke(
            actor=request_user(request),
            bot_id=id_or_404(pk, services.BOT_NOT_FOUND),
            token_id=id_or_404(token_id, services.TOKEN_NOT_FOUND),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

"""REST for incoming webhooks: a group's admins list, make and revoke them
(`/api/conversations/{id}/webhooks`), and anyone holding a URL posts to it
(`POST /api/hooks/{secret}`, no login: the secret is the credential).
"""

from functools import partial

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.request_user import request_user
from chat_project import api
from chat_project.ids import ID_PATTERN, id_or_404
from chat_project.inputs import StrictJSONInput
from chat_project.openapi import document, error, invalid
from chat_project.parsers import JSONParser
from conversations.selectors import NOT_FOUND
from messaging import selectors, services
from messaging.models import Webhook

from .serializers import MessageSerializer, message_representation


class WebhookBotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()


class WebhookSerializer(serializers.ModelSerializer):
    """A webhook as its group's admins see it: never the secret."""

    conversation_id = serializers.IntegerField(read_only=True)
    bot = WebhookBotSerializer(read_only=True)
    created_by_id = serializers.IntegerField(read_only=True, allow_null=True)
    prefix = serializers.CharField(
        read_only=True, help_text="The secret's first characters, to tell URLs apart."
    )

    class Meta:
        model = Webhook
        fields = [
            "id",
            "conversation_id",
            "name",
            "bot",
            "prefix",
            "created_by_id",
            "created_at",
            "last_used_at",
        ]
        read_only_fields = fields


class WebhookCreatedSerializer(WebhookSerializer):
    url = serializers.CharField(
        read_only=True,
        help_text="The URL to post to, secret included. Shown this once: keep it like a "
        "password (revoke the webhook and make another if it leaks or is lost).",
    )

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "url"]
        read_only_fields = fields


class WebhookCreateInputSerializer(StrictJSONInput):
    name = document(
        serializers.CharField(max_length=64),
        description="What the posts are shown as (the bot's display name), e.g. `CI`.",
    )


class WebhookPostInputSerializer(StrictJSONInput):
    text = document(
        serializers.CharField(trim_whitespace=False),
        maxLength=settings.MESSAGE_MAX_LENGTH,
        description="The message, Markdown as members write it (docs/api.md, Formatting); "
        "trimmed, then 1 to MESSAGE_MAX_LENGTH characters.",
    )


def webhook_url(request: Request, secret: str) -> str:
    return request.build_absolute_uri(reverse("webhook-post", kwargs={"secret": secret}))


class WebhookViewSet(api.ViewSet):
    """A group's incoming webhooks, for its admins."""

    queryset = api.schema_only(Webhook)
    serializer_class = WebhookSerializer

    @extend_schema(
        methods=["GET"],
        summary="List a group's webhooks",
        description="The webhooks not revoked, newest first. Admins of the group only.",
        request=None,
        responses={200: WebhookSerializer(many=True), 403: error("Not an admin of it.")},
    )
    @extend_schema(
        methods=["POST"],
        summary="Create an incoming webhook",
        description="A webhook and its bot, who joins the group. The answer's `url` is "
        "shown once: whoever has it posts into the group (docs/api.md, Webhooks and bots).",
        request=WebhookCreateInputSerializer,
        responses={
            201: WebhookCreatedSerializer,
            400: invalid("a direct chat; a group with 20 webhooks already."),
            403: error("Not an admin of it."),
            409: error("The group is full (`conversation_full`)."),
        },
    )
    @action(detail=True, methods=["get", "post"])
    def webhooks(self, request: Request, pk: str) -> Response:
        conversation_id = id_or_404(pk, NOT_FOUND)
        actor = request_user(request)
        if request.method == "GET":
            rows = selectors.webhook_list_for_admin(
                user_id=actor.id, conversation_id=conversation_id
            )
            return Response(WebhookSerializer(rows, many=True).data)
        data = api.valid_input(WebhookCreateInputSerializer, request.data)
        webhook, secret = services.webhook_create(
            actor=actor, conversation_id=conversation_id, name=data["name"]
        )
        body = WebhookSerializer(webhook).data
        body["url"] = webhook_url(request, secret)
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Revoke a webhook",
        description="Its URL answers 404 from now on and its bot leaves the group; the "
        "messages it posted stay. Admins of the group only.",
        request=None,
        responses={204: None, 403: error("Not an admin of it.")},
        parameters=[OpenApiParameter("webhook_id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["delete"], url_path=rf"webhooks/(?P<webhook_id>{ID_PATTERN})")
    def webhook_revoke(self, request: Request, pk: str, webhook_id: str) -> Response:
        services.webhook_revoke(
            actor=request_user(request),
            conversation_id=id_or_404(pk, NOT_FOUND),
            webhook_id=id_or_404(webhook_id, services.WEBHOOK_NOT_FOUND),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookPostView(APIView):
    """`POST /api/hooks/{secret}`: the secret in the path is the only credential."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="hooks_post",
        summary="Post through an incoming webhook",
        description="Sends `text` into the webhook's group as its bot (`sender_is_bot: "
        "true`); members receive it as an ordinary `new_message`. No login: the secret in "
        "the URL is the credential. An unknown or revoked secret is a 404. At most "
        "THROTTLE_WEBHOOK posts per webhook (default 60 a minute), and the bot's message "
        "rate, as any sender's.",
        request=WebhookPostInputSerializer,
        responses={201: MessageSerializer, 404: error("No such webhook (or it was revoked).")},
        parameters=[
            OpenApiParameter(
                "secret",
                {"type": "string", "pattern": "^whk_[A-Za-z0-9_-]{1,124}$"},
                OpenApiParameter.PATH,
                description="The webhook URL's last part.",
            )
        ],
        examples=[
            OpenApiExample(
                "A CI result",
                value={"text": "Build #412 of `main` passed :white_check_mark:"},
                request_only=True,
            )
        ],
        auth=[],
    )
    def post(self, request: Request, secret: str) -> Response:
        # A wrong secret is a 404 whatever the body.
        data = api.valid_input(
            WebhookPostInputSerializer,
            request.data,
            check_first=partial(services.webhook_get_live, secret=secret),
        )
        message = services.webhook_post(secret=secret, text=data["text"])
        return Response(message_representation(message), status=status.HTTP_201_CREATED)

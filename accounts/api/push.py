"""`/api/push`: web push for this user's browsers (docs/api.md, "Web push").

The server's public VAPID key (what `PushManager.subscribe()` needs), and the user's
subscriptions: one per browser, listed, added and removed here. What a push carries is
`messaging.push`; whether message text may travel in it is `push_previews` on
`/api/auth/me`.
"""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from accounts import push, services
from accounts.models import PushSubscription
from accounts.request_user import request_user
from chat_project import api
from chat_project.ids import id_or_404
from chat_project.inputs import StrictJSONInput
from chat_project.openapi import error, invalid


class PushKeySerializer(serializers.Serializer):
    enabled = serializers.BooleanField(help_text="False: the server has no VAPID keys.")
    public_key = serializers.CharField(
        allow_null=True, help_text="base64url, the `applicationServerKey` to subscribe with."
    )


class SubscriptionKeysInput(StrictJSONInput):
    p256dh = serializers.CharField(max_length=128)
    auth = serializers.CharField(max_length=64)


class SubscribeInput(StrictJSONInput):
    """`PushSubscription.toJSON()` as the browser gives it (`expirationTime` is ignored)."""

    endpoint = serializers.CharField(max_length=2048)
    keys = SubscriptionKeysInput()


class PushSubscriptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PushSubscription
        fields = ["id", "endpoint", "user_agent", "created_at", "last_success_at"]
        read_only_fields = fields


def web_session_key(request: Request) -> str | None:
    """The session of a web UI request (session authentication), None for a token client."""
    if isinstance(request.successful_authenticator, SessionAuthentication):
        return request.session.session_key
    return None


class PushViewSet(api.ViewSet):
    """The server's push configuration."""

    serializer_class = PushKeySerializer

    @extend_schema(responses={200: PushKeySerializer})
    @action(detail=False, methods=["get"])
    def key(self, request: Request) -> Response:
        enabled = push.push_enabled()
        return Response(
            {"enabled": enabled, "public_key": settings.VAPID_PUBLIC_KEY if enabled else None}
        )


class PushSubscriptionViewSet(api.ViewSet):
    """The caller's browsers that receive web push, newest first."""

    serializer_class = PushSubscriptionSerializer
    queryset = api.schema_only(PushSubscription)

    @extend_schema(responses={200: PushSubscriptionSerializer(many=True)})
    def list(self, request: Request) -> Response:
        rows = PushSubscription.objects.filter(user=request_user(request))
        return Response(PushSubscriptionSerializer(rows, many=True).data)

    @extend_schema(
        request=SubscribeInput,
        responses={
            200: PushSubscriptionSerializer,
            201: PushSubscriptionSerializer,
            400: invalid(
                "an endpoint that is not a known push service (`PUSH_ENDPOINT_HOSTS`, https); "
                "keys that are not a P-256 public key and a 16-byte secret."
            ),
            409: error("Push is not configured on this server (`push_disabled`)."),
        },
    )
    def create(self, request: Request) -> Response:
        data = api.valid_input(SubscribeInput, request.data)
        subscription, created = services.push_subscribe(
            user=request_user(request),
            endpoint=data["endpoint"],
            p256dh=data["keys"]["p256dh"],
            auth=data["keys"]["auth"],
            user_agent=request.headers.get("User-Agent", ""),
            session_key=web_session_key(request),
        )
        return Response(
            PushSubscriptionSerializer(subscription).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(responses={204: None, 404: error("Not one of your subscriptions.")})
    def destroy(self, request: Request, pk: str) -> Response:
        services.push_unsubscribe(
            user=request_user(request),
            subscription_id=id_or_404(pk, services.PUSH_SUBSCRIPTION_NOT_FOUND),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router: BaseRouter) -> None:
    router.register("push/subscriptions", PushSubscriptionViewSet, basename="push-subscriptions")
    router.register("push", PushViewSet, basename="push")

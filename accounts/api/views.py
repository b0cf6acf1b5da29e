from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from accounts import email_address, password_reset, selectors, services, two_factor_display
from accounts.authentication import access_token_of
from accounts.models import Notification, User
from accounts.request_user import request_user
from chat_project import api
from chat_project.client_ip import client_ip
from chat_project.exceptions import Conflict
from chat_project.ids import id_or_404
from chat_project.openapi import PAGINATION_HEADERS, error, invalid

from . import push
from . import serializers as s
from .bots import BotViewSet
from .throttles import LoginIPThrottle, PasswordResetThrottle, RegisterThrottle

#: The actions of anyone: no login, and no authentication at all, so that a stale
#: Authorization header cannot make them fail.
PUBLIC: dict[str, Any] = {"permission_classes": [AllowAny], "authentication_classes": []}

RESET_SENT = "If an account has this address, a link to reset its password is on its way."

TOKEN_NOT_VALID = error(
    "The refresh token is invalid, expired, revoked or an access token (`token_not_valid`)."
)


class AuthViewSet(api.ViewSet):
    """Register, log in, rotate and revoke tokens, profile, password, WebSocket tickets."""

    serializer_class = s.MeSerializer

    def get_authenticate_header(self, request: Request) -> str:
        # Keeps failed logins a 401 (DRF turns 401 into 403 without this header).
        return 'Bearer realm="api"'

    @extend_schema(
        request=s.RegisterInputSerializer,
        responses={
            201: s.UserCreatedSerializer,
            400: invalid(
                "a username or an email another account has; a password Django's validators "
                "refuse (too common, too similar to the username or the email)."
            ),
        },
    )
    @action(detail=False, methods=["post"], throttle_classes=[RegisterThrottle], **PUBLIC)
    def register(self, request: Request) -> Response:
        data = api.valid_input(s.RegisterInputSerializer, request.data)
        user = services.user_register(**data, site_url=request.build_absolute_uri("/"))
        return Response(s.UserCreatedSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.EmailConfirmInputSerializer,
        responses={
            200: s.UserCreatedSerializer,
            400: invalid(
                "a token that is not a mailed link, or an expired or outdated one; an "
                "address another account confirmed meanwhile."
            ),
        },
    )
    @action(detail=False, methods=["post"], url_path="email/confirm", **PUBLIC)
    def email_confirm(self, request: Request) -> Response:
        data = api.valid_input(s.EmailConfirmInputSerializer, request.data)
        user = email_address.email_confirm(token=data["token"])
        return Response(s.UserCreatedSerializer(user).data)

    @extend_schema(
        request=s.LoginInputSerializer,
        responses={
            200: s.TokenPairSerializer,
            400: invalid(
                "`otp` missing or not valid for an account with two-factor sign-in on "
                "(asked only once the password is right)."
            ),
            401: error(
                "Wrong username or password (`invalid_credentials`), or the right password "
                "of a disabled account (`account_disabled`)."
            ),
        },
    )
    # Per account as well: accounts.login_guard, in the service.
    @action(detail=False, methods=["post"], throttle_classes=[LoginIPThrottle], **PUBLIC)
    def login(self, request: Request) -> Response:
        data = api.valid_input(s.LoginInputSerializer, request.data)
        return Response(services.auth_login(**data, client_ip=client_ip(request)))

    @extend_schema(
        request=s.RefreshInputSerializer,
        responses={200: s.TokenPairSerializer, 401: TOKEN_NOT_VALID},
    )
    @action(detail=False, methods=["post"], **PUBLIC)
    def refresh(self, request: Request) -> Response:
        data = api.valid_input(s.RefreshInputSerializer, request.data)
        return Response(services.token_refresh(refresh_token=data["refresh_token"]))

    @extend_schema(request=s.RefreshInputSerializer, responses={204: None, 401: TOKEN_NOT_VALID})
    @action(detail=False, methods=["post"], **PUBLIC)
    def logout(self, request: Request) -> Response:
        data = api.valid_input(s.RefreshInputSerializer, request.data)
        access = access_token_of(request.META.get("HTTP_AUTHORIZATION", ""))
        services.token_revoke(refresh_token=data["refresh_token"], access_token=access)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], responses={200: s.MeSerializer})
    @extend_schema(
        methods=["PATCH"],
        request=s.ProfileUpdateInputSerializer,
        responses={200: s.MeSerializer, 400: invalid("an email another account has.")},
    )
    @action(detail=False, methods=["get", "patch"])
    def me(self, request: Request) -> Response:
        if request.method == "PATCH":
            data = api.valid_input(s.ProfileUpdateInputSerializer, request.data)
            site_url = request.build_absolute_uri("/")
            services.user_profile_update(user=request_user(request), site_url=site_url, **data)
        return Response(s.MeSerializer(request_user(request)).data)

    @extend_schema(
        request=s.PasswordChangeInputSerializer,
        responses={
            204: None,
            400: invalid(
                "a wrong `old_password`; a `new_password` Django's validators refuse (too "
                "common, too similar to the username or the email)."
            ),
        },
    )
    @action(detail=False, methods=["post"])
    def password(self, request: Request) -> Response:
        data = api.valid_input(s.PasswordChangeInputSerializer, request.data)
        services.user_password_change(user=request_user(request), **data)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=s.PasswordResetInputSerializer,
        responses={202: s.DetailSerializer},
        description="Mail a reset link to the account with this address, if there is one. "
        "The answer is the same whether or not an account has the address.",
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="password-reset",
        throttle_classes=[PasswordResetThrottle],
        **PUBLIC,
    )
    def password_reset(self, request: Request) -> Response:
        data = api.valid_input(s.PasswordResetInputSerializer, request.data)
        password_reset.password_reset_request(
            email=data["email"], domain=request.get_host(), use_https=request.is_secure()
        )
        return Response({"detail": RESET_SENT}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=s.PasswordResetConfirmInputSerializer,
        responses={
            204: None,
            400: invalid(
                "a `token` that is not a mailed link's, expired, or already used; a "
                "`new_password` Django's validators refuse."
            ),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="password-reset/confirm",
        throttle_classes=[PasswordResetThrottle],
        **PUBLIC,
    )
    def password_reset_confirm(self, request: Request) -> Response:
        data = api.valid_input(s.PasswordResetConfirmInputSerializer, request.data)
        password_reset.password_reset_confirm(**data)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: s.TwoFactorStatusSerializer})
    @action(detail=False, methods=["get"], url_path="two-factor")
    def two_factor(self, request: Request) -> Response:
        user = request_user(request)
        return Response(
            {
                "enabled": services.two_factor_enabled(user),
                "pending": services.pending_totp(user) is not None,
                "recovery_codes_left": services.recovery_codes_left(user),
            }
        )

    @extend_schema(
        request=None,
        responses={
            201: s.TotpEnrolmentSerializer,
            409: error("Two-factor sign-in is already on (`two_factor_enabled`)."),
        },
    )
    @action(detail=False, methods=["post"], url_path="two-factor/totp")
    def two_factor_start(self, request: Request) -> Response:
        device = services.totp_enrol_start(user=request_user(request))
        return Response(two_factor_display.enrolment(device), status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.OtpCodeInputSerializer,
        responses={
            200: s.RecoveryCodesSerializer,
            400: invalid("no set-up started; a `code` the authenticator did not make."),
        },
    )
    @action(detail=False, methods=["post"], url_path="two-factor/totp/confirm")
    def two_factor_confirm(self, request: Request) -> Response:
        data = api.valid_input(s.OtpCodeInputSerializer, request.data)
        codes = services.totp_enrol_confirm(user=request_user(request), code=data["code"])
        return Response({"recovery_codes": codes})

    @extend_schema(
        request=s.PasswordConfirmInputSerializer,
        responses={
            200: s.RecoveryCodesSerializer,
            400: invalid("a wrong `password`."),
            409: error("Two-factor sign-in is off (`two_factor_disabled`)."),
        },
    )
    @action(detail=False, methods=["post"], url_path="two-factor/recovery-codes")
    def two_factor_recovery_codes(self, request: Request) -> Response:
        data = api.valid_input(s.PasswordConfirmInputSerializer, request.data)
        user = request_user(request)
        services.check_password_confirmation(user=user, password=data["password"])
        if not services.two_factor_enabled(user):
            raise Conflict("Two-factor sign-in is off.", code="two_factor_disabled")
        return Response({"recovery_codes": services.recovery_codes_reset(user=user)})

    @extend_schema(
        request=s.PasswordConfirmInputSerializer,
        responses={204: None, 400: invalid("a wrong `password`.")},
    )
    @action(detail=False, methods=["post"], url_path="two-factor/disable")
    def two_factor_disable(self, request: Request) -> Response:
        data = api.valid_input(s.PasswordConfirmInputSerializer, request.data)
        services.two_factor_disable(user=request_user(request), password=data["password"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: s.WsTicketSerializer})
    @action(detail=False, methods=["post"], url_path="ws-ticket")
    def ws_ticket(self, request: Request) -> Response:
        return Response(services.ws_ticket_issue(user=request_user(request)))


class UserViewSet(api.ViewSet):
    """Find people to befriend: prefix search over username and display name."""

    serializer_class = s.UserPublicSerializer
    queryset = api.schema_only(User)

    @extend_schema(
        parameters=[s.UserSearchQuerySerializer],
        responses={200: s.UserPublicSerializer(many=True)},
    )
    def list(self, request: Request) -> Response:
        query = api.valid_input(s.UserSearchQuerySerializer, request.query_params)
        users = selectors.user_search(query=query["search"], exclude_user=request_user(request))
        return Response(s.UserPublicSerializer(users, many=True).data)


class NotificationViewSet(api.ViewSet):
    """The caller's notifications, newest first; mark one or all read; the unread count."""

    serializer_class = s.NotificationSerializer
    queryset = api.schema_only(Notification)

    @extend_schema(
        parameters=[s.NotificationQuerySerializer, *PAGINATION_HEADERS],
        responses={200: s.NotificationSerializer(many=True)},
    )
    def list(self, request: Request) -> Response:
        query = api.valid_input(s.NotificationQuerySerializer, request.query_params)
        pages = api.LimitOffsetPagination(
            limit=query["limit"],
            offset=query["offset"],
            params={"unread": "true"} if query["unread"] else None,
        )
        notifications = selectors.notification_list_for_user(
            user=request_user(request), unread=query["unread"]
        )
        page = pages.paginate_queryset(notifications, request)
        return pages.get_paginated_response(s.NotificationSerializer(page, many=True).data)

    @extend_schema(request=None, responses={200: s.NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str) -> Response:
        notification = services.notification_mark_read(
            actor=request_user(request),
            notification_id=id_or_404(pk, services.NOTIFICATION_NOT_FOUND),
        )
        return Response(s.NotificationSerializer(notification).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        services.notifications_mark_all_read(actor=request_user(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={200: s.UnreadCountSerializer})
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request: Request) -> Response:
        return Response(
            {"unread_count": selectors.notification_unread_count(user=request_user(request))}
        )


def register(router: BaseRouter) -> None:
    """Add this app's viewsets to the project's one router."""
    router.register("auth", AuthViewSet, basename="auth")
    router.register("users", UserViewSet, basename="users")
    router.register("notifications", NotificationViewSet, basename="notifications")
    push.register(router)
    router.register("bots", BotViewSet, basename="bots")

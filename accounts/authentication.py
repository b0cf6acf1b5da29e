"""The API's JWT authentication: simplejwt's, plus access tokens revoked at logout.

An access token is a signed claim that stays valid until it expires; logging out used to
revoke only the refresh token, so a stolen or leaked access token kept working for up to
ACCESS_TOKEN_MINUTES after the user logged out. `POST /api/auth/logout` now also puts
the access token that made the request on a denylist (the shared cache, until the token
would have expired), and every way an access token is accepted — DRF, the lean send path,
the WebSocket handshake — refuses a listed one.
"""

from __future__ import annotations

import math
import time
from typing import Any

from django.utils import timezone
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings

from chat_project.cache import process_cache

_REVOKED = "revoked-access:"


def revoke_access_token(token: Any) -> None:
    """Refuse this access token from now until it would have expired anyway."""
    jti = token.get(api_settings.JTI_CLAIM)
    remaining = float(token.get("exp", 0)) - time.time()
    if jti and remaining > 0:
        process_cache().set(f"{_REVOKED}{jti}", 1, timeout=math.ceil(remaining))


def access_token_revoked(token: Any) -> bool:
    jti = token.get(api_settings.JTI_CLAIM)
    # The process's one cache object: Django's `cache` would build one (and django-redis a
    # client) per task context, held by every open socket (docs/benchmarks.md, idle-1000).
    return bool(jti) and process_cache().get(f"{_REVOKED}{jti}") is not None


def access_token_of(authorization: str) -> Any:
    """The valid access token of an `Authorization: Bearer` header, or None (a public
    endpoint such as logout reads it without failing on a stale one)."""
    jwt = JWTAuthentication()
    raw = jwt.get_raw_token(authorization.encode("iso-8859-1")) if authorization else None
    if raw is None:
        return None
    try:
        return jwt.get_validated_token(raw)
    except InvalidToken:
        return None


def suspended_message(user: Any) -> str:
    """What a suspended user is told wherever they try (login, tokens, the API)."""
    return f"This account is suspended until {user.suspended_until:%Y-%m-%d %H:%M} UTC."


class JWTAuthentication(SimpleJWTAuthentication):
    def get_user(self, validated_token: Any) -> Any:
        """simplejwt's user, refused while suspended (the row is loaded anyway: no query)."""
        user: Any = super().get_user(validated_token)
        if user.suspended_at(timezone.now()):
            raise AuthenticationFailed(suspended_message(user), code="account_suspended")
        return user

    def get_validated_token(self, raw_token: bytes) -> Any:
        token = super().get_validated_token(raw_token)
        if access_token_revoked(token):
            raise InvalidToken(
                {"detail": "Token has been revoked (logged out).", "code": "token_not_valid"}
            )
        return token


class JWTAuthenticationScheme(SimpleJWTScheme):
    """The OpenAPI security scheme of this class: simplejwt's own (`jwtAuth`)."""

    target_class = "accounts.authentication.JWTAuthentication"


class BotTokenAuthentication(BaseAuthentication):
    """A bot's API token: `Authorization: Bot <token>` (accounts.services.bots).

    Its own keyword, not `Bearer`: the JWT class answers every `Bearer` header and would
    refuse a token that is not a JWT before this class could look at it.
    """

    keyword = "Bot"

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        from accounts.services.bots import api_token_authenticate

        parts = get_authorization_header(request).split()
        if not parts or parts[0].decode("latin-1") != self.keyword:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed("Give the token after `Bot `, nothing else.")
        user = api_token_authenticate(parts[1].decode("latin-1"))
        if user is None:
            raise AuthenticationFailed("Invalid or revoked bot token.")
        return user, None

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class BotTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.BotTokenAuthentication"
    name = "botToken"

    def get_security_definition(self, auto_schema: Any) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A bot's API token, as `Bot chatbot_...` (docs/api.md, Bots).",
        }

"""WebSocket handshake: origin check and authentication, in the order API.md gives.

1. the Django session cookie (web UI) — only when the browser sent an allowed Origin;
2. `Authorization: Bearer <access>` on the handshake (a refresh token is refused);
3. `?ticket=<ws-ticket>` (single use).

No JWT is ever read from the URL. A disallowed Origin is refused with close
code 4403 (that stops cross-site WebSocket hijacking); a handshake with no Origin
comes from a non-browser client and may authenticate by header or ticket only.
"""

from __future__ import annotations

import time
from importlib import import_module
from typing import Any, cast
from urllib.parse import parse_qs, urlparse

from channels.auth import get_user
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.middleware import BaseMiddleware
from channels.sessions import CookieMiddleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http.request import split_domain_port, validate_host
from django.utils import timezone
from django.utils.http import is_same_domain
from rest_framework.exceptions import AuthenticationFailed as DRFAuthenticationFailed
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError

from . import services
from .authentication import JWTAuthentication
from .models import User
from .tokens import access_token_lifetime

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN_ORIGIN = 4403


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return None


_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin_key(scheme: str, netloc: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) with the default port filled in, or None if unusable."""
    parsed = urlparse(f"{scheme}://{netloc}")
    try:
        port = parsed.port
    except ValueError:
        return None
    if scheme not in _DEFAULT_PORTS or not parsed.hostname:
        return None
    return scheme, parsed.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def _trusted_origin(origin: str) -> bool:
    """CSRF_TRUSTED_ORIGINS, with Django's meaning (`https://*.example.com` allowed)."""
    parsed = urlparse(origin)
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        t = urlparse(trusted)
        if t.scheme != parsed.scheme:
            continue
        if "*" in t.netloc:
            if parsed.netloc and is_same_domain(parsed.netloc, t.netloc.replace("*", "", 1)):
                return True
        elif _origin_key(t.scheme, t.netloc) == _origin_key(parsed.scheme, parsed.netloc):
            return True
    return False


def origin_allowed(origin: str, host: str | None, *, secure: bool = False) -> bool:
    """The browser's Origin must be this server as the browser reached it: the same scheme,
    host and port as the handshake's Host header (which must itself be allowed), as
    Django's CSRF check does for forms — or one of CSRF_TRUSTED_ORIGINS (a proxy in front).

    Comparing the host name alone let any port of an allowed host (another service on
    the same machine) open sockets with the user's cookie.
    """
    parsed = urlparse(origin)
    if parsed.scheme not in _DEFAULT_PORTS or not parsed.hostname:
        return False
    if _trusted_origin(origin):
        return True
    if not host:
        return False
    domain, _port = split_domain_port(host)
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = ["localhost", "127.0.0.1", "[::1]"]
    if not domain or not validate_host(domain, allowed):
        return False
    expected = _origin_key("https" if secure else "http", host)
    return expected is not None and _origin_key(parsed.scheme, parsed.netloc) == expected


@database_sync_to_async
def _user_from_bearer(raw: str) -> tuple[User, float] | None:
    """The token's user and its expiry (epoch seconds)."""
    auth = JWTAuthentication()
    try:
        token = auth.get_validated_token(raw.encode())
        return cast(User, auth.get_user(token)), float(token["exp"])
    except (InvalidToken, AuthenticationFailed, DRFAuthenticationFailed, TokenError, KeyError):
        return None  # DRF's own: a suspended user (JWTAuthentication.get_user)


@database_sync_to_async
def _user_from_ticket(ticket: str) -> User | None:
    user_id = services.ws_ticket_consume(ticket=ticket)
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None and user.suspended_at(timezone.now()):
        return None
    return user


@database_sync_to_async
def _session_expiry(session: Any) -> float:
    return session.get_expiry_date().timestamp()


async def authenticate_scope(scope: dict[str, Any]) -> tuple[Any, str | None]:
    """The user of a handshake and how they proved it (`session`, `bearer`, `ticket`).

    Also sets `scope["auth_expires_at"]` (epoch seconds): when the credential that opened
    the socket ends — the access token's expiry, the session's, or for a ticket (which
    stands in for an access token) the access-token lifetime from now. The socket is
    closed then (4401), so a socket never outlives its credential.
    """
    if scope.get("origin_checked") and "session" in scope:
        user = await get_user(scope)
        if user.is_authenticated and user.is_active:
            scope["auth_expires_at"] = await _session_expiry(scope["session"])
            return user, "session"
    authorization = _header(scope, b"authorization") or ""
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        found = await _user_from_bearer(credentials.strip())
        if found is not None:
            scope["auth_expires_at"] = found[1]
            return found[0], "bearer"
    query = parse_qs(scope.get("query_string", b"").decode("latin1"))
    ticket = (query.get("ticket") or [""])[0]
    if ticket:
        user = await _user_from_ticket(ticket)
        if user is not None:
            lifetime = access_token_lifetime().total_seconds()
            scope["auth_expires_at"] = time.time() + lifetime
            return user, "ticket"
    return AnonymousUser(), None


class RefuseConsumer(AsyncWebsocketConsumer):
    """Accept, then close with an application code the client can act on."""

    close_code = CLOSE_FORBIDDEN_ORIGIN

    async def connect(self) -> None:
        await self.accept()
        await self.close(code=self.close_code)


class WebSocketAuthMiddleware(BaseMiddleware):
    """Checks the Origin, then puts `user` and `auth_method` in the scope."""

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        origin = _header(scope, b"origin")
        secure = scope.get("scheme") in {"wss", "https"}
        if origin is not None and not origin_allowed(
            origin, _header(scope, b"host"), secure=secure
        ):
            return await RefuseConsumer.as_asgi()(scope, receive, send)
        scope = dict(scope)
        scope["origin_checked"] = origin is not None
        scope["user"], scope["auth_method"] = await authenticate_scope(scope)
        return await super().__call__(scope, receive, send)


class SessionScopeMiddleware(BaseMiddleware):
    """Puts the cookie's session in the scope, to read (it is loaded on first use).

    A socket never changes its session, so unlike Channels' `SessionMiddleware` this does
    not wrap `send`: that wrapper ran for every frame the server wrote (py-spy on
    `fanout-100`), only to find nothing to save.
    """

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        key = scope.get("cookies", {}).get(settings.SESSION_COOKIE_NAME)
        store = import_module(settings.SESSION_ENGINE).SessionStore
        return await self.inner(dict(scope, session=store(session_key=key)), receive, send)


def WebSocketAuthMiddlewareStack(inner: Any) -> Any:
    return CookieMiddleware(SessionScopeMiddleware(WebSocketAuthMiddleware(inner)))

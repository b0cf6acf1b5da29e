"""The WebSocket handshake: origin check and the three ways to authenticate."""

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.urls import path
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts import services
from accounts.ws_auth import WebSocketAuthMiddlewareStack, authenticate_scope, origin_allowed

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def access_token(user):
    return str(RefreshToken.for_user(user).access_token)


@database_sync_to_async
def refresh_token(user):
    return str(RefreshToken.for_user(user))


def scope(headers=(), query=b""):
    return {"type": "websocket", "headers": list(headers), "query_string": query}


async def test_bearer_access_token(user):
    token = await access_token(user)
    found, method = await authenticate_scope(
        scope([(b"authorization", f"Bearer {token}".encode())])
    )
    assert (found.pk, method) == (user.pk, "bearer")


async def test_bearer_refresh_token_is_refused(user):
    token = await refresh_token(user)
    found, method = await authenticate_scope(
        scope([(b"authorization", f"Bearer {token}".encode())])
    )
    assert not found.is_authenticated and method is None


async def test_garbage_bearer_is_anonymous(db):
    found, _ = await authenticate_scope(scope([(b"authorization", b"Bearer nope")]))
    assert not found.is_authenticated


async def test_ticket_is_single_use(user):
    ticket = (await database_sync_to_async(services.ws_ticket_issue)(user=user))["ticket"]
    found, method = await authenticate_scope(scope(query=f"ticket={ticket}".encode()))
    assert (found.pk, method) == (user.pk, "ticket")
    again, _ = await authenticate_scope(scope(query=f"ticket={ticket}".encode()))
    assert not again.is_authenticated


async def test_jwt_in_url_is_ignored(user):
    token = await access_token(user)
    found, _ = await authenticate_scope(scope(query=f"token={token}".encode()))
    assert not found.is_authenticated


@pytest.mark.parametrize(
    "origin,host,ok",
    [
        ("http://localhost:8000", "localhost:8000", True),
        ("https://127.0.0.1", "127.0.0.1", False),  # the server was reached over http
        ("http://127.0.0.1", "127.0.0.1", True),
        ("http://127.0.0.1:80", "127.0.0.1", True),  # the default port, written out
        ("http://127.0.0.1:6666", "127.0.0.1:8000", False),  # another port of the host
        ("http://localhost:8000", "evil.example.com:8000", False),  # Host not allowed
        ("http://evil.example.com", "localhost:8000", False),
        ("http://localhost:8000", None, False),  # no Host: only trusted origins
        ("null", "localhost:8000", False),
        ("file://", "localhost:8000", False),
    ],
)
def test_origin_allowed(origin, host, ok):
    assert origin_allowed(origin, host) is ok


def test_origin_over_tls_must_be_https(settings):
    assert origin_allowed("https://localhost", "localhost", secure=True)
    assert not origin_allowed("http://localhost", "localhost", secure=True)


def test_trusted_origins_of_a_proxy_are_allowed(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://chat.example.com", "https://*.example.org"]
    assert origin_allowed("https://chat.example.com", "10.0.0.5:8000")
    assert origin_allowed("https://team.example.org", None)
    assert not origin_allowed("http://chat.example.com", "10.0.0.5:8000")
    assert not origin_allowed("https://chat.example.com:8443", "10.0.0.5:8000")


async def test_bad_origin_is_closed_4403(db):
    async def app(scope, receive, send):  # pragma: no cover - never reached
        raise AssertionError("inner app must not run for a bad origin")

    stack = WebSocketAuthMiddlewareStack(URLRouter([path("ws/", app)]))
    communicator = WebsocketCommunicator(stack, "/ws/", headers=[(b"origin", b"http://evil.com")])
    connected, _ = await communicator.connect()
    assert connected
    output = await communicator.receive_output()
    assert output == {"type": "websocket.close", "code": 4403}
    await communicator.wait()


async def test_an_access_token_revoked_at_logout_opens_no_socket(user):
    from accounts.authentication import revoke_access_token

    token = await access_token(user)
    await database_sync_to_async(revoke_access_token)(AccessToken(token))
    found, method = await authenticate_scope(
        scope([(b"authorization", f"Bearer {token}".encode())])
    )
    assert not found.is_authenticated and method is None

"""Socket lifecycle and transport limits against the production server (uvicorn, started by
`python -m chat_project.serve` exactly as the Docker image starts it)."""

from __future__ import annotations

import asyncio
import socket
import struct
import time

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from accounts.tests.factories import UserFactory
from tests.e2e.conftest import WS_WAIT, access_token_for, open_live_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs_services]


def handshake(port: int, token: str) -> bytes:
    return (
        f"GET /ws/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n"
    ).encode()


def drop_after_upgrade(port: int, token: str, delay: float) -> None:
    """Read the 101, then vanish: a reset, no close frame (a phone losing its network)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(handshake(port, token))
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = sock.recv(4096)
            assert chunk, "connection closed before the 101"
            response += chunk
        assert response.startswith(b"HTTP/1.1 101"), response[:80]
        if delay:
            time.sleep(delay)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def test_connections_dropped_right_after_the_upgrade_are_cleaned_up(uvicorn_factory):
    server = uvicorn_factory(PRESENCE_TTL_SECONDS="600")  # no sweeper can hide a leak
    alice = UserFactory(username="alice")
    token = access_token_for(alice)
    for n in range(30):
        drop_after_upgrade(server.port, token, delay=(n % 3) * 0.01)
    deadline = time.monotonic() + 10
    health = None
    while time.monotonic() < deadline:
        health = httpx.get(f"{server.url}/health", timeout=5).json()
        if health["websocket_connections"] == 0:
            break
        time.sleep(0.2)
    assert health is not None and health["websocket_connections"] == 0, health


def test_oversized_messages_get_an_error_then_the_server_refuses_them(uvicorn_factory):
    server = uvicorn_factory(WS_MAX_FRAME_BYTES="65536")
    alice = UserFactory(username="alice")
    token = access_token_for(alice)

    async def scenario() -> None:
        ws = await open_live_socket(server, token=token)
        # A little over the limit: the consumer's error, and the socket stays usable.
        await ws.connection.send("x" * 70_000)
        error = await ws.wait_for("error")
        assert error["code"] == "frame_too_large"
        await ws.send({"type": "ping"})
        await ws.wait_for("pong")
        # Far over: the server itself refuses it (1009) instead of buffering it.
        with pytest.raises(ConnectionClosed) as closed:  # while sending, or just after
            await ws.connection.send("x" * 1_000_000)
            await asyncio.wait_for(ws.connection.recv(), WS_WAIT)
        assert closed.value.rcvd is None or closed.value.rcvd.code == 1009
        assert closed.value.sent is None or closed.value.sent.code in (1009, 1006)

    asyncio.run(scenario())

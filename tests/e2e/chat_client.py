"""A chat client that behaves over restarts as the web UI does (static/chat/lib/socket.js,
pages/chat/events.js): on close code 1012 it reconnects after a random delay under a
second, then sends again every message not acknowledged (same `client_id`) and catches
up with `after=` the messages it missed. It records what the tests judge: every frame,
every close code, and how long each reconnection took.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import ssl
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from chat_project.shutdown import CLOSE_SERVICE_RESTART

RESTART_SPREAD = 1.0  # socket.js: RESTART_SPREAD_MS


@dataclass
class ChatClient:
    name: str
    token: str
    ws_url: str
    http: httpx.AsyncClient
    conversation_id: int
    ssl_context: ssl.SSLContext | None = None
    pending: dict[str, dict[str, Any]] = field(default_factory=dict)
    acked: set[str] = field(default_factory=set)
    seqs: set[int] = field(default_factory=set)
    last_id: int = 0
    frames: list[dict[str, Any]] = field(default_factory=list)
    close_codes: list[int | None] = field(default_factory=list)
    reconnect_seconds: list[float] = field(default_factory=list)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    sent: int = 0
    _ws: ClientConnection | None = None
    _stop: bool = False

    async def run(self) -> None:
        """Stay connected until `stop()`: connect, read, reconnect as the web UI does."""
        closed_at: float | None = None
        while not self._stop:
            try:
                ws = await connect(
                    self.ws_url,
                    additional_headers={"Authorization": f"Bearer {self.token}"},
                    ssl=self.ssl_context,
                    open_timeout=10,
                )
            except (OSError, InvalidStatus, TimeoutError):
                await asyncio.sleep(0.5)  # the proxy had no replica to offer: back-off
                continue
            self._ws = ws
            try:
                async for raw in ws:
                    frame = json.loads(raw)
                    self.frames.append(frame)
                    if frame["type"] == "connected":
                        if closed_at is not None:
                            self.reconnect_seconds.append(time.monotonic() - closed_at)
                        self.connected.set()
                        await self._after_connect()
                    elif frame["type"] == "message_ack":
                        self.pending.pop(frame["client_id"], None)
                        self.acked.add(frame["client_id"])
                        self._saw(frame["message"])
                    elif frame["type"] == "new_message":
                        self._saw(frame["message"])
            except ConnectionClosed:
                pass
            self.connected.clear()
            self._ws = None
            if self._stop:
                break
            code = ws.close_code
            self.close_codes.append(code)
            closed_at = time.monotonic()
            if code == CLOSE_SERVICE_RESTART:
                await asyncio.sleep(random.random() * RESTART_SPREAD)
            else:
                await asyncio.sleep(0.5)

    def _saw(self, message: dict[str, Any]) -> None:
        if message["conversation_id"] == self.conversation_id:
            self.seqs.add(message["seq"])
            self.last_id = max(self.last_id, message["id"])

    async def _after_connect(self) -> None:
        for frame in list(self.pending.values()):
            await self._send_frame(frame)
        await self.catch_up()

    async def catch_up(self) -> None:
        """`GET /api/messages/conversation/{id}?after=<last id>` until nothing is left."""
        while True:
            page = await self.http.get(
                f"/api/messages/conversation/{self.conversation_id}",
                params={"after": self.last_id, "limit": 100},
                headers={"Authorization": f"Bearer {self.token}"},
            )
            page.raise_for_status()
            messages = page.json()
            for message in messages:
                self._saw(message)
            if len(messages) < 100:
                return

    async def _send_frame(self, frame: dict[str, Any]) -> None:
        ws = self._ws
        if ws is None:
            return
        with contextlib.suppress(ConnectionClosed):  # else sent again after reconnecting
            await ws.send(json.dumps(frame))

    async def send_message(self, content: str) -> None:
        self.sent += 1
        client_id = f"{self.name}-{self.sent}"
        frame = {
            "type": "send_message",
            "conversation_id": self.conversation_id,
            "content": content,
            "client_id": client_id,
        }
        self.pending[client_id] = frame
        await self._send_frame(frame)

    async def stop(self) -> None:
        self._stop = True
        if self._ws is not None:
            await self._ws.close()


async def post_until_stored(
    http: httpx.AsyncClient, token: str, body: dict[str, Any], *, attempts: int = 20
) -> tuple[httpx.Response, int]:
    """`POST /api/messages` as the web UI's REST path: a failure is sent again with the
    same `client_id`. Returns the answer and how many tries failed first."""
    failed = 0
    while True:
        try:
            response = await http.post(
                "/api/messages", json=body, headers={"Authorization": f"Bearer {token}"}
            )
            if response.status_code in (200, 201):
                return response, failed
        except httpx.TransportError:
            pass
        failed += 1
        assert failed < attempts, f"{body['client_id']} never stored"
        await asyncio.sleep(0.2)

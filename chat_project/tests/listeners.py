"""A stand-in socket for the hub: records what the hub writes to it."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from chat_project.realtime.outbox import Outbox


class Listener:
    """Implements the hub's `Member`: frames land in `frames` (decoded), in write order.

    `block()` makes its writes wait, like a client that stopped reading.
    """

    def __init__(self, user_id: int, *, limit: int = 1000, stall: float = 60.0) -> None:
        self.user_id = user_id
        self.frames: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.removed: list[int] = []
        self.disconnects: list[str] = []
        self.too_slow = False
        self._writable = asyncio.Event()
        self._writable.set()
        self.outbox = Outbox(self._write, self._overflow, limit=limit, stall=stall)

    async def _write(self, message: dict[str, Any]) -> None:
        await self._writable.wait()
        self.frames.put_nowait(orjson.loads(message["text"]))

    def _overflow(self) -> None:
        self.too_slow = True

    def block(self) -> None:
        self._writable.clear()

    def unblock(self) -> None:
        self._writable.set()

    def on_group_event(self, group: str, event: dict[str, Any], message: dict[str, Any]) -> None:
        self.outbox.put(message)

    def on_removed(self, conversation_id: int) -> None:
        self.removed.append(conversation_id)

    def on_disconnect(self, reason: str) -> None:
        self.disconnects.append(reason)

    async def next(self, wait: float = 5) -> dict[str, Any]:
        return await asyncio.wait_for(self.frames.get(), wait)

    async def nothing(self, wait: float = 0.3) -> bool:
        try:
            frame = await asyncio.wait_for(self.frames.get(), wait)
        except TimeoutError:
            return True
        raise AssertionError(f"unexpected frame {frame}")

"""A socket's outbox: its outgoing frames, written in order without ever blocking the hub
(docs/api.md, "Back-pressure": at most `WS_SEND_QUEUE_FRAMES` waiting, none written for
`WS_SEND_STALL_SECONDS`: the socket is cut)."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Awaitable, Callable
from typing import Any

_eager_task = asyncio.eager_task_factory


class Outbox:
    """A socket's outgoing frames, written in order without ever blocking the hub.

    The common case costs one eager task that finishes at once: the server's `send`
    only waits when the socket's transport buffer is full (the client stopped reading).
    Then frames queue here, up to `limit`, and as long as the socket keeps taking some of
    them: with `limit` frames waiting, or none written for `stall` seconds while others
    wait, the socket is cut — `on_overflow` runs (soon, not inside the hub's loop over
    sockets) and everything queued is dropped.
    """

    __slots__ = (
        "_busy",
        "_limit",
        "_on_overflow",
        "_progress",
        "_queue",
        "_send",
        "_stall",
        "_task",
        "closed",
    )

    def __init__(
        self,
        send: Callable[[dict[str, Any]], Awaitable[None]],
        on_overflow: Callable[[], None],
        *,
        limit: int,
        stall: float,
        held: bool = False,
    ) -> None:
        self._send = send
        self._queue: collections.deque[dict[str, Any]] = collections.deque()
        self._limit = limit
        self._stall = stall
        self._on_overflow = on_overflow
        # Held: frames queue (within the same limits) until `open`, which writes its own
        # first frame ahead of them — the socket's `connected` comes before any event.
        self._busy = held
        self._task: asyncio.Task[None] | None = None
        self._progress = 0.0  # loop time of the last frame written while others waited
        self.closed = False

    def __len__(self) -> int:
        return len(self._queue)

    def put(self, message: dict[str, Any]) -> None:
        if self.closed:
            return
        loop = asyncio.get_running_loop()
        if self._busy:
            queue = self._queue
            if not queue:
                self._progress = loop.time()
            elif len(queue) >= self._limit or loop.time() - self._progress > self._stall:
                self.close()
                loop.call_soon(self._on_overflow)
                return
            queue.append(message)
            return
        self._busy = True
        task = _eager_task(loop, self._write(message))
        if not task.done():
            self._task = task

    def open(self, first: dict[str, Any]) -> None:
        """Stop holding: write `first`, then what queued meanwhile, in order."""
        if self.closed or self._task is not None:
            return
        self._busy = False
        queued, self._queue = self._queue, collections.deque()
        self.put(first)
        for message in queued:
            self.put(message)

    async def _write(self, message: dict[str, Any]) -> None:
        try:
            await self._send(message)
            queue = self._queue
            loop = asyncio.get_running_loop()
            while queue:
                await self._send(queue.popleft())
                self._progress = loop.time()
        except asyncio.CancelledError:
            pass
        except Exception:  # the client is gone; its disconnect cleans up
            self.closed = True
            self._queue.clear()
        finally:
            self._busy = False
            self._task = None

    async def flush(self, seconds: float) -> bool:
        """Wait until everything queued is written; False if that took over `seconds`."""
        task = self._task
        if task is None:
            return True
        done, _ = await asyncio.wait({task}, timeout=seconds)
        return bool(done)

    def close(self) -> None:
        self.closed = True
        self._queue.clear()
        task, self._task = self._task, None
        if task is not None and task is not asyncio.current_task():
            task.cancel()

"""Keeps this process's sockets alive in the presence store and sweeps dead ones."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from chat_project import realtime

from . import database

if TYPE_CHECKING:
    from .socket import ChatSocket

logger = logging.getLogger(__name__)


async def announce_presence(
    user_id: int, event: dict[str, Any] | None, audience: Iterable[int]
) -> None:
    """`user_online` / `user_offline` (friends.status) to each friend's own group."""
    if event is None:
        return
    kind = event["type"]
    results = await asyncio.gather(
        *(realtime.send_async(realtime.user_group(fid), event) for fid in audience),
        return_exceptions=True,
    )
    for result in results:
        if isinstance(result, Exception):
            logger.warning("presence event %s for %s not sent: %r", kind, user_id, result)


class PresenceKeeper:
    """Every TTL/3 it refreshes the expiry of its own sockets (and room views) and removes
    expired entries left by processes that died; for each user whose last socket it
    removed it sends `user_offline` to their friends. It runs while the process has at
    least one socket: with none, there is nobody here to tell.
    """

    def __init__(self) -> None:
        self.sockets: dict[str, ChatSocket] = {}
        self.task: asyncio.Task[None] | None = None

    def register(self, consumer: ChatSocket) -> None:
        self.sockets[consumer.socket_id] = consumer
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run())
            # Redis came back (restarted without its data): re-register at once.
            realtime.get_hub().on_reconnect(self.beat)

    def unregister(self, consumer: ChatSocket) -> None:
        self.sockets.pop(consumer.socket_id, None)
        if not self.sockets and self.task is not None:
            self.task.cancel()
            self.task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(max(realtime.presence_ttl() / 3, 0.2))
            try:
                await self.beat()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("presence heartbeat failed")

    async def beat(self) -> None:
        consumers = list(self.sockets.values())
        sockets = [(c.user_id, c.socket_id) for c in consumers]
        viewing = [(cid, c.user_id, c.socket_id) for c in consumers for cid in c.viewing]
        for user_id in await realtime.presence_refresh(sockets, viewing):
            audience = await database.presence_audience(user_id)
            await announce_presence(user_id, await database.online_event(user_id), audience)
        for user_id in await realtime.presence_sweep():
            audience = await database.presence_audience(user_id)
            await announce_presence(user_id, await database.went_offline(user_id), audience)


_keepers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PresenceKeeper] = (
    weakref.WeakKeyDictionary()
)


def presence_keeper() -> PresenceKeeper:
    """This process's keeper (one per event loop: the servers run one)."""
    loop = asyncio.get_running_loop()
    keeper = _keepers.get(loop)
    if keeper is None:
        keeper = _keepers[loop] = PresenceKeeper()
    return keeper

"""The app with Channels' per-event database clean-up skipped for pass-through events.

`AsyncConsumer.dispatch` awaits `aclose_old_connections()` before every handler: a
`sync_to_async` hop to the thread executor and back, for each layer event on each
socket, even for `chat.event`, which `ChatConsumer.chat_event` forwards to the client
without touching the database. With 100 members that is 100 thread hops per message.

This module serves the unchanged application with only that step skipped for
`chat.event`, so `fanout-100` can measure the hop's cost as an A/B in the same run
(`python -m bench fanout-100 --app nohop`). It is a measuring device, not production
code: the recommendation that follows from it is written in docs/benchmarks.md.
"""

from __future__ import annotations

from typing import Any

from channels.consumer import AsyncConsumer

from chat_project.asgi import application
from messaging.consumers import ChatConsumer

#: Layer message types whose handler never touches the database.
PASS_THROUGH = frozenset({"chat.event"})


async def _dispatch(self: ChatConsumer, message: dict[str, Any]) -> None:
    if message.get("type") in PASS_THROUGH:
        await self.chat_event(message)
        return
    await AsyncConsumer.dispatch(self, message)


ChatConsumer.dispatch = _dispatch  # type: ignore[method-assign]

__all__ = ["application"]

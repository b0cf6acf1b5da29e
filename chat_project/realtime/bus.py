"""The cross-process event bus: Redis PUBLISH/SUBSCRIBE, or this process's memory.

Redis is the only broker between server processes. Each process holds one subscriber
connection and subscribes it to the groups its own sockets listen to (the hub counts
them, `chat_project.realtime.hub`), so an event reaches every process with a member
socket exactly once, whatever the number of its sockets, and that process writes it to
each of them. Without REDIS_URL (`make run`) a memory bus with the same interface hands
events to the hubs of this process.

Wire format (one Redis channel per group, `<REDIS_PREFIX>:rt:<group>`):
    b"E" <publish time, µs since the epoch> b"|" <event JSON>   an event for the clients
    b"D" <reason>                                               close the group's sockets
    b"L" <until, µs since the epoch>                            a process is overloaded
The publish time lets the receiving hub measure how far behind it is (back-pressure).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

import orjson
from django.conf import settings

from .clients import async_client, sync_client

if TYPE_CHECKING:
    from .hub import Hub

logger = logging.getLogger(__name__)

EVENT = b"E"[0]
DISCONNECT = b"D"[0]
LOAD = b"L"[0]

#: The group every hub listens to for load reports of the other processes.
LOAD_GROUP = "_load"

OnMessage = Callable[[str, bytes], None]


def now_us() -> int:
    return time.time_ns() // 1000


def event_body(event: dict[str, Any]) -> bytes:
    """The frame text of an event, encoded once for every socket. Raises TypeError for a
    payload that is not JSON: callers encode when they build the event (not after commit),
    so such a bug fails in the code — and the test — that made it."""
    return orjson.dumps(event, option=orjson.OPT_NON_STR_KEYS)


def stamp(body: bytes) -> bytes:
    """The wire payload of an encoded event, stamped with its publish time."""
    return b"E%d|%b" % (now_us(), body)


def encode_event(event: dict[str, Any]) -> bytes:
    """An event as it travels (encoded and stamped now)."""
    return stamp(event_body(event))


def encode_disconnect(reason: str) -> bytes:
    return b"D" + reason.encode()


def encode_load(until_us: int) -> bytes:
    return b"L%d" % until_us


def split_event(payload: bytes) -> tuple[int, bytes]:
    """(publish time in µs, event JSON) of an `E` payload."""
    bar = payload.index(b"|")
    return int(payload[1:bar]), payload[bar + 1 :]


class Subscription(Protocol):
    """One process's (one event loop's) subscriber connection."""

    async def subscribe(self, groups: Iterable[str]) -> None: ...
    async def unsubscribe(self, groups: Iterable[str]) -> None: ...
    def close(self) -> None: ...


class Bus(Protocol):
    def publish(self, group: str, payload: bytes) -> None:
        """From sync code (after-commit hooks run in request threads)."""

    async def apublish(self, group: str, payload: bytes) -> None:
        """From the event loop (typing, presence, the consumer's flushed sends)."""

    def subscriber(self, hub: Hub) -> Subscription: ...


# --- Without Redis ----------------------------------------------------------------------


class _MemorySubscription:
    """Every event of the process reaches every hub; each hub delivers only its groups."""

    def __init__(self, bus: MemoryBus, hub: Hub) -> None:
        self._bus = bus
        bus.hubs.add(hub)

    async def subscribe(self, groups: Iterable[str]) -> None:
        return None

    async def unsubscribe(self, groups: Iterable[str]) -> None:
        return None

    def close(self) -> None:
        return None


class MemoryBus:
    """The embedded mode: one process, so the bus is a hand-over to its event loops."""

    def __init__(self) -> None:
        self.hubs: weakref.WeakSet[Hub] = weakref.WeakSet()

    def publish(self, group: str, payload: bytes) -> None:
        for hub in list(self.hubs):
            hub.receive_threadsafe(group, payload)

    async def apublish(self, group: str, payload: bytes) -> None:
        self.publish(group, payload)

    def subscriber(self, hub: Hub) -> Subscription:
        return _MemorySubscription(self, hub)


# --- Redis ----------------------------------------------------------------------------------


class _RedisSubscription:
    """One pub/sub connection and the task that reads it.

    redis-py re-subscribes every channel when the connection comes back, so after a
    Redis restart delivery resumes by itself; what was published meanwhile is lost and
    clients catch up with `after=` (they see the gap in `seq`).
    """

    def __init__(self, bus: RedisBus, hub: Hub) -> None:

        self._bus = bus
        self._hub = hub
        self._client = async_client(bus.url)
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        self._reader: asyncio.Task[None] | None = None
        self._start = len(bus.channel_prefix)

    async def subscribe(self, groups: Iterable[str]) -> None:
        channels = [self._bus.channel(g) for g in groups]
        if not channels:
            return
        await self._pubsub.subscribe(*channels)
        if self._reader is None:
            connection = self._pubsub.connection
            if connection is not None:
                connection.register_connect_callback(self._connected)
            self._reader = asyncio.get_running_loop().create_task(self._read())

    async def unsubscribe(self, groups: Iterable[str]) -> None:
        channels = [self._bus.channel(g) for g in groups]
        if channels:
            await self._pubsub.unsubscribe(*channels)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            self._reader = None

    def _connected(self, connection: Any) -> None:
        """Every reconnect of the subscriber (Redis restarted, failed over): what Redis
        held for this process — presence, room views — may be gone; the hub tells its
        listeners at once instead of at their next periodic refresh."""
        self._hub.bus_reconnected()

    async def _read(self) -> None:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError

        pubsub = self._pubsub
        deliver = self._hub.receive
        start = self._start
        backoff = 0.05
        while True:
            try:
                message = await pubsub.get_message(timeout=None)
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                logger.warning("event bus connection lost (%r); reconnecting", exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 2.0)
                with contextlib.suppress(RedisConnectionError, RedisTimeoutError, OSError):
                    await pubsub.connect()  # re-subscribes everything on success
                continue
            backoff = 0.05
            if message is None or message.get("type") != "message":
                continue
            try:
                deliver(message["channel"][start:].decode(), message["data"])
            except Exception:
                logger.exception("event delivery failed")


class RedisBus:
    def __init__(self, url: str, prefix: str) -> None:

        self.url = url
        self.channel_prefix = f"{prefix}:rt:"
        self._sync = sync_client(url)
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )

    def channel(self, group: str) -> str:
        return self.channel_prefix + group

    def publish(self, group: str, payload: bytes) -> None:
        self._sync.publish(self.channel(group), payload)

    async def apublish(self, group: str, payload: bytes) -> None:
        loop = asyncio.get_running_loop()
        client = self._async.get(loop)
        if client is None:
            client = self._async[loop] = async_client(self.url)
        await client.publish(self.channel(group), payload)

    def subscriber(self, hub: Hub) -> Subscription:
        return _RedisSubscription(self, hub)


_buses: dict[tuple[str, str], Bus] = {}
_buses_lock = threading.Lock()


def get_bus() -> Bus:
    """The bus of the current settings: chosen once per (REDIS_URL, REDIS_PREFIX)."""
    key = (settings.REDIS_URL, settings.REDIS_PREFIX)
    bus = _buses.get(key)
    if bus is None:
        with _buses_lock:
            bus = _buses.get(key)
            if bus is None:
                bus = RedisBus(*key) if key[0] else MemoryBus()
                _buses[key] = bus
    return bus

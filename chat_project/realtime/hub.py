"""The per-process delivery hub: one subscription per group, one write per socket.

A socket does not get its own channel-layer queue. Each process (each event loop) has
one `Hub`: it subscribes the process's bus connection to a group when the first local
socket joins it and unsubscribes when the last one leaves (reference counting), decodes
each event once, keeps `new_message` in `seq` order once per conversation, and writes
the same frame to every local member socket through that socket's `Outbox`.

The consumer keeps owning the connection — authentication, client frames, membership
changes, presence; the hub owns delivery. Membership changes arrive as events on the
user's own group and are applied by the consumer synchronously, inside the hub's
dispatch, so the next event of the bus (which carries them in publish order) already
sees the new membership: nothing reaches a socket whose user is no longer a member.

Overload (docs/api.md, "Back-pressure"): a socket's outbox holds at most
`WS_SEND_QUEUE_FRAMES` frames; one that cannot keep up is cut (close code 4013) instead
of making the process hold seconds of its frames. The hub measures how long events took
from their publish to its dispatch; past `DELIVERY_LAG_LIMIT_MS` it reports the process
as overloaded (to itself and, over the bus, to the others), and sends are refused with
429 `overloaded` until the backlog is gone.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import orjson
from django.conf import settings

from chat_project import metrics

from . import bus as buses
from .groups import conversation_id_of
from .ordering import SeqOrder
from .outbox import Outbox

logger = logging.getLogger(__name__)

#: Conversation events that go to the other members only (not to the author's sockets).
SELF_EXCLUDED = frozenset({"typing", "user_joined", "user_left"})

#: Per event type, how to make a frame per recipient: given the event, a function of the
#: recipient's user id returning their event, or None when every recipient gets the same
#: frame (the common case, decided once per event). Registered by the apps: attachment
#: URLs are signed for each viewer (messaging.attachments).
PerRecipient = Callable[[dict[str, Any]], Callable[[int], dict[str, Any]] | None]
_per_recipient: dict[str, PerRecipient] = {}


#: Events whose frame tells each recipient whether to alert them (`"alert": true/false`),
#: decided by the socket (`Member.alert_for`: the user's level, mute and status).
ALERTED = frozenset({"new_message"})
_ALERT_SUFFIX = {True: ',"alert":true}', False: ',"alert":false}'}


def per_recipient(kind: str, builder: PerRecipient) -> None:
    """Make the frames of `kind` events per recipient (see `_per_recipient`)."""
    _per_recipient[kind] = builder


class Member(Protocol):
    """A socket as the hub sees it (messaging.consumers.ChatConsumer)."""

    user_id: int
    outbox: Outbox

    def on_group_event(self, group: str, event: dict[str, Any], message: dict[str, Any]) -> None:
        """An event of a user or session group: the socket decides (membership changes)."""

    def on_removed(self, conversation_id: int) -> None:
        """`member_removed` about this socket's own user: it leaves the conversation."""

    def on_disconnect(self, reason: str) -> None:
        """Ban, password change or logout: the socket must close."""

    def alert_for(self, event: dict[str, Any]) -> bool:
        """Whether this `new_message` should interrupt the socket's user."""
        ...


# Process-wide "overloaded until" (µs since the epoch): read by the send path in request
# threads, written by the hubs.
_overloaded_until_us = 0


def overloaded_for() -> float:
    """Seconds this process still counts as overloaded (0.0: it is not)."""
    remaining = _overloaded_until_us - buses.now_us()
    return remaining / 1e6 if remaining > 0 else 0.0


def _mark_overloaded(until_us: int) -> None:
    global _overloaded_until_us
    if until_us > _overloaded_until_us:
        _overloaded_until_us = until_us


def note_request_wait(seconds: float) -> None:
    """A request waited `seconds` for a thread to run it (chat_project/handler.py).

    When sends arrive faster than they are handled, the backlog builds in the HTTP layer
    before their events exist, where the hub cannot see it: a wait past
    DELIVERY_LAG_LIMIT_MS counts as overload too, and sends are refused (429) until the
    queue is short again — refusing costs far less than storing, so the queue drains.
    """
    if seconds * 1000 > settings.DELIVERY_LAG_LIMIT_MS:
        _mark_overloaded(buses.now_us() + int(settings.DELIVERY_OVERLOAD_HOLD_MS * 1000))


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop, bus: buses.Bus) -> None:
        self.loop = loop
        self.bus = bus
        self.groups: dict[str, dict[Member, None]] = {}
        self.orders: dict[int, SeqOrder] = {}
        self._subscribed: set[str] = set()
        self._lock = asyncio.Lock()
        self._subscription = bus.subscriber(self)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._lag_limit_us = int(settings.DELIVERY_LAG_LIMIT_MS * 1000)
        self._load_hold_us = int(settings.DELIVERY_OVERLOAD_HOLD_MS * 1000)
        self._reported_until_us = 0
        self.max_lag_us = 0
        self._reconnect_hooks: list[Callable[[], Awaitable[None]]] = []
        self._background(self._apply(buses.LOAD_GROUP, always=True))

    # --- membership ---------------------------------------------------------------------

    async def join(self, member: Member, group: str, seq: int | None = None) -> None:
        """Deliver `group`'s events to `member` from now on.

        `seq`: the conversation's last seq when the socket read it (the baseline of the
        conversation's ordering, if this process had no socket there yet).
        """
        members = self.groups.get(group)
        if members is None:
            members = self.groups[group] = {}
            cid = conversation_id_of(group)
            if cid is not None and cid not in self.orders:

                def deliver(item: Any, group: str = group) -> None:
                    self._fanout(group, *item)

                self.orders[cid] = SeqOrder(deliver, seq)
        members[member] = None
        if group not in self._subscribed:
            await self._apply(group)

    def leave(self, member: Member, group: str) -> None:
        """Stop at once (synchronously): the very next event is no longer delivered."""
        members = self.groups.get(group)
        if members is None or member not in members:
            return
        del members[member]
        if not members:
            del self.groups[group]
            cid = conversation_id_of(group)
            if cid is not None:
                order = self.orders.pop(cid, None)
                if order is not None:
                    order.close()
            self._background(self._apply(group))

    def leave_all(self, member: Member, groups: list[str]) -> None:
        for group in groups:
            self.leave(member, group)

    async def _apply(self, group: str, *, always: bool = False) -> None:
        """Bring the bus subscription of `group` in line with the local sockets.

        Serialised, so SUBSCRIBE/UNSUBSCRIBE reach Redis in the order they were decided.
        """
        async with self._lock:
            want = always or group in self.groups
            if want and group not in self._subscribed:
                self._subscribed.add(group)
                try:
                    await self._subscription.subscribe([group])
                except Exception:
                    self._subscribed.discard(group)
                    raise
            elif not want and group in self._subscribed:
                self._subscribed.discard(group)
                await self._subscription.unsubscribe([group])

    def _background(self, coro: Any) -> None:
        task = self.loop.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.warning("event bus subscription change failed: %r", task.exception())

    # --- the bus connection ---------------------------------------------------------------

    def on_reconnect(self, hook: Callable[[], Awaitable[None]]) -> None:
        """Run `hook` whenever the bus connection comes back after a loss."""
        if hook not in self._reconnect_hooks:
            self._reconnect_hooks.append(hook)

    def bus_reconnected(self) -> None:
        for hook in self._reconnect_hooks:
            self._background(hook())

    # --- delivery -----------------------------------------------------------------------

    def receive_threadsafe(self, group: str, payload: bytes) -> None:
        """From any thread (the memory bus)."""
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.receive, group, payload)

    def receive(self, group: str, payload: bytes) -> None:
        """One payload from the bus, on the hub's event loop."""
        kind = payload[0]
        if kind == buses.EVENT:
            published_us, body = buses.split_event(payload)
            self._observe_lag(published_us)
            if group not in self.groups:
                return
            event = orjson.loads(body)
            if not isinstance(event, dict):
                return
            message = {"type": "websocket.send", "text": body.decode()}
            cid = conversation_id_of(group)
            if cid is None:
                for member in list(self.groups.get(group, ())):
                    member.on_group_event(group, event, message)
                return
            if event.get("type") == "new_message":
                seq = (event.get("message") or {}).get("seq")
                order = self.orders.get(cid)
                if order is not None and isinstance(seq, int):
                    order.push(seq, (event, message))
                    return
            self._fanout(group, event, message)
        elif kind == buses.DISCONNECT:
            reason = payload[1:].decode()
            for member in list(self.groups.get(group, ())):
                member.on_disconnect(reason)
        elif kind == buses.LOAD:
            _mark_overloaded(int(payload[1:]))

    def _fanout(self, group: str, event: dict[str, Any], message: dict[str, Any]) -> None:
        members = self.groups.get(group)
        if not members:
            return
        kind = event.get("type")
        if kind in SELF_EXCLUDED:
            author = event.get("user_id")
            for member in members:
                if member.user_id != author:
                    member.outbox.put(message)
        elif kind == "member_removed":
            removed = event.get("user_id")
            cid = conversation_id_of(group)
            for member in list(members):
                member.outbox.put(message)
                if member.user_id == removed and cid is not None:
                    member.on_removed(cid)
        else:
            builder = _per_recipient.get(kind) if isinstance(kind, str) else None
            personal = builder(event) if builder is not None else None
            if kind in ALERTED:
                self._fanout_alerted(members, event, message, personal)
                return
            if personal is None:
                for member in members:
                    member.outbox.put(message)
                return
            frames: dict[int, dict[str, Any]] = {}
            for member in members:
                frame = frames.get(member.user_id)
                if frame is None:
                    text = orjson.dumps(personal(member.user_id)).decode()
                    frame = frames[member.user_id] = {"type": "websocket.send", "text": text}
                member.outbox.put(frame)

    def _fanout_alerted(
        self,
        members: dict[Member, None],
        event: dict[str, Any],
        message: dict[str, Any],
        personal: Callable[[int], dict[str, Any]] | None,
    ) -> None:
        """The frame plus each recipient's `alert`, spliced into the encoded JSON (an
        object's closing brace): no encoding per socket, at most two frames per user."""
        texts: dict[int, str] = {}
        frames: dict[tuple[int, bool | None], dict[str, Any]] = {}
        shared: str = message["text"]
        for member in members:
            alert_for = getattr(member, "alert_for", None)
            # None: a listener that is not a client socket (tests) gets no `alert`.
            alert = None if alert_for is None else bool(alert_for(event))
            key = (member.user_id if personal is not None else 0, alert)
            frame = frames.get(key)
            if frame is None:
                text = shared
                if personal is not None:
                    text = (
                        texts.get(member.user_id) or orjson.dumps(personal(member.user_id)).decode()
                    )
                    texts[member.user_id] = text
                if alert is not None:
                    text = text[:-1] + _ALERT_SUFFIX[alert]
                frame = frames[key] = {"type": "websocket.send", "text": text}
            member.outbox.put(frame)

    # --- back-pressure ------------------------------------------------------------------

    def _observe_lag(self, published_us: int) -> None:
        now = buses.now_us()
        lag = now - published_us
        metrics.observe_delivery_lag(lag / 1e6)
        if lag > self.max_lag_us:
            self.max_lag_us = lag
        if lag <= self._lag_limit_us:
            return
        until = now + self._load_hold_us
        _mark_overloaded(until)
        # Tell the other processes (their senders feed this one), at most every 1/4 hold.
        if until - self._reported_until_us > self._load_hold_us // 4:
            self._reported_until_us = until
            self._background(self.bus.apublish(buses.LOAD_GROUP, buses.encode_load(until)))


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def get_hub() -> Hub:
    """This event loop's hub (uvicorn and daphne run one loop per process)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub(loop, buses.get_bus())
    return hub


def existing_hub() -> Hub | None:
    """This event loop's hub if a socket made one (metrics read it, never make one)."""
    return _hubs.get(asyncio.get_running_loop())

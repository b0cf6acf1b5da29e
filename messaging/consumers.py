"""The WebSocket endpoint `/ws/`: one socket per client, all of the user's conversations.

The consumer only speaks the protocol (docs/api.md, "WebSocket"): it validates frames,
calls the same services and selectors as REST (through `database_sync_to_async`, never
holding a database connection across a send), and forwards `chat.event` messages from
the channel layer. Everything shared between server processes — presence, room
viewers, group membership — lives in Redis through `chat_project.realtime`; what this
module keeps in memory is per socket (the conversations it is subscribed to, the last
`seq` it delivered) or per process (the sockets this process must keep alive).

Membership follows changes live without any cross-process bookkeeping: the services send
`conversation_created` / `removed_from_conversation` / `conversation_deleted` to the
user's own group, and each socket that receives one subscribes or unsubscribes *itself*.
That works the same on `RedisChannelLayer` and on `RedisPubSubChannelLayer`, where group
membership is local to the process that holds the socket.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from chat_project import realtime
from chat_project.exceptions import error_payload
from conversations import selectors as conversation_selectors
from friends import selectors as friend_selectors
from messaging import services as messaging_services
from messaging.events import message_payload

logger = logging.getLogger(__name__)

#: Accept, then close with this code: the handshake carried no valid credentials.
CLOSE_UNAUTHENTICATED = 4401
#: The server ended the session: account disabled, password changed or web logout.
CLOSE_SESSION_ENDED = 4001

#: How long a socket holds a `new_message` that arrived ahead of a missing `seq`.
REORDER_HOLD_SECONDS = 0.25
#: channels-redis forgets group membership after a day; sockets re-add themselves sooner.
GROUP_REFRESH_SECONDS = 3600


def db(func: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """Run ORM work in the thread pool, not on the single thread-sensitive executor.

    `thread_sensitive=False` lets a burst of reconnecting sockets use several database
    connections (up to the pool size) instead of queueing behind each other on one
    thread. Each call opens and returns its connection: none is held across a send.
    """
    return database_sync_to_async(func, thread_sensitive=False)


# --- Database work (selectors and services only) ------------------------------------------


def _presence_audience(user_id: int) -> set[int]:
    """Who may see `user_id`'s presence: friends, never across a block."""
    return friend_selectors.friend_ids(user_id) - friend_selectors.blocked_ids_either_way(user_id)


def _connect_state(user_id: int) -> tuple[dict[int, int], set[int]]:
    """The user's conversations with their current `last_seq`, and the presence audience."""
    seqs = dict(
        conversation_selectors.conversation_list_for_user(user_id=user_id)
        .prefetch_related(None)
        .values_list("id", "last_seq")
    )
    return seqs, _presence_audience(user_id)


def _membership_check(user_id: int, conversation_id: int) -> None:
    """Http404 unless the user is a member (the same not-found as REST)."""
    conversation_selectors.membership_get(user_id=user_id, conversation_id=conversation_id)


Sends = list[tuple[str, dict[str, Any]]]


def _send_message(
    user: Any, conversation_id: int, content: str, client_id: str | None
) -> tuple[dict[str, Any], Sends]:
    """The stored message, and the events to send once the connection is released."""
    with realtime.collect_sends() as sends:
        message, _created = messaging_services.message_send(
            actor=user, conversation_id=conversation_id, content=content, client_id=client_id
        )
        payload = message_payload(message)
    return payload, sends


def _mark_read(user: Any, conversation_id: int, message_id: int) -> Sends:
    with realtime.collect_sends() as sends:
        messaging_services.message_mark_read(
            actor=user, conversation_id=conversation_id, message_id=message_id
        )
    return sends


# --- Frame validation ---------------------------------------------------------------------


class FrameError(Exception):
    """A frame the server cannot act on; answered with an `error` event."""

    def __init__(self, code: str, detail: Any) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _invalid(field: str, message: str) -> FrameError:
    # The same shape as a REST 400 and as service ValidationErrors over the socket.
    return FrameError("invalid", {field: [message]})


def _id_field(content: dict[str, Any], field: str) -> int:
    if field not in content:
        raise _invalid(field, "This field is required.")
    value = content[field]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise _invalid(field, "A positive integer is required.")
    return value


def _str_field(content: dict[str, Any], field: str, *, required: bool = True) -> str | None:
    if field not in content or content[field] is None:
        if required:
            raise _invalid(field, "This field is required.")
        return None
    value = content[field]
    if not isinstance(value, str):
        raise _invalid(field, "A string is required.")
    return value


def _bool_field(content: dict[str, Any], field: str) -> bool:
    if field not in content:
        raise _invalid(field, "This field is required.")
    value = content[field]
    if not isinstance(value, bool):
        raise _invalid(field, "true or false is required.")
    return value


def _utf8_length_over(text: str, limit: int) -> bool:
    if len(text) > limit:  # at least one byte per character
        return True
    if len(text) * 4 <= limit:  # at most four
        return False
    return len(text.encode("utf-8", "surrogatepass")) > limit


# --- Delivery in seq order ----------------------------------------------------------------


class SeqOrderer:
    """Delivers each conversation's `new_message` events to one socket in `seq` order.

    Two sends in one conversation commit in seq order (the conversation row lock
    serialises them) but their after-commit sends race, so message 8 may reach the
    layer before message 7. A message that arrives ahead of a gap is held until the gap
    fills or `hold` seconds pass; then everything held goes out in seq order. A message
    that never comes (dropped by the layer) therefore costs at most `hold` of latency,
    and the client sees the gap in `seq` and catches up over REST.
    """

    def __init__(
        self, send: Callable[[Any], Awaitable[None]], hold: float = REORDER_HOLD_SECONDS
    ) -> None:
        self._send = send
        self._hold = hold
        self._last: dict[int, int] = {}
        self._pending: dict[int, dict[int, Any]] = {}  # held frames by seq
        self._timers: dict[int, asyncio.Task[None]] = {}
        self._lock = asyncio.Lock()

    def baseline(self, conversation_id: int, seq: int | None) -> None:
        """The last seq that existed when the socket subscribed (None: unknown)."""
        if seq is not None and seq > self._last.get(conversation_id, -1):
            self._last[conversation_id] = seq

    def forget(self, conversation_id: int) -> None:
        """Unsubscribed: drop held messages, they must not be delivered any more."""
        self._last.pop(conversation_id, None)
        self._pending.pop(conversation_id, None)
        timer = self._timers.pop(conversation_id, None)
        if timer is not None:
            timer.cancel()

    def close(self) -> None:
        for conversation_id in list(self._timers):
            self.forget(conversation_id)

    async def push(self, conversation_id: int, seq: int, event: Any) -> None:
        async with self._lock:
            last = self._last.get(conversation_id)
            if last is None or seq <= last:
                # Unknown baseline, or a straggler after its gap was given up on: deliver.
                if last is None or seq > last:
                    self._last[conversation_id] = seq
                await self._send(event)
                return
            if seq == last + 1:
                self._last[conversation_id] = seq
                await self._send(event)
                await self._drain(conversation_id)
                return
            self._pending.setdefault(conversation_id, {})[seq] = event
            if conversation_id not in self._timers:
                self._timers[conversation_id] = asyncio.create_task(
                    self._flush_later(conversation_id)
                )

    async def _drain(self, conversation_id: int) -> None:
        pending = self._pending.get(conversation_id)
        while pending and self._last[conversation_id] + 1 in pending:
            self._last[conversation_id] += 1
            await self._send(pending.pop(self._last[conversation_id]))
        if not pending:
            self._pending.pop(conversation_id, None)
            timer = self._timers.pop(conversation_id, None)
            if timer is not None and timer is not asyncio.current_task():
                timer.cancel()

    async def _flush_later(self, conversation_id: int) -> None:
        await asyncio.sleep(self._hold)
        async with self._lock:
            self._timers.pop(conversation_id, None)
            pending = self._pending.pop(conversation_id, {})
            for seq in sorted(pending):
                self._last[conversation_id] = max(self._last.get(conversation_id, 0), seq)
                await self._send(pending[seq])


# --- Process-wide keeper of this process's sockets ------------------------------------------


async def _announce_presence(user_id: int, kind: str, audience: Iterable[int]) -> None:
    event = {"type": kind, "user_id": user_id}
    results = await asyncio.gather(
        *(realtime.send_async(realtime.user_group(fid), event) for fid in audience),
        return_exceptions=True,
    )
    for result in results:
        if isinstance(result, Exception):
            logger.warning("presence event %s for %s not sent: %r", kind, user_id, result)


class PresenceKeeper:
    """Keeps this process's sockets alive in the presence store and sweeps dead ones.

    Every TTL/3 it refreshes the expiry of its own sockets (and room views) and removes
    expired entries left by processes that died; for each user whose last socket it
    removed it sends `user_offline` to their friends. It runs while the process has at
    least one socket: with none, there is nobody here to tell.
    """

    def __init__(self) -> None:
        self.sockets: dict[str, ChatConsumer] = {}
        self.task: asyncio.Task[None] | None = None

    def register(self, consumer: ChatConsumer) -> None:
        self.sockets[consumer.channel_name] = consumer
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run())

    def unregister(self, consumer: ChatConsumer) -> None:
        self.sockets.pop(consumer.channel_name, None)
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
        sockets = [(c.user_id, c.channel_name) for c in consumers]
        viewing = [(cid, c.user_id, c.channel_name) for c in consumers for cid in c.viewing]
        for user_id in await realtime.presence_refresh(sockets, viewing):
            audience = await db(_presence_audience)(user_id)
            await _announce_presence(user_id, "user_online", audience)
        for user_id in await realtime.presence_sweep():
            audience = await db(_presence_audience)(user_id)
            await _announce_presence(user_id, "user_offline", audience)
        now = time.monotonic()
        for consumer in consumers:
            if now - consumer.groups_refreshed_at > GROUP_REFRESH_SECONDS:
                await consumer.refresh_groups()


_keepers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, PresenceKeeper] = (
    weakref.WeakKeyDictionary()
)


def presence_keeper() -> PresenceKeeper:
    """This process's keeper (one per event loop: daphne runs one)."""
    loop = asyncio.get_running_loop()
    keeper = _keepers.get(loop)
    if keeper is None:
        keeper = _keepers[loop] = PresenceKeeper()
    return keeper


# --- The consumer ---------------------------------------------------------------------------


class ChatConsumer(AsyncJsonWebsocketConsumer):
    """One client socket. See docs/api.md for the protocol."""

    user_id: int
    username: str

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Route a message to its handler, without Channels' per-message connection clean-up.

        `AsyncConsumer.dispatch` hops to the single thread-sensitive executor before every
        handler to close stale database connections: for a socket that is one thread hop
        per frame and per event, all queued behind each other process-wide. This consumer
        never uses the ORM on that thread; its database work runs through `db()`, whose
        thread handler closes connections before and after each call itself.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self) -> None:
        self.registered = False
        self.closing = False
        self.subscribed: set[int] = set()
        self.viewing: set[int] = set()
        self.own_groups: list[str] = []
        self.groups_refreshed_at = time.monotonic()
        self.frame_window = 0
        self.frame_count = 0
        self.orderer = SeqOrderer(self._send_frame)
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Accept first, so the client sees a close code it can act on.
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.user_id = user.pk
        self.username = user.username
        # The personal group first: membership events sent from now on are not missed.
        self.own_groups = [realtime.user_group(self.user_id)]
        session_key = getattr(self.scope.get("session"), "session_key", None)
        if self.scope.get("auth_method") == "session" and session_key:
            self.own_groups.append(realtime.session_group(session_key))
        for group in self.own_groups:
            await self.channel_layer.group_add(group, self.channel_name)
        seqs, audience = await db(_connect_state)(self.user_id)
        # One after the other: a socket then holds at most one pooled Redis connection, so a
        # storm of reconnects (1,000 users x 20 conversations) stays inside the pool instead
        # of failing with MaxConnectionsError (docs/benchmarks.md, connect-storm).
        for cid, seq in seqs.items():
            await self._subscribe(cid, seq)
        came_online = await realtime.presence_connect(self.user_id, self.channel_name)
        presence_keeper().register(self)
        self.registered = True
        await self.send_json(
            {
                "type": "connected",
                "message": "WebSocket connected successfully",
                "user_id": self.user_id,
            }
        )
        online = await realtime.online_user_ids_async(audience)
        for friend_id in sorted(online - {self.user_id}):
            await self.send_json({"type": "user_online", "user_id": friend_id})
        if came_online:
            await _announce_presence(self.user_id, "user_online", audience)

    async def disconnect(self, code: int) -> None:
        if not getattr(self, "registered", False):
            return
        self.registered = False
        self.closing = True
        presence_keeper().unregister(self)
        self.orderer.close()
        try:
            for conversation_id in list(self.viewing):
                await self._stop_viewing(conversation_id)
            went_offline = await realtime.presence_disconnect(self.user_id, self.channel_name)
            groups = [*self.own_groups, *map(realtime.conversation_group, self.subscribed)]
            for group in groups:  # sequential, like the subscriptions in `connect`
                await self.channel_layer.group_discard(group, self.channel_name)
            if went_offline:
                audience = await db(_presence_audience)(self.user_id)
                await _announce_presence(self.user_id, "user_offline", audience)
        except Exception:  # the sweeper finishes the job when the store was unreachable
            logger.exception("cleanup of socket %s failed", self.channel_name)

    # --- subscriptions -------------------------------------------------------------------

    async def _subscribe(self, conversation_id: int, seq: int | None) -> None:
        self.orderer.baseline(conversation_id, seq)
        if conversation_id in self.subscribed:
            return
        self.subscribed.add(conversation_id)
        await self.channel_layer.group_add(
            realtime.conversation_group(conversation_id), self.channel_name
        )

    async def _unsubscribe(self, conversation_id: int) -> None:
        # Filter first: from this instant nothing of the conversation reaches the client,
        # even events already queued for this socket.
        self.subscribed.discard(conversation_id)
        self.orderer.forget(conversation_id)
        if conversation_id in self.viewing:
            await self._stop_viewing(conversation_id)
        await self.channel_layer.group_discard(
            realtime.conversation_group(conversation_id), self.channel_name
        )

    async def refresh_groups(self) -> None:
        """Re-add the socket to its groups before channels-redis's group expiry drops it."""
        self.groups_refreshed_at = time.monotonic()
        groups = [*self.own_groups, *map(realtime.conversation_group, self.subscribed)]
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)

    async def _ensure_member(self, conversation_id: int) -> None:
        """Subscribed conversations are known; anything else is checked in the database."""
        if conversation_id in self.subscribed:
            return
        await db(_membership_check)(self.user_id, conversation_id)
        await self._subscribe(conversation_id, None)

    async def _stop_viewing(self, conversation_id: int) -> None:
        self.viewing.discard(conversation_id)
        last = await realtime.viewer_leave(conversation_id, self.user_id, self.channel_name)
        if last:
            await realtime.send_async(
                realtime.conversation_group(conversation_id),
                {
                    "type": "user_left",
                    "conversation_id": conversation_id,
                    "user_id": self.user_id,
                    "username": self.username,
                },
            )

    # --- frames from the client ----------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.registered:
            return
        over = self._over_rate()
        if over:
            if over == 1:
                limit = settings.WS_MAX_FRAMES_PER_SECOND
                await self._error(
                    "throttled", f"Too many frames: at most {limit} per second; frames dropped."
                )
            return
        if text_data is None:
            await self._error("invalid_frame", "Binary frames are not supported: send JSON text.")
            return
        if _utf8_length_over(text_data, settings.WS_MAX_FRAME_BYTES):
            await self._error(
                "frame_too_large",
                f"A frame may carry at most {settings.WS_MAX_FRAME_BYTES} bytes.",
            )
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            await self._error("parse_error", "The frame is not valid JSON.")
            return
        if not isinstance(content, dict):
            await self._error("invalid", "A frame must be a JSON object with a `type`.")
            return
        await self.receive_json(content)

    def _over_rate(self) -> int:
        """0: within the rate; 1: the first frame over it; 2: any further one.

        A fixed one-second window per socket. Frames past the limit are dropped after a
        counter increment, so a flood costs the server next to nothing and other sockets
        are not starved; only the first of them is answered, so the answer to a flood is
        not a flood.
        """
        window = int(time.monotonic())
        if window != self.frame_window:
            self.frame_window, self.frame_count = window, 0
        self.frame_count += 1
        limit = settings.WS_MAX_FRAMES_PER_SECOND
        if self.frame_count <= limit:
            return 0
        return 1 if self.frame_count == limit + 1 else 2

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        frame_type = content.get("type")
        request_type = frame_type if isinstance(frame_type, str) else None
        handler = self.frame_handlers.get(request_type) if request_type else None
        if handler is None:
            await self._error(
                "unknown_type",
                f"Unknown frame type {frame_type!r}."
                if frame_type is not None
                else "The frame has no `type`.",
                request_type,
            )
            return
        try:
            await handler(self, content)
        except FrameError as exc:
            await self._error(exc.code, exc.detail, request_type)
        except Exception as exc:
            payload = error_payload(exc)
            if payload is None:
                logger.exception("frame %s failed", request_type)
                payload = {"code": "server_error", "detail": "The server could not do that."}
            await self._error(payload["code"], payload["detail"], request_type)

    async def _error(self, code: str, detail: Any, request_type: str | None = None) -> None:
        if self.closing:
            return
        await self.send_json(
            {"type": "error", "code": code, "detail": detail, "request_type": request_type}
        )

    async def on_ping(self, content: dict[str, Any]) -> None:
        await self.send_json({"type": "pong"})

    async def on_join_conversation(self, content: dict[str, Any]) -> None:
        conversation_id = _id_field(content, "conversation_id")
        # Always from the database: joining is rare and must never show a room to a
        # non-member, even one whose removal event is still on its way.
        await db(_membership_check)(self.user_id, conversation_id)
        await self._subscribe(conversation_id, None)
        first, viewer_ids = await realtime.viewer_join(
            conversation_id, self.user_id, self.channel_name
        )
        already = conversation_id in self.viewing
        self.viewing.add(conversation_id)
        await self.send_json(
            {
                "type": "joined_conversation",
                "conversation_id": conversation_id,
                "viewer_ids": viewer_ids,
            }
        )
        if first and not already:
            await realtime.send_async(
                realtime.conversation_group(conversation_id),
                {
                    "type": "user_joined",
                    "conversation_id": conversation_id,
                    "user_id": self.user_id,
                    "username": self.username,
                },
            )

    async def on_leave_conversation(self, content: dict[str, Any]) -> None:
        conversation_id = _id_field(content, "conversation_id")
        if conversation_id in self.viewing:
            await self._stop_viewing(conversation_id)
        await self.send_json({"type": "left_conversation", "conversation_id": conversation_id})

    async def on_send_message(self, content: dict[str, Any]) -> None:
        conversation_id = _id_field(content, "conversation_id")
        text = _str_field(content, "content")
        client_id = _str_field(content, "client_id", required=False)
        message, sends = await db(_send_message)(self.user, conversation_id, text, client_id)
        await self.send_json({"type": "message_ack", "client_id": client_id, "message": message})
        await realtime.flush_sends(sends)

    async def on_typing(self, content: dict[str, Any]) -> None:
        conversation_id = _id_field(content, "conversation_id")
        is_typing = _bool_field(content, "is_typing")
        await self._ensure_member(conversation_id)
        await realtime.send_async(
            realtime.conversation_group(conversation_id),
            {
                "type": "typing",
                "conversation_id": conversation_id,
                "user_id": self.user_id,
                "username": self.username,
                "is_typing": is_typing,
            },
        )

    async def on_mark_read(self, content: dict[str, Any]) -> None:
        conversation_id = _id_field(content, "conversation_id")
        message_id = _id_field(content, "message_id")
        await realtime.flush_sends(await db(_mark_read)(self.user, conversation_id, message_id))

    frame_handlers: dict[str, Callable[[ChatConsumer, dict[str, Any]], Awaitable[None]]] = {
        "ping": on_ping,
        "join_conversation": on_join_conversation,
        "leave_conversation": on_leave_conversation,
        "send_message": on_send_message,
        "typing": on_typing,
        "mark_read": on_mark_read,
    }

    # --- messages from the channel layer -------------------------------------------------

    async def _send_frame(self, text: str) -> None:
        await self.send(text_data=text)

    async def chat_event(self, message: dict[str, Any]) -> None:
        """An event for the client; conversation events only while subscribed.

        The frame text comes encoded with the event (`realtime._envelope`): a room's
        sockets share one `json.dumps` instead of making one each.
        """
        if self.closing or not self.registered:
            return
        event = message.get("event") or {}
        kind = event.get("type")
        group = message.get("group") or ""
        frame = message.get("text")
        if not isinstance(frame, str):
            frame = json.dumps(event)
        if group.startswith("conversation."):
            conversation_id = int(group.partition(".")[2])
            if conversation_id not in self.subscribed:
                return
            if kind in {"typing", "user_joined", "user_left"}:
                if event.get("user_id") == self.user_id:
                    return  # "to the other members"
            elif kind == "new_message":
                seq = (event.get("message") or {}).get("seq")
                if isinstance(seq, int):
                    await self.orderer.push(conversation_id, seq, frame)
                    return
            elif kind == "member_removed" and event.get("user_id") == self.user_id:
                await self._send_frame(frame)
                await self._unsubscribe(conversation_id)
                return
        elif kind == "conversation_created":
            conversation = event.get("conversation") or {}
            if isinstance(conversation.get("id"), int):
                last_message = conversation.get("last_message") or {}
                await self._subscribe(conversation["id"], last_message.get("seq", 0))
        elif kind in {"removed_from_conversation", "conversation_deleted"} and isinstance(
            event.get("conversation_id"), int
        ):
            await self._unsubscribe(event["conversation_id"])
        await self._send_frame(frame)

    async def chat_disconnect(self, message: dict[str, Any]) -> None:
        """Ban, password change or logout: close with 4001; the client must log in again."""
        if self.closing:
            return
        self.closing = True
        await self.close(code=CLOSE_SESSION_ENDED, reason=message.get("reason"))

"""A client socket and its delivery: connecting, presence, the groups it listens to, the
outbox, and every way a socket ends (`ChatSocket`, the base of `chat.ChatConsumer`).

The process's delivery hub (`chat_project.realtime.hub`) writes each event of the socket's
groups to its outbox. Membership follows changes live: the services send
`conversation_created` / `removed_from_conversation` / `conversation_deleted` to the
user's own group, and the hub hands those to `on_group_event`, which joins or leaves the
conversation synchronously — before the hub looks at the next event.

There is no channel layer under the sockets: the bus (Redis pub/sub) reaches each process
once per event, not each socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable
from typing import Any

import orjson
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils.dateparse import parse_datetime

from chat_project import logs, metrics, realtime
from chat_project.realtime.hub import Hub
from chat_project.realtime.outbox import Outbox
from chat_project.shutdown import CLOSE_SERVICE_RESTART
from conversations.attention import MemberAttention, attention_from_row, should_alert
from messaging import events

from . import database
from .frames import FrameRate
from .presence_keeper import announce_presence, presence_keeper

logger = logging.getLogger(__name__)

#: Accept, then close with this code: the handshake carried no valid credentials.
CLOSE_UNAUTHENTICATED = 4401
#: The server ended the session: account disabled, password changed or web logout.
CLOSE_SESSION_ENDED = 4001
#: The client did not read its frames fast enough (docs/api.md, "Back-pressure"): catch up
#: with `after=` and reconnect.
CLOSE_TOO_SLOW = 4013
#: The user already has `WS_MAX_SOCKETS_PER_USER` open sockets: close one first.
CLOSE_TOO_MANY_SOCKETS = 4029
#: How long a closing socket may take to write what it still has queued.
CLOSE_FLUSH_SECONDS = 2.0


class ChatSocket(AsyncJsonWebsocketConsumer):
    """One client socket, without the protocol of its frames (`chat.ChatConsumer`)."""

    # No channel layer: the hub delivers (no per-socket queue or receive loop in Redis).
    channel_layer_alias = "__none__"

    user_id: int
    username: str
    outbox: Outbox

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """Run the socket; clean up on every way out (close, error, cut, cancellation)."""
        self._main_task = asyncio.current_task()
        self._cut = False
        self.registered = False
        try:
            await super().__call__(scope, receive, send)
        except asyncio.CancelledError:
            if not self._cut or self._main_task is None:
                raise
            self._main_task.uncancel()  # we ended it ourselves (a socket too slow)
        finally:
            await self._cleanup()

    async def connect(self) -> None:
        self.closing = False
        self.socket_id = uuid.uuid4().hex
        self.subscribed: set[int] = set()
        self.viewing: set[int] = set()
        self.own_groups: list[str] = []
        self.rate = FrameRate()
        self.background: set[asyncio.Task[Any]] = set()
        self.attention: dict[int, MemberAttention] = {}
        self.outbox = Outbox(
            self.base_send,
            self._too_slow,
            limit=settings.WS_SEND_QUEUE_FRAMES,
            stall=settings.WS_SEND_STALL_SECONDS,
            held=True,  # events of the groups joined below wait for `connected`
        )
        await self.accept()
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            # Accept first, so the client sees a close code it can act on.
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.user = user
        self.user_id = user.pk
        self.username = user.username
        others = await realtime.presence_connect(self.user_id, self.socket_id)
        if others >= settings.WS_MAX_SOCKETS_PER_USER:
            await realtime.presence_disconnect(self.user_id, self.socket_id)
            await self.close(code=CLOSE_TOO_MANY_SOCKETS)
            return
        self.hub: Hub = realtime.get_hub()
        self.registered = True
        metrics.socket_opened()
        logs.socket_opened(self.scope, self.user_id, self.socket_id)
        self._close_when_credentials_end()
        # The personal group first: membership events sent from now on are not missed.
        self.own_groups = [realtime.user_group(self.user_id)]
        session_key = getattr(self.scope.get("session"), "session_key", None)
        if self.scope.get("auth_method") == "session" and session_key:
            self.own_groups.append(realtime.session_group(session_key))
        for group in self.own_groups:
            await self.hub.join(self, group)
        seqs, self.attention, audience = await database.connect_state(self.user_id)
        for cid, seq in seqs.items():
            await self._subscribe(cid, seq)
        presence_keeper().register(self)
        connected = {
            "type": "connected",
            "message": "WebSocket connected successfully",
            "user_id": self.user_id,
        }
        self.outbox.open({"type": "websocket.send", "text": await self.encode_json(connected)})
        online = sorted(await realtime.online_user_ids_async(audience) - {self.user_id})
        statuses = await database.statuses_of(online) if online else {}
        for friend_id in online:
            status = statuses.get(friend_id)
            if status is not None:  # invisible friends look offline
                await self.send_json(events.presence(friend_id, status=status))
        if not others:  # the user's first socket anywhere: they came online
            await announce_presence(
                self.user_id, await database.online_event(self.user_id), audience
            )

    async def disconnect(self, code: int) -> None:
        self.close_code = code
        metrics.socket_disconnected(code)
        logs.socket_closed(self.scope, getattr(self, "user_id", None), self.socket_id, code)
        await self._cleanup()

    async def _cleanup(self) -> None:
        """Forget the socket everywhere: hub, presence, room views. Runs once."""
        if not getattr(self, "registered", False):
            return
        self.registered = False
        metrics.socket_closed()
        self.closing = True
        self._detach()
        expiry = getattr(self, "_expiry", None)
        if expiry is not None:
            expiry.cancel()
        presence_keeper().unregister(self)
        for task in list(self.background):
            task.cancel()
        try:
            for conversation_id in list(self.viewing):
                await self._stop_viewing(conversation_id)
            if getattr(self, "close_code", None) == CLOSE_SERVICE_RESTART:
                # The server restarts: the user is back on another process in seconds.
                await realtime.presence_linger(self.user_id, self.socket_id)
            elif await realtime.presence_disconnect(self.user_id, self.socket_id):
                audience = await database.presence_audience(self.user_id)
                await announce_presence(
                    self.user_id, await database.went_offline(self.user_id), audience
                )
        except Exception:  # the sweeper finishes the job when the store was unreachable
            logger.exception("cleanup of socket %s failed", self.socket_id)

    def _close_when_credentials_end(self) -> None:
        """Close with 4401 when the access token (session, ticket) that opened the socket
        expires: clients then refresh it and reconnect, as for any handshake."""
        expires_at = self.scope.get("auth_expires_at")
        if expires_at is None:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, float(expires_at) - time.time())
        self._expiry = loop.call_later(delay, self._credentials_ended)

    def _credentials_ended(self) -> None:
        if self.closing:
            return
        self.closing = True
        self._detach()
        self._spawn(self._close_after_flush(CLOSE_UNAUTHENTICATED, "credentials_expired"))

    def _detach(self) -> None:
        """Leave every group now: nothing more is delivered to this socket."""
        groups = [*self.own_groups, *map(realtime.conversation_group, self.subscribed)]
        self.hub.leave_all(self, groups)

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    # --- what the hub calls (synchronously, in bus order) ---------------------------------

    def on_group_event(self, group: str, event: dict[str, Any], message: dict[str, Any]) -> None:
        """An event of the user's own (or session's) group."""
        if self.closing:
            return
        kind = event.get("type")
        if kind == "status_changed":
            self.user.status = str(event.get("status"))
        elif kind == "notification_settings_changed":
            self._note_attention(event, event.get("conversation_id"))
        elif kind == "conversation_created":
            conversation = event.get("conversation") or {}
            cid = conversation.get("id")
            self._note_attention(conversation, cid)
            if isinstance(cid, int) and not isinstance(cid, bool):
                seq = (conversation.get("last_message") or {}).get("seq", 0)
                # Eager: the hub counts the socket in before this returns.
                task = asyncio.eager_task_factory(
                    asyncio.get_running_loop(), self._subscribe(cid, seq)
                )
                if not task.done():
                    self.background.add(task)
                    task.add_done_callback(self.background.discard)
        elif kind in {"removed_from_conversation", "conversation_deleted"}:
            cid = event.get("conversation_id")
            if isinstance(cid, int) and not isinstance(cid, bool):
                self._unsubscribe(cid)
        self.outbox.put(message)

    def on_removed(self, conversation_id: int) -> None:
        self._unsubscribe(conversation_id)

    def alert_for(self, event: dict[str, Any]) -> bool:
        """`alert` on a `new_message` frame: the one rule (conversations.attention), from
        what the socket keeps — the user's status and each conversation's settings, both
        followed live through events of the user's own group."""
        message = event.get("message")
        if not isinstance(message, dict):
            return False
        attention = self.attention.get(message.get("conversation_id"))  # type: ignore[arg-type]
        if attention is None:
            return False
        mentioned = self.user_id in (message.get("mentions") or ())
        return should_alert(self.user, attention, message, mentioned)

    def _note_attention(self, body: dict[str, Any], cid: object) -> None:
        """Keep a conversation's alert settings from an event that shows them."""
        if not isinstance(cid, int) or isinstance(cid, bool):
            return
        level = body.get("notification_level")
        muted = body.get("muted_until")
        self.attention[cid] = attention_from_row(
            type=str(body.get("type") or ""),
            is_public=bool(body.get("is_public")),
            level=level if isinstance(level, str) else None,
            muted_until=parse_datetime(muted) if isinstance(muted, str) else None,
        )

    def on_disconnect(self, reason: str) -> None:
        """Ban, password change or logout: close with 4001; the client must log in again."""
        if self.closing:
            return
        self.closing = True
        self._detach()
        self._spawn(self._close_after_flush(CLOSE_SESSION_ENDED, reason))

    def _too_slow(self) -> None:
        """The outbox overflowed: stop delivering, close with 4013, end the socket."""
        if self.closing or not self.registered:
            return
        self.closing = True
        self._detach()
        self._spawn(self._cut_off())

    async def _close_after_flush(self, code: int, reason: str | None = None) -> None:
        await self.outbox.flush(CLOSE_FLUSH_SECONDS)
        with contextlib.suppress(Exception):
            await self.close(code=code, reason=reason)

    async def _cut_off(self) -> None:
        """A client that does not read may not take the close frame either: after a
        bounded wait the socket's task ends, and the server drops the connection."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.close(code=CLOSE_TOO_SLOW), CLOSE_FLUSH_SECONDS)
            return
        self._cut = True
        if self._main_task is not None:
            self._main_task.cancel()

    # --- subscriptions --------------------------------------------------------------------

    async def _subscribe(self, conversation_id: int, seq: int | None) -> None:
        if conversation_id in self.subscribed or self.closing:
            return
        self.subscribed.add(conversation_id)
        await self.hub.join(self, realtime.conversation_group(conversation_id), seq)

    def _unsubscribe(self, conversation_id: int) -> None:
        # From this instant nothing of the conversation reaches the client.
        self.subscribed.discard(conversation_id)
        self.hub.leave(self, realtime.conversation_group(conversation_id))
        if conversation_id in self.viewing:
            self._spawn(self._stop_viewing(conversation_id))

    async def _ensure_member(self, conversation_id: int) -> None:
        """Subscribed conversations are known; anything else is checked in the database."""
        if conversation_id in self.subscribed:
            return
        await database.membership_check(self.user_id, conversation_id)
        await self._subscribe(conversation_id, None)

    async def _stop_viewing(self, conversation_id: int) -> None:
        self.viewing.discard(conversation_id)
        last = await realtime.viewer_leave(conversation_id, self.user_id, self.socket_id)
        if last:
            await self._announce_viewer("user_left", conversation_id)

    async def _announce_viewer(self, kind: str, conversation_id: int) -> None:
        """`user_joined` / `user_left` to the conversation's group (room views)."""
        await realtime.send_async(
            realtime.conversation_group(conversation_id),
            events.viewer(
                kind, conversation_id=conversation_id, user_id=self.user_id, username=self.username
            ),
        )

    # --- frames to the client -------------------------------------------------------------

    async def send(
        self, text_data: str | None = None, bytes_data: bytes | None = None, close: bool = False
    ) -> None:
        """Every frame goes through the outbox, in order with the hub's deliveries."""
        if text_data is not None:
            self.outbox.put({"type": "websocket.send", "text": text_data})
        elif bytes_data is not None:
            self.outbox.put({"type": "websocket.send", "bytes": bytes_data})
        if close:
            await self._close_after_flush(close if isinstance(close, int) else 1000)

    async def send_json(self, content: Any, close: bool = False) -> None:
        """Through `send` too: channels' own `send_json` calls `super().send`, which skips
        the override above — a reply then overtook queued events, and on a socket the server
        had already closed (a restart's 1012) it raised, so the consumer ended without its
        `disconnect(1012)`."""
        await self.send(text_data=await self.encode_json(content), close=close)

    @classmethod
    async def encode_json(cls, content: Any) -> str:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS).decode()

    async def _error(self, code: str, detail: Any, request_type: str | None = None) -> None:
        metrics.frame_refused(code)
        if self.closing:
            return
        await self.send_json(
            {"type": "error", "code": code, "detail": detail, "request_type": request_type}
        )

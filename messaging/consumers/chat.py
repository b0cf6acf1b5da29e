"""The WebSocket endpoint `/ws/`: one socket per client, all of the user's conversations.

`ChatConsumer` speaks the protocol (docs/api.md, "WebSocket") over a `socket.ChatSocket`:
it reads each client frame (size, rate, JSON), validates it with the input serializers
REST uses (`messaging.api.serializers`, through `chat_project.api.valid_input`) and calls
the same services and selectors as REST (through `database`, never holding a database
connection across a send). A bad frame gets an `error` event with the REST mapping
(`chat_project.exceptions.error_payload`); the socket stays usable.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings

from chat_project import metrics, realtime
from chat_project.api import valid_input
from chat_project.exceptions import error_payload
from chat_project.text import BadText, parse_json
from friends.api.serializers import StatusInputSerializer
from messaging import events
from messaging.api.inputs import (
    ConversationFrameSerializer,
    MarkReadFrameSerializer,
    SendMessageFrameSerializer,
    TypingFrameSerializer,
)

from . import database
from .catch_up import ReactionAndCatchUpFrames
from .frames import utf8_length_over
from .socket import ChatSocket

logger = logging.getLogger(__name__)


class ChatConsumer(ReactionAndCatchUpFrames, ChatSocket):
    """One client socket. See docs/api.md for the protocol."""

    # --- frames from the client -----------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not self.registered or self.closing:
            return
        over = self.rate.over()
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
        if utf8_length_over(text_data, settings.WS_MAX_FRAME_BYTES):
            await self._error(
                "frame_too_large",
                f"A frame may carry at most {settings.WS_MAX_FRAME_BYTES} bytes.",
            )
            return
        try:
            content = parse_json(text_data)
        except BadText as exc:
            detail = "The frame is not valid JSON." if exc.code == "parse_error" else str(exc)
            await self._error(exc.code, detail)
            return
        if not isinstance(content, dict):
            await self._error("invalid", "A frame must be a JSON object with a `type`.")
            return
        await self.receive_json(content)

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
        except Exception as exc:
            payload = error_payload(exc)
            if payload is None:
                logger.exception("frame %s failed", request_type)
                payload = {"code": "server_error", "detail": "The server could not do that."}
            await self._error(payload["code"], payload["detail"], request_type)

    async def on_ping(self, content: dict[str, Any]) -> None:
        await self.send_json({"type": "pong"})

    async def on_join_conversation(self, content: dict[str, Any]) -> None:
        conversation_id = valid_input(ConversationFrameSerializer, content)["conversation_id"]
        # Always from the database: joining is rare and must never show a room to a
        # non-member, even one whose removal event is still on its way.
        await database.membership_check(self.user_id, conversation_id)
        await self._subscribe(conversation_id, None)
        first, viewer_ids = await realtime.viewer_join(
            conversation_id, self.user_id, self.socket_id
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
            await self._announce_viewer("user_joined", conversation_id)

    async def on_leave_conversation(self, content: dict[str, Any]) -> None:
        conversation_id = valid_input(ConversationFrameSerializer, content)["conversation_id"]
        if conversation_id in self.viewing:
            await self._stop_viewing(conversation_id)
        await self.send_json({"type": "left_conversation", "conversation_id": conversation_id})

    async def on_send_message(self, content: dict[str, Any]) -> None:
        frame = valid_input(SendMessageFrameSerializer, content)
        client_id = frame.get("client_id")
        message = await database.send_message(
            self.user,
            frame["conversation_id"],
            frame.get("content", ""),
            client_id,
            frame.get("attachment_ids"),
            frame.get("reply_to"),
        )
        metrics.message_sent_over_socket()
        await self.send_json({"type": "message_ack", "client_id": client_id, "message": message})

    async def on_typing(self, content: dict[str, Any]) -> None:
        frame = valid_input(TypingFrameSerializer, content)
        conversation_id = frame["conversation_id"]
        await self._ensure_member(conversation_id)
        await realtime.send_async(
            realtime.conversation_group(conversation_id),
            events.typing(
                conversation_id=conversation_id,
                user_id=self.user_id,
                username=self.username,
                is_typing=frame["is_typing"],
            ),
        )

    async def on_mark_read(self, content: dict[str, Any]) -> None:
        frame = valid_input(MarkReadFrameSerializer, content)
        await database.mark_read(self.user, frame["conversation_id"], frame["message_id"])

    async def on_set_status(self, content: dict[str, Any]) -> None:
        """As `PUT /api/users/me/status`; every socket of the user (this one too) hears
        `status_changed`, friends `user_online`/`user_offline` when what they see changed."""
        body = {key: value for key, value in content.items() if key != "type"}
        frame = valid_input(StatusInputSerializer, body)
        await database.set_status(self.user, frame.get("status"), frame.get("idle"))

    frame_handlers: dict[str, Callable[[ChatConsumer, dict[str, Any]], Awaitable[None]]] = {
        "ping": on_ping,
        "join_conversation": on_join_conversation,
        "leave_conversation": on_leave_conversation,
        "send_message": on_send_message,
        "typing": on_typing,
        "mark_read": on_mark_read,
        "set_status": on_set_status,
        **ReactionAndCatchUpFrames.frame_handlers,
    }

"""The frames of reactions and of the catch-up (docs/api.md, "WebSocket"): `react`,
`unreact` and `catch_up`, a mixin of `ChatConsumer` (chat.py speaks the rest of the
protocol). They run the services and selectors of the REST routes, so both answer alike.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from messaging.selectors import CHANGES_DEFAULT_LIMIT, CHANGES_MAX_LIMIT

from . import database
from .frames import count_field, id_field, str_field

Handler = Callable[[Any, dict[str, Any]], Awaitable[None]]


class ReactionAndCatchUpFrames:
    # ChatConsumer's (and AsyncJsonWebsocketConsumer's): annotations, not attributes, so
    # the mixin hides nothing of theirs.
    user: Any
    user_id: int
    send_json: Callable[..., Awaitable[None]]

    async def on_react(self, content: dict[str, Any]) -> None:
        """As `PUT /api/messages/{id}/reactions/{emoji}`; the answer is `reaction_added`
        to the conversation (none when you had that reaction already)."""
        message_id = id_field(content, "message_id")
        emoji = str_field(content, "emoji")
        await database.react(self.user, message_id, emoji, True)

    async def on_unreact(self, content: dict[str, Any]) -> None:
        """As `DELETE .../reactions/{emoji}`; the answer is `reaction_removed` (none when
        you had no such reaction)."""
        message_id = id_field(content, "message_id")
        emoji = str_field(content, "emoji")
        await database.react(self.user, message_id, emoji, False)

    async def on_catch_up(self, content: dict[str, Any]) -> None:
        """As `GET /api/conversations/{id}/changes`, answered with `changes`."""
        conversation_id = id_field(content, "conversation_id")
        since = count_field(content, "since", maximum=2**63 - 1)
        limit = count_field(
            content, "limit", minimum=1, maximum=CHANGES_MAX_LIMIT, default=CHANGES_DEFAULT_LIMIT
        )
        answer = await database.changes(self.user_id, conversation_id, since, limit)
        await self.send_json({"type": "changes", **answer})

    frame_handlers: dict[str, Handler] = {
        "react": on_react,
        "unreact": on_unreact,
        "catch_up": on_catch_up,
    }

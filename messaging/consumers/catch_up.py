"""The frames of reactions and of the catch-up (docs/api.md, "WebSocket"): `react`,
`unreact` and `catch_up`, a mixin of `ChatConsumer` (chat.py speaks the rest of the
protocol). They run the services and selectors of the REST routes, so both answer alike.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from chat_project.api import valid_input
from messaging.api.inputs import CatchUpFrameSerializer, ReactionFrameSerializer
from messaging.selectors import CHANGES_DEFAULT_LIMIT

from . import database

Handler = Callable[[Any, dict[str, Any]], Awaitable[None]]


class ReactionAndCatchUpFrames:
    # ChatConsumer's (and AsyncJsonWebsocketConsumer's): annotations, not attributes, so
    # the mixin hides nothing of theirs.
    user: Any
    user_id: int

    if TYPE_CHECKING:

        async def send_json(self, content: Any, close: bool = False) -> None: ...

    async def on_react(self, content: dict[str, Any]) -> None:
        """As `PUT /api/messages/{id}/reactions/{emoji}`; the answer is `reaction_added`
        to the conversation (none when you had that reaction already)."""
        frame = valid_input(ReactionFrameSerializer, content)
        await database.react(self.user, frame["message_id"], frame["emoji"], True)

    async def on_unreact(self, content: dict[str, Any]) -> None:
        """As `DELETE .../reactions/{emoji}`; the answer is `reaction_removed` (none when
        you had no such reaction)."""
        frame = valid_input(ReactionFrameSerializer, content)
        await database.react(self.user, frame["message_id"], frame["emoji"], False)

    async def on_catch_up(self, content: dict[str, Any]) -> None:
        """As `GET /api/conversations/{id}/changes`, answered with `changes`."""
        frame = valid_input(CatchUpFrameSerializer, content)
        limit = frame["limit"] if frame["limit"] is not None else CHANGES_DEFAULT_LIMIT
        answer = await database.changes(
            self.user_id, frame["conversation_id"], frame["since"], limit
        )
        await self.send_json({"type": "changes", **answer})

    frame_handlers: dict[str, Handler] = {
        "react": on_react,
        "unreact": on_unreact,
        "catch_up": on_catch_up,
    }

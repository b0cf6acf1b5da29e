"""The WebSocket consumer (`chat`), the frames it reads (`frames`), its database work
(`database`) and the keeper of this process's presence (`presence_keeper`)."""

from .chat import (
    CLOSE_SESSION_ENDED,
    CLOSE_TOO_MANY_SOCKETS,
    CLOSE_TOO_SLOW,
    CLOSE_UNAUTHENTICATED,
    ChatConsumer,
)
from .presence_keeper import presence_keeper

__all__ = [
    "CLOSE_SESSION_ENDED",
    "CLOSE_TOO_MANY_SOCKETS",
    "CLOSE_TOO_SLOW",
    "CLOSE_UNAUTHENTICATED",
    "ChatConsumer",
    "presence_keeper",
]

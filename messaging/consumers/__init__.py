"""The WebSocket consumer: its protocol (`chat`), the socket under it and its delivery
(`socket`), the limits on client frames (`frames`), its database work (`database`) and
the keeper of this process's presence (`presence_keeper`)."""

from .chat import ChatConsumer
from .presence_keeper import presence_keeper
from .socket import (
    CLOSE_SESSION_ENDED,
    CLOSE_TOO_MANY_SOCKETS,
    CLOSE_TOO_SLOW,
    CLOSE_UNAUTHENTICATED,
)

__all__ = [
    "CLOSE_SESSION_ENDED",
    "CLOSE_TOO_MANY_SOCKETS",
    "CLOSE_TOO_SLOW",
    "CLOSE_UNAUTHENTICATED",
    "ChatConsumer",
    "presence_keeper",
]

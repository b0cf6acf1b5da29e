"""Limits on client frames before they are read: size and rate. Their fields are read by
the input serializers REST uses (`messaging.api.serializers`, through `valid_input`)."""

from __future__ import annotations

import time

from django.conf import settings


def utf8_length_over(text: str, limit: int) -> bool:
    if len(text) > limit:  # at least one byte per character
        return True
    if len(text) * 4 <= limit:  # at most four
        return False
    return len(text.encode("utf-8", "surrogatepass")) > limit


class FrameRate:
    """A fixed one-second window per socket.

    Frames past the limit are dropped after a counter increment, so a flood costs the
    server next to nothing and other sockets are not starved; only the first of them is
    answered, so the answer to a flood is not a flood.
    """

    __slots__ = ("count", "window")

    def __init__(self) -> None:
        self.window = 0
        self.count = 0

    def over(self) -> int:
        """0: within the rate; 1: the first frame over it; 2: any further one."""
        window = int(time.monotonic())
        if window != self.window:
            self.window, self.count = window, 0
        self.count += 1
        limit = settings.WS_MAX_FRAMES_PER_SECOND
        if self.count <= limit:
            return 0
        return 1 if self.count == limit + 1 else 2

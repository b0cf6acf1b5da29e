"""Reading client frames: the fields of each frame type, and the errors for bad ones."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings


class FrameError(Exception):
    """A frame the server cannot act on; answered with an `error` event."""

    def __init__(self, code: str, detail: Any) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _invalid(field: str, message: str) -> FrameError:
    # The same shape as a REST 400 and as service ValidationErrors over the socket.
    return FrameError("invalid", {field: [message]})


def id_field(content: dict[str, Any], field: str) -> int:
    if field not in content:
        raise _invalid(field, "This field is required.")
    value = content[field]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise _invalid(field, "A positive integer is required.")
    return value


def count_field(
    content: dict[str, Any],
    field: str,
    *,
    minimum: int = 0,
    maximum: int,
    default: int | None = None,
) -> int:
    """A JSON integer from `minimum` to `maximum` (a cursor, a limit); `default` when
    absent or null."""
    if field not in content or content[field] is None:
        if default is None:
            raise _invalid(field, "This field is required.")
        return default
    value = content[field]
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise _invalid(field, f"An integer from {minimum} to {maximum} is required.")
    return value


def id_list_field(content: dict[str, Any], field: str) -> list[int] | None:
    """An optional list of ids (`attachment_ids`); None when left out or null."""
    value = content.get(field)
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**63 for i in value
    ):
        raise _invalid(field, "A list of positive integers is required.")
    return value


def str_field(content: dict[str, Any], field: str, *, required: bool = True) -> str | None:
    if field not in content or content[field] is None:
        if required:
            raise _invalid(field, "This field is required.")
        return None
    value = content[field]
    if not isinstance(value, str):
        raise _invalid(field, "A string is required.")
    return value


def bool_field(content: dict[str, Any], field: str) -> bool:
    if field not in content:
        raise _invalid(field, "This field is required.")
    value = content[field]
    if not isinstance(value, bool):
        raise _invalid(field, "true or false is required.")
    return value


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

"""Text and JSON as they enter the server: one check for REST bodies, query strings,
WebSocket frames and services.

PostgreSQL cannot store NUL (`\\x00`) in text, and a lone UTF-16 surrogate (`"\\ud800"`,
valid in JSON escapes) cannot be encoded to UTF-8 for it: either one used to reach the
database and come back as a 500 (or kill a socket). Deeply nested JSON used to exhaust
the parser's recursion. Each is refused here with a clear 400 / `error` event instead.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

#: Deepest nesting of arrays/objects accepted in a JSON body or frame. The API's deepest
#: legitimate body is 2 levels; 32 leaves room for clients' own structures.
JSON_MAX_DEPTH = 32

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class BadText(ValueError):
    """Input the server cannot take; the message says why, for the 400 / error event.

    `code`: "parse_error" when it is not JSON at all, "invalid" otherwise.
    """

    def __init__(self, message: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


def check_text(value: str) -> None:
    """Refuse NUL characters and lone surrogates (they cannot be stored)."""
    match = _UNSTORABLE.search(value)
    if match is not None:
        what = "NUL characters" if match.group() == "\x00" else "lone UTF-16 surrogates"
        raise BadText(f"Text may not contain {what}.")


def _walk(value: Any, depth: int) -> None:
    if isinstance(value, str):
        check_text(value)
    elif isinstance(value, dict):
        if depth >= JSON_MAX_DEPTH:
            raise BadText(f"JSON nested deeper than {JSON_MAX_DEPTH} levels.")
        for key, item in value.items():
            check_text(key)
            _walk(item, depth + 1)
    elif isinstance(value, list):
        if depth >= JSON_MAX_DEPTH:
            raise BadText(f"JSON nested deeper than {JSON_MAX_DEPTH} levels.")
        for item in value:
            _walk(item, depth + 1)


def parse_json(raw: bytes | str) -> Any:
    """Parse a JSON document the server will act on, or raise BadText saying why.

    orjson refuses lone surrogates in escapes and stops at 1,024 levels before any
    recursion trouble; the walk then enforces JSON_MAX_DEPTH and refuses NUL characters
    anywhere, keys included.
    """
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadText(f"Invalid JSON: {exc}", "parse_error") from None
    _walk(value, 0)
    return value

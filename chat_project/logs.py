"""The server's log: one line per request and per socket event, JSON in production.

`LOG_FORMAT=json` (production's default) writes every log record as one JSON object per
line — what a log shipper reads; `text` (development's) writes the same records for a
person. Each request gets one line from `RequestLogMiddleware` (`event: "request"`: route,
method, status, duration, user id, client address) and each socket one line when it opens
and one when it closes (`socket_open`, `socket_close` with its close code); every other
line logged while a request or a socket's frames are handled carries the same
`request_id` and `user_id` (a context variable and `ContextFilter`).

The request id is the proxy's (`X-Request-ID`: nginx's `$request_id`, also in its access
log) when it sent a sane one, else a new one; a socket keeps its handshake's. Responses
carry it back (`X-Request-ID`), so a user can quote it.

Never in a line: message text, tokens, passwords, query strings or request paths (a path
can hold a signed file token: `/files/<id>/<token>/...`; the route name says what was
asked). uvicorn's own access log, which writes paths with their query strings (a
WebSocket ticket), is off (`chat_project.serve`).
"""

from __future__ import annotations

import contextvars
import datetime
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson
from django.utils.functional import SimpleLazyObject

from chat_project.client_ip import client_ip

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponseBase

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
user_id_var: contextvars.ContextVar[int | None] = contextvars.ContextVar("user_id", default=None)

_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
#: LogRecord attributes that are not fields of the line.
_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "color_message",
    "taskName",
}

request_logger = logging.getLogger("chat.requests")
socket_logger = logging.getLogger("chat.sockets")


def new_request_id(proposed: str | None) -> str:
    """The proxy's id when it is one (letters, digits, . _ -), else a new one."""
    if proposed and _SANE_ID.match(proposed):
        return proposed
    return uuid.uuid4().hex


class ContextFilter(logging.Filter):
    """Adds the current request's (or socket's) id and user to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        if getattr(record, "user_id", None) is None:
            record.user_id = user_id_var.get()
        return True


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    return {
        key: value
        for key, value in record.__dict__.items()
        if key not in _STANDARD and value is not None
    }


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


class TextFormatter(logging.Formatter):
    """`12:00:01 INFO chat.requests request  route=messages-list status=201 ...`"""

    def format(self, record: logging.LogRecord) -> str:
        when = time.strftime("%H:%M:%S", time.localtime(record.created))
        fields = " ".join(f"{key}={value}" for key, value in _fields(record).items())
        text = f"{when} {record.levelname} {record.name} {record.getMessage()}"
        text = f"{text}  {fields}" if fields else text
        if record.exc_info:
            text = f"{text}\n{self.formatException(record.exc_info)}"
        return text


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """Django's LOGGING for `json` or `text`; uvicorn's loggers write through it too."""
    if log_format not in ("json", "text"):
        raise ValueError(f"LOG_FORMAT must be json or text, not {log_format!r}")
    formatter = (
        "chat_project.logs.JsonFormatter"
        if log_format == "json"
        else ("chat_project.logs.TextFormatter")
    )
    console = ["console"]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"context": {"()": "chat_project.logs.ContextFilter"}},
        "formatters": {"line": {"()": formatter}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "line",
                "filters": ["context"],
            }
        },
        "root": {"handlers": console, "level": level},
        "loggers": {
            # uvicorn configured these before the app was loaded; from now on they write
            # lines like every other.
            "uvicorn": {"handlers": console, "level": level, "propagate": False},
            "uvicorn.error": {"handlers": console, "level": level, "propagate": False},
            # 4xx are in the request line already (Django's warning repeats the path).
            "django.request": {"handlers": console, "level": "ERROR", "propagate": False},
        },
    }


class RequestLogMiddleware:
    """One line per request; the request id in context for every other line, and back in
    the response's X-Request-ID."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request_id = new_request_id(request.headers.get("X-Request-ID"))
        request_token = request_id_var.set(request_id)
        user_token = user_id_var.set(None)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            match = getattr(request, "resolver_match", None)
            request_logger.info(
                "request",
                extra={
                    "event": "request",
                    "request_id": request_id,
                    "user_id": known_user_id(request),
                    "method": request.method,
                    "route": match.view_name or match.route if match else "unmatched",
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "client_ip": client_ip(request),
                },
            )
            response["X-Request-ID"] = request_id
            return response
        finally:
            request_id_var.reset(request_token)
            user_id_var.reset(user_token)


def known_user_id(request: HttpRequest) -> int | None:
    """The user the request was authenticated as, if anything asked (DRF's token
    authentication sets `request.user`; the session's lazy user is looked up only when
    used): logging never costs a query."""
    user = vars(request).get("user")
    if isinstance(user, SimpleLazyObject):
        user = vars(request).get("_cached_user")
    if user is None or not user.is_authenticated:
        return None
    return int(user.pk)


def socket_request_id(scope: dict[str, Any]) -> str:
    """The handshake's request id (the proxy's), kept in the scope for the socket's life."""
    found = scope.get("request_id")
    if found is None:
        proposed = None
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                proposed = value.decode("latin-1")
        found = scope["request_id"] = new_request_id(proposed)
    return str(found)


def socket_opened(scope: dict[str, Any], user_id: int, socket_id: str) -> None:
    """`socket_open`; from now on the socket's lines carry its request id and user."""
    request_id = socket_request_id(scope)
    request_id_var.set(request_id)
    user_id_var.set(user_id)
    scope["opened_at"] = time.monotonic()
    client = scope.get("client") or ("", 0)
    socket_logger.info(
        "socket_open",
        extra={
            "event": "socket_open",
            "request_id": request_id,
            "user_id": user_id,
            "socket_id": socket_id,
            "auth": scope.get("auth_method"),
            "client_ip": client[0],
        },
    )


def socket_closed(
    scope: dict[str, Any], user_id: int | None, socket_id: str | None, code: int | None
) -> None:
    opened = scope.get("opened_at")
    socket_logger.info(
        "socket_close",
        extra={
            "event": "socket_close",
            "request_id": socket_request_id(scope),
            "user_id": user_id,
            "socket_id": socket_id,
            "code": code,
            "seconds": round(time.monotonic() - opened, 1) if opened is not None else None,
        },
    )

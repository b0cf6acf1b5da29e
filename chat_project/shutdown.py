"""Graceful restarts: what a server process does between SIGTERM and its exit.

uvicorn (production's server, started by `chat_project.serve`) does the first part
itself: on SIGTERM it closes its listening socket (the proxy sends new connections to
the other replicas), closes every WebSocket with code 1012 "service restart" (the
consumer sees `disconnect(1012)`: the socket's presence lingers for
`PRESENCE_RESTART_GRACE_SECONDS` instead of going offline, so its user reconnects to
another process without their friends seeing them leave and come back), lets each HTTP
request in flight finish and answers it with `Connection: close`. After
`SHUTDOWN_TIMEOUT_SECONDS` (`--timeout-graceful-shutdown`) it cancels what still runs
and sends the ASGI lifespan `shutdown` event to `lifespan` below (this process's live
gauges leave the replica's metrics). A request cut at the deadline is answered 503
(`cut_off_response`, from chat_project/handler.py): whatever was cut is safe to retry,
sends being idempotent by `client_id` (the web UI sends again what was not acknowledged).
uvicorn then raises SIGTERM again, so the process ends even with a request's thread still
blocked somewhere.

daphne (`make run`) and granian have no such sequence: their sockets are dropped (1006)
and their clients reconnect with the ordinary back-off.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from django.http import JsonResponse

from chat_project import metrics

logger = logging.getLogger(__name__)

#: The close code uvicorn sends every WebSocket when its process stops (RFC 6455 "service
#: restart"): the client reconnects at once, to another replica (docs/api.md).
CLOSE_SERVICE_RESTART = 1012


def cut_off_response() -> JsonResponse:
    """The answer to a request still running at the shutdown deadline: uvicorn cancels it
    (its default answer would be a bare 500). The work may or may not have been stored —
    a retry is safe where the API makes it so (`client_id`)."""
    response = JsonResponse(
        {
            "detail": "The server stopped before it finished this request: send it again.",
            "code": "service_unavailable",
        },
        status=503,
    )
    response["Retry-After"] = "1"
    return response


Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def lifespan(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    """The ASGI lifespan protocol (uvicorn's `--lifespan on`)."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            logger.info("server process %s started", os.getpid())
            metrics.process_started()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            logger.info("server process %s stopped", os.getpid())
            metrics.process_stopped()
            await send({"type": "lifespan.shutdown.complete"})
            return

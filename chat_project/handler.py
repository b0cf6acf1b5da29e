"""Django's ASGI handler, with each request's sync work done in one call on a shared pool.

Every view and middleware of this project is synchronous (the ORM is). Django's
`ASGIHandler` nevertheless runs a request as a string of hops between the event loop and a
thread: it starts a new thread for every request (`ThreadSensitiveContext` gives each
request its own single-thread executor), sends `request_started` through `sync_to_async`,
runs the middleware chain in that thread, hops back to the loop to resolve the URL
(`_get_response_async`), back to the thread for the view, and once more to close the
response. Each hop is a future, a self-pipe wake-up and two GIL hand-overs, and the thread
start is the most expensive part of all (`python -m bench.inprocess send` under py-spy).

`ASGIHandler` here keeps Django's request parsing and response sending on the loop and
runs everything in between — `request_started`, the middleware chain in sync mode (so no
middleware is adapted either way), the view, rendering, `response.close()` with
`request_finished` — in **one** call on a bounded thread pool (`HTTP_THREADS`, by default
the size of the database pool, so requests queue for a thread rather than for a database
connection). The whole request sees one thread, as with Django's per-request thread, so
database connections, transactions and `on_commit` behave the same; `async_to_sync` inside
it runs on the server's loop (asgiref's `sync_to_async` records it). Streaming responses
(static files) are closed after they are sent, as Django does. Django's
`listen_for_disconnect` task is left out: it can only cancel async views, and there are
none (a sync view runs to its end either way).
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers import asgi, base
from django.core.handlers.asgi import get_script_prefix
from django.http import HttpResponseBase, JsonResponse
from django.urls import set_script_prefix

from chat_project import shutdown
from chat_project.realtime.hub import note_request_wait


class ASGIHandler(asgi.ASGIHandler):
    def __init__(self) -> None:
        base.BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        threads = getattr(settings, "HTTP_THREADS", None) or 10
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="http")
        self._respond = sync_to_async(
            self._respond_sync, thread_sensitive=False, executor=self._executor
        )

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        await self.handle(scope, receive, send)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        refused = _declared_too_large(scope)
        if refused is not None:  # not read at all, let alone spooled to disk
            await self.send_response(refused, send)
            return
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            response = await self._respond(scope, body_file, time.monotonic())
        except asyncio.CancelledError:
            # uvicorn's graceful-shutdown deadline passed (chat_project/shutdown.py): a
            # JSON 503 instead of its bare 500, and the task ends as answered.
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
            response = shutdown.cut_off_response()
        try:
            await self.send_response(response, send)
        finally:
            if response.streaming:
                await sync_to_async(response.close, thread_sensitive=False)()

    def _respond_sync(
        self, scope: dict[str, Any], body_file: Any, queued: float
    ) -> HttpResponseBase:
        """Everything between reading the body and sending the response, in this thread."""
        note_request_wait(time.monotonic() - queued)  # back-pressure (realtime/hub.py)
        with body_file:
            set_script_prefix(get_script_prefix(scope))
            signals.request_started.send(sender=self.__class__, scope=scope)
            request, response = self.create_request(scope, body_file)
            if request is not None:
                response = self.get_response(request)
            response = cast(HttpResponseBase, response)  # create_request: request or error
            response._handler_class = self.__class__  # type: ignore[attr-defined]  # as Django
            if not response.streaming:
                # Rendered already: release the request's resources (database
                # connection back to the pool, via request_finished) before sending.
                response.close()
            return response


def _declared_too_large(scope: dict[str, Any]) -> HttpResponseBase | None:
    """The 413 for a body whose Content-Length is over its path's limit
    (`chat_project.uploads.body_limit`), answered before the body is read: Django's
    handler would first spool all of it to a temporary file."""
    from chat_project import uploads  # imports DRF: not before django.setup()

    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                length = int(value)
            except ValueError:
                return None  # the middleware answers 400
            path = scope.get("path", "")[len(scope.get("root_path", "")) :]
            if length > uploads.body_limit(path)[0]:
                return JsonResponse(uploads.body_too_large(path), status=413)
            return None
    return None


def get_asgi_application() -> ASGIHandler:
    """`django.core.asgi.get_asgi_application`, with the handler above."""
    import django

    django.setup(set_prefix=False)
    return ASGIHandler()

"""The ASGI handler (chat_project/handler.py): one call on a shared pool per request.

These drive the handler as a server does (an ASGI scope), so the request runs in the
handler's own threads: the tests are transactional.
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.core import signals
from django.db import connection
from rest_framework_simplejwt.tokens import AccessToken

from chat_project import views
from chat_project.handler import ASGIHandler
from conversations.tests.factories import group_with

pytestmark = pytest.mark.django_db(transaction=True)

HOST = [(b"host", b"testserver")]


@pytest.fixture(scope="module")
def app() -> ASGIHandler:
    return ASGIHandler()


async def call(app, method: str, path: str, body: bytes = b"", headers=()) -> dict:
    """One request as a server makes it; the response's status and whole body."""
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "query_string": b"",
        "root_path": "",
        "headers": [*HOST, (b"content-length", str(len(body)).encode()), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    inbox = [{"type": "http.request", "body": body, "more_body": False}]
    hang_up = asyncio.Event()
    response: dict = {"body": b""}

    async def receive() -> dict:
        if inbox:
            return inbox.pop()
        await hang_up.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            response["status"] = message["status"]
        else:
            response["body"] += message.get("body", b"")

    await asyncio.wait_for(app(scope, receive, send), timeout=10)
    hang_up.set()
    return response


@pytest.mark.needs_services  # SQLite's in-memory test database is never closed by Django
async def test_a_request_runs_start_to_finish_in_one_pool_thread(app, monkeypatch):
    """request_started, the middleware, the view and request_finished (which returns the
    database connection) all run in one thread of the handler's pool, not on the loop."""
    seen: list[tuple[str, threading.Thread]] = []
    closed: list[bool] = []

    def started(**kwargs: object) -> None:
        seen.append(("started", threading.current_thread()))

    def finished(**kwargs: object) -> None:
        seen.append(("finished", threading.current_thread()))
        closed.append(connection.connection is None)  # Django's receiver ran first

    check_database = views._check_database

    def spy() -> str:
        seen.append(("view", threading.current_thread()))
        return check_database()

    monkeypatch.setattr(views, "_check_database", spy)
    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        response = await call(app, "GET", "/health")
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)
    assert response["status"] == 200
    assert [step for step, _ in seen] == ["started", "view", "finished"]
    (thread,) = {thread for _, thread in seen}
    assert thread.name.startswith("http") and thread is not threading.current_thread()
    assert closed == [True]


async def test_no_thread_is_started_per_request(app):
    for _ in range(3):  # warm-up: the pool starts its threads as it needs them
        await call(app, "GET", "/accounts/login/")
    before = {thread.ident for thread in threading.enumerate()}
    for _ in range(20):
        assert (await call(app, "GET", "/accounts/login/"))["status"] == 200
    started = {thread.ident for thread in threading.enumerate()} - before
    assert len(started) <= settings.HTTP_THREADS - 1  # at most the rest of the pool


async def test_streaming_responses_are_sent_whole(app):
    """Static files are streaming responses: sent chunk by chunk, closed afterwards."""
    response = await call(app, "GET", "/static/chat/icon.svg")
    assert response["status"] == 200
    assert response["body"] == (settings.BASE_DIR / "static" / "chat" / "icon.svg").read_bytes()


@pytest.mark.needs_services
async def test_an_event_sent_from_a_request_reaches_the_servers_hub(app, user, other_user):
    """An after-commit event is published from the pool thread; the hub on the server's
    loop (where sockets live) receives it from the bus."""
    from chat_project import realtime
    from chat_project.tests.listeners import Listener

    group = await database_sync_to_async(group_with)(user, other_user, name="Team")
    token = await database_sync_to_async(lambda: str(AccessToken.for_user(user)))()
    listener = Listener(other_user.pk)
    hub = realtime.get_hub()
    await hub.join(listener, realtime.conversation_group(group.id), 0)
    response = await call(
        app,
        "POST",
        "/api/messages",
        b'{"conversation_id": %d, "content": "hi"}' % group.id,
        headers=[
            (b"content-type", b"application/json"),
            (b"authorization", f"Bearer {token}".encode()),
        ],
    )
    assert response["status"] == 201, response["body"]
    event = await listener.next()
    assert event["type"] == "new_message"
    assert event["message"]["content"] == "hi"
    hub.leave(listener, realtime.conversation_group(group.id))

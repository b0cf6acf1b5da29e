"""The web UI through a restart: chromium on the chat page, behind Debian's nginx in front
of two replicas (tests/e2e/proxy.py), and the replica holding its socket is stopped.

The page gets close code 1012 and reconnects at once — within a second, whatever back-off
earlier failures had built up (static/chat/lib/socket.js) — through nginx to the other
replica, and shows the message sent while it was moving.
"""

from __future__ import annotations

import json
import signal
import time

import httpx
import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from tests.e2e.conftest import access_token_for
from tests.e2e.proxy import replicas_behind_nginx
from tests.e2e.test_browser import befriend, direct_chat, messages_with, session_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sockets_opened(server, user_id: int) -> int:
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    return sum(1 for x in lines if x.get("event") == "socket_open" and x["user_id"] == user_id)


def test_the_page_moves_to_another_replica_at_once(browser, uvicorn_factory, static_root, tmp_path):
    # The servers get Django's async-safety checks back (the browser fixture lifts them).
    stack = replicas_behind_nginx(
        uvicorn_factory, static_root, tmp_path, 2, DJANGO_ALLOW_ASYNC_UNSAFE=""
    )
    nginx = stack.nginx
    try:
        alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
        befriend(alice, bob)
        conversation_id = direct_chat(alice, bob)
        context = browser.new_context(base_url=nginx.url, ignore_https_errors=True)
        context.add_cookies([{"name": "sessionid", "value": session_for(alice), "url": nginx.url}])
        page = context.new_page()
        page.goto(f"/c/{conversation_id}/")
        expect(page.locator("body")).to_have_attribute("data-connection", "open")
        (holder,) = [s for s in stack.servers if sockets_opened(s, alice.pk) == 1]
        (other,) = [s for s in stack.servers if s is not holder]
        # As if earlier failures had grown the back-off to 8-15 s: a restart ignores it.
        page.evaluate("window.chatApp.socket.attempt = 5")

        started = time.monotonic()
        holder.process.send_signal(signal.SIGTERM)
        sent = httpx.post(
            f"{nginx.url}/api/messages",
            json={"conversation_id": conversation_id, "content": "sent while moving"},
            headers={"Authorization": f"Bearer {access_token_for(bob)}"},
            verify=nginx.ssl_context(),
        )
        assert sent.status_code == 201, sent.text
        expect(messages_with(page, "sent while moving")).to_have_count(1, timeout=10_000)
        expect(page.locator("body")).to_have_attribute("data-connection", "open")
        while sockets_opened(other, alice.pk) == 0:
            assert time.monotonic() - started < 10, other.log()[-2000:]
            time.sleep(0.05)
        moved = time.monotonic() - started
        assert moved < 2.5, moved
        holder.process.wait(timeout=30)
        context.close()
    finally:
        nginx.stop()

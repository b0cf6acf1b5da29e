"""Web push in the web UI: real chromium, real daphne, the real service worker.

Headless chromium has no way to reach a real push service (FCM) from the test machine,
so `PushManager.subscribe` is the one browser call replaced (an init script): it answers
a subscription whose endpoint is the local push service (tests/push_service.py) and whose
keys the test holds. Everything else is real: the notification permission (granted to
the context), registering /sw.js at scope "/", the REST calls of the settings section,
the server's push to the local service (decrypted as a browser would) and, through the
DevTools protocol (`ServiceWorker.deliverPushMessage`), the worker showing the
notification a push carries.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from accounts.models import PushSubscription
from accounts.tests.factories import UserFactory
from chat_project import realtime
from chat_project.vapid import b64url_decode, generate_key_pair
from tests.e2e import test_browser
from tests.e2e.conftest import access_token_for
from tests.e2e.test_browser import befriend, direct_chat
from tests.push_service import BrowserKeys, PushService, start_push_service

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

people = test_browser.people
shots = test_browser.shots

KEYS = generate_key_pair()


@pytest.fixture
def server(browser: Any, daphne_factory: Callable[..., Any]) -> Any:
    return daphne_factory(
        DJANGO_ALLOW_ASYNC_UNSAFE="",
        VAPID_PUBLIC_KEY=KEYS[0],
        VAPID_PRIVATE_KEY=KEYS[1],
        PUSH_ENDPOINT_HOSTS="127.0.0.1",
    )


@pytest.fixture
def push_service() -> Iterator[PushService]:
    service = start_push_service()
    yield service
    service.server.shutdown()
    service.server.server_close()


#: Replaces PushManager.subscribe/getSubscription with a subscription to the local push
#: service (arguments: the endpoint and the keys); records the applicationServerKey used.
FAKE_SUBSCRIBE = """
(([endpoint, p256dh, auth]) => {
  const key = "chat-test-push-subscribed";
  const make = (serverKey) => ({
    endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: serverKey },
    toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh, auth } }),
    unsubscribe: async () => { localStorage.removeItem(key); return true; },
  });
  PushManager.prototype.subscribe = async function (options) {
    const bytes = new Uint8Array(options.applicationServerKey);
    localStorage.setItem(key, btoa(String.fromCharCode(...bytes)));
    return make(bytes.buffer);
  };
  PushManager.prototype.getSubscription = async function () {
    const saved = localStorage.getItem(key);
    return saved ? make(Uint8Array.from(atob(saved), (c) => c.charCodeAt(0)).buffer) : null;
  };
})(%s);
"""


def test_enabling_push_in_settings_subscribes_this_device(
    server, people, push_service, shots: Callable[[Page, str], None]
):
    bob = UserFactory(username="bob")
    alice = UserFactory(username="alice")
    befriend(alice, bob)
    chat = direct_chat(alice, bob)
    browser_keys = BrowserKeys.new()
    endpoint = push_service.url("bob-chromium")

    person = people(bob)
    person.context.grant_permissions(["notifications"])
    person.context.add_init_script(
        FAKE_SUBSCRIBE % json.dumps([endpoint, browser_keys.p256dh, browser_keys.auth])
    )
    page = person.page
    page.goto("/accounts/settings/")
    section = page.locator("#push-settings")
    expect(section.locator("#push-status")).to_have_text(
        "Push notifications are off for this device."
    )
    expect(section.locator("#push-devices-empty")).to_be_visible()

    section.get_by_role("button", name="Enable on this device").click()
    expect(section.locator("#push-status")).to_have_text(
        "Push notifications are on for this device."
    )
    device = section.locator("#push-devices li")
    expect(device).to_have_count(1)
    expect(device).to_contain_text("(this device)")
    expect(device).to_contain_text("Chrome on Linux")
    expect(section.get_by_role("button", name="Turn off on this device")).to_be_visible()
    shots(page, "push-settings.png")

    # The real service worker is registered at the root and controls the site.
    scope = page.evaluate("async () => (await navigator.serviceWorker.ready).scope")
    assert scope == f"{server.url}/"
    # Subscribed with the server's public key (GET /api/push/key).
    used_key = page.evaluate("() => localStorage.getItem('chat-test-push-subscribed')")
    assert base64.b64decode(used_key) == b64url_decode(KEYS[0])
    (row,) = PushSubscription.objects.filter(user=bob)
    assert row.endpoint == endpoint and row.p256dh == browser_keys.p256dh

    # Previews: the toggle is the user's field.
    section.get_by_label("Show message text in push notifications").check()
    expect(section.locator("#push-status")).to_have_text(
        "Push notifications will show message text."
    )
    bob.refresh_from_db()
    assert bob.push_previews is True

    # Bob closes Chat: alice's next message is pushed to this device, with its text.
    page.goto("about:blank")
    deadline = time.monotonic() + 20
    while realtime.is_online(bob.pk) and time.monotonic() < deadline:
        time.sleep(0.05)
    sent = httpx.post(
        f"{server.url}/api/messages",
        json={"conversation_id": chat, "content": "lunch at noon?"},
        headers={"Authorization": f"Bearer {access_token_for(alice)}"},
    )
    assert sent.status_code == 201, sent.text
    (push,) = push_service.wait_for(1)
    payload = browser_keys.decrypt(push)
    assert payload["text"] == "lunch at noon?"
    assert payload["url"] == f"/c/{chat}/?message={sent.json()['id']}"


def test_the_service_worker_shows_a_push_and_previews_stay_out_unless_allowed(
    server, people, push_service
):
    """The worker turns a payload into a notification: the sender as title, the text or
    "New message", one per conversation. The push is handed to it by the DevTools protocol
    (what a push service would deliver), then the page lists the worker's notifications."""
    bob = UserFactory(username="bob")
    person = people(bob)
    person.context.grant_permissions(["notifications"])
    page = person.page
    page.goto("/accounts/settings/")
    page.evaluate("async () => { await navigator.serviceWorker.register('/sw.js'); }")
    page.evaluate("async () => (await navigator.serviceWorker.ready).scope")

    cdp = person.context.new_cdp_session(page)
    registrations: list[str] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(r["registrationId"] for r in event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + 10
    while not registrations and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert registrations
    # The worker is running (a push to one still starting up can be lost in headless mode).
    (worker,) = person.context.service_workers
    assert worker.evaluate("self.registration.active.state") == "activated"

    def deliver(payload: dict[str, Any]) -> None:
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {
                "origin": server.url,
                "registrationId": registrations[-1],
                "data": json.dumps(payload),
            },
        )

    listed = """async () => (await (await navigator.serviceWorker.ready).getNotifications())
        .map((n) => ({title: n.title, body: n.body, tag: n.tag, url: n.data && n.data.url}))"""

    def notifications(ready: Callable[[list[dict[str, Any]]], bool]) -> list[dict[str, Any]]:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            shown = page.evaluate(listed)
            if ready(shown):
                return shown
            page.wait_for_timeout(50)
        raise AssertionError(f"not the notifications expected: {page.evaluate(listed)}")

    base = {
        "type": "message",
        "conversation": {"id": 7, "type": "direct", "name": "Alice"},
        "message_id": 70,
        "sender": {"id": 1, "name": "Alice"},
        "text": None,
        "url": "/c/7/?message=70",
        "sent_at": "2026-11-29T12:00:00+00:00",
    }
    deliver(base)
    assert notifications(lambda shown: len(shown) == 1) == [
        {
            "title": "Alice",
            "body": "New message",
            "tag": "conversation-7",
            "url": "/c/7/?message=70",
        }
    ]
    deliver(
        {
            **base,
            "type": "mention",
            "conversation": {"id": 8, "type": "group", "name": "Team"},
            "text": "@bob look",
            "url": "/c/8/?message=80",
        }
    )
    shown = {n["tag"]: n for n in notifications(lambda shown: len(shown) == 2)}
    assert shown["conversation-8"]["title"] == "Alice in Team"
    assert shown["conversation-8"]["body"] == "@bob look"
    deliver({**base, "text": "newer"})  # the same conversation: replaces its notification
    shown = notifications(lambda shown: any(n["body"] == "newer" for n in shown))
    assert sorted((n["tag"], n["body"]) for n in shown) == [
        ("conversation-7", "newer"),
        ("conversation-8", "@bob look"),
    ]

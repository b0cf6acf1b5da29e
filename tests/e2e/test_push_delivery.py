"""Web push over a live server: a person with an open WebSocket (a real client) gets no
push; once their last socket closes, the next direct message is pushed to their browser's
push service — a real local HTTP server here (tests/push_service.py), to which the live
server's pywebpush POSTs, decrypted with the subscription's keys as a browser would.
"""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from accounts.tests.factories import UserFactory
from chat_project import realtime
from chat_project.vapid import generate_key_pair
from conversations.tests.factories import direct_conversation
from friends.tests.factories import AcceptedFriendshipFactory
from tests.e2e.conftest import WS_WAIT, access_token_for, open_live_socket
from tests.push_service import BrowserKeys, start_push_service

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs_services]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def wait_offline(user_id: int) -> None:
    """Until the server has processed the close (its presence store says offline)."""
    deadline = time.monotonic() + WS_WAIT
    while realtime.is_online(user_id) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not realtime.is_online(user_id)


def test_a_push_goes_out_only_when_the_person_has_no_open_socket(daphne_factory):
    public, private = generate_key_pair()
    server = daphne_factory(
        VAPID_PUBLIC_KEY=public,
        VAPID_PRIVATE_KEY=private,
        PUSH_ENDPOINT_HOSTS="127.0.0.1",
        PRESENCE_TTL_SECONDS="3",
    )
    push_service = start_push_service()
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    AcceptedFriendshipFactory(requester=alice, receiver=bob)
    chat = direct_conversation(alice, bob)
    alice_token, bob_token = access_token_for(alice), access_token_for(bob)
    browser = BrowserKeys.new()

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=WS_WAIT) as http:
            key = (await http.get("/api/push/key", headers=auth(bob_token))).json()
            assert key == {"enabled": True, "public_key": public}
            subscribed = await http.post(
                "/api/push/subscriptions",
                json=browser.subscription(push_service.url("bob")),
                headers=auth(bob_token),
            )
            assert subscribed.status_code == 201, subscribed.text

            bob_ws = await open_live_socket(server, token=bob_token)
            sent = await http.post(
                "/api/messages",
                json={"conversation_id": chat.pk, "content": "are you there?"},
                headers=auth(alice_token),
            )
            assert sent.status_code == 201, sent.text
            await bob_ws.wait_for("new_message")
            # The push would have been sent before the send's answer (after its commit, by
            # the immediate task backend); there is none: bob's socket is open.
            assert push_service.pushes() == []

            await bob_ws.close()
            await asyncio.to_thread(wait_offline, bob.pk)

            sent = await http.post(
                "/api/messages",
                json={"conversation_id": chat.pk, "content": "call me"},
                headers=auth(alice_token),
            )
            assert sent.status_code == 201, sent.text
            (push,) = await asyncio.to_thread(push_service.wait_for, 1)
            payload = browser.decrypt(push)
            assert payload["message_id"] == sent.json()["id"]
            assert payload["sender"] == {"id": alice.pk, "name": alice.name}
            assert payload["text"] is None  # bob allows no previews

    try:
        asyncio.run(scenario())
    finally:
        push_service.server.shutdown()
        push_service.server.server_close()

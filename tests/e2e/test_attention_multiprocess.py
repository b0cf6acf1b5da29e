"""Do not disturb, invisible and notification levels across two real server processes.

A change made through one process (REST there) must hold for the user's sockets on the
other: each socket decides `alert` from the user's status and settings, which it follows
through events of the user's own group, so nothing is cached per process.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from accounts.tests.factories import UserFactory
from conversations.tests.factories import group_with
from friends.tests.factories import AcceptedFriendshipFactory
from tests.e2e.conftest import WS_WAIT, access_token_for, open_live_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs_services]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_dnd_invisible_and_mute_hold_across_processes(daphne_factory):
    server_a, server_b = daphne_factory(), daphne_factory()
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    AcceptedFriendshipFactory(requester=alice, receiver=bob)
    team = group_with(alice, bob, name="Team")
    alice_t, bob_t = access_token_for(alice), access_token_for(bob)

    async def say(alice_ws, text: str) -> None:
        await alice_ws.send({"type": "send_message", "conversation_id": team.pk, "content": text})
        await alice_ws.wait_for("message_ack")

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=server_a.url, timeout=WS_WAIT) as http_a:
            bob_ws = await open_live_socket(server_b, token=bob_t)
            alice_ws = await open_live_socket(server_a, token=alice_t)
            await alice_ws.wait_for("user_online", user_id=bob.pk, status="online")

            # Do not disturb, set through process A; bob's socket is on B.
            response = await http_a.put(
                "/api/users/me/status", json={"status": "dnd"}, headers=auth(bob_t)
            )
            assert response.status_code == 200, response.text
            await bob_ws.wait_for("status_changed", status="dnd")
            await alice_ws.wait_for("user_online", user_id=bob.pk, status="dnd")
            await say(alice_ws, "@bob during dnd")
            frame = await bob_ws.wait_for("new_message")
            assert (frame["message"]["content"], frame["alert"]) == ("@bob during dnd", False)

            # Back online, but the conversation muted (through A again).
            await bob_ws.send({"type": "set_status", "status": "online"})
            await bob_ws.wait_for("status_changed", status="online")
            response = await http_a.put(
                f"/api/conversations/{team.pk}/notifications",
                json={"muted_until": "forever"},
                headers=auth(bob_t),
            )
            assert response.status_code == 200, response.text
            await bob_ws.wait_for("notification_settings_changed", conversation_id=team.pk)
            await say(alice_ws, "while muted")
            frame = await bob_ws.wait_for("new_message")
            assert (frame["message"]["content"], frame["alert"]) == ("while muted", False)
            await http_a.put(
                f"/api/conversations/{team.pk}/notifications",
                json={"muted_until": None},
                headers=auth(bob_t),
            )
            await bob_ws.wait_for("notification_settings_changed", conversation_id=team.pk)
            await say(alice_ws, "unmuted")
            frame = await bob_ws.wait_for("new_message")
            assert (frame["message"]["content"], frame["alert"]) == ("unmuted", True)

            # Invisible on B: alice, on A, sees bob go offline without a "last seen",
            # and a new socket of hers does not see him online either.
            await bob_ws.send({"type": "set_status", "status": "invisible"})
            offline = await alice_ws.wait_for("user_offline", user_id=bob.pk)
            assert (offline["status"], offline["last_seen"]) == ("offline", None)
            friends = (await http_a.get("/api/friends", headers=auth(alice_t))).json()
            assert [(f["is_online"], f["status"]) for f in friends] == [(False, "offline")]
            alice_2 = await open_live_socket(server_a, token=alice_t)
            await alice_2.send({"type": "ping"})
            assert (await alice_2.wait_for("pong"))["type"] == "pong"
            assert not [f for f in alice_2.seen if f.get("type") == "user_online"]

            # Leaving while invisible records no "last seen".
            await bob_ws.close()
            await alice_ws.wait_for("user_offline", user_id=bob.pk, last_seen=None)
            await alice_2.close()
            await alice_ws.close()

    asyncio.run(scenario())

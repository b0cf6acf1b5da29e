"""Two real server processes on one PostgreSQL and one Redis.

Users connected to different processes see each other's messages, typing, membership
changes and presence; when one process dies by SIGKILL (no chance to clean up), its
users go offline through the surviving process's sweeper, and that process keeps
serving. Each process's delivery hub keeps its own group membership (one Redis
subscription per group and process), which is exactly what this must survive.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from accounts.tests.factories import UserFactory
from chat_project import realtime
from conversations.tests.factories import group_with
from friends.tests.factories import AcceptedFriendshipFactory
from tests.e2e.conftest import WS_WAIT, access_token_for, open_live_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs_services]

#: Presence TTL of the servers: a killed process's users are gone within TTL + TTL/3.
TTL_SECONDS = 3


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_two_processes_share_delivery_membership_and_presence(daphne_factory):
    env = {"PRESENCE_TTL_SECONDS": str(TTL_SECONDS)}
    server_a, server_b = daphne_factory(**env), daphne_factory(**env)
    alice, bob, carol = (UserFactory(username=n) for n in ("alice", "bob", "carol"))
    AcceptedFriendshipFactory(requester=alice, receiver=bob)
    AcceptedFriendshipFactory(requester=alice, receiver=carol)
    team = group_with(alice, bob, name="Team")
    alice_t, bob_t, carol_t = (access_token_for(u) for u in (alice, bob, carol))

    async def scenario() -> None:
        async with (
            httpx.AsyncClient(base_url=server_a.url, timeout=WS_WAIT) as http_a,
            httpx.AsyncClient(base_url=server_b.url, timeout=WS_WAIT) as http_b,
        ):
            bob_ws = await open_live_socket(server_b, token=bob_t)
            carol_ws = await open_live_socket(server_b, token=carol_t)
            alice_ws = await open_live_socket(server_a, token=alice_t)
            # Presence across processes, both ways.
            await bob_ws.wait_for("user_online", user_id=alice.pk)
            await carol_ws.wait_for("user_online", user_id=alice.pk)
            await alice_ws.wait_for("user_online", user_id=bob.pk)
            for http in (http_a, http_b):
                assert (await http.get("/health")).json()["websocket_connections"] == 3

            # Messages and typing across processes.
            await alice_ws.send(
                {"type": "send_message", "conversation_id": team.pk, "content": "from A"}
            )
            await alice_ws.wait_for("message_ack")
            assert (await bob_ws.wait_for("new_message"))["message"]["content"] == "from A"
            await bob_ws.send({"type": "typing", "conversation_id": team.pk, "is_typing": True})
            await alice_ws.wait_for("typing", user_id=bob.pk, is_typing=True)
            await bob_ws.send({"type": "join_conversation", "conversation_id": team.pk})
            await alice_ws.wait_for("user_joined", user_id=bob.pk)
            await alice_ws.send({"type": "join_conversation", "conversation_id": team.pk})
            joined = await alice_ws.wait_for("joined_conversation")
            assert joined["viewer_ids"] == sorted([alice.pk, bob.pk])

            # Membership: added through process A, carol's socket on B follows at once.
            added = await http_a.post(
                f"/api/conversations/{team.pk}/members",
                json={"user_ids": [carol.pk]},
                headers=auth(alice_t),
            )
            assert added.status_code == 200, added.text
            created = await carol_ws.wait_for("conversation_created")
            assert created["conversation"]["id"] == team.pk
            await bob_ws.wait_for("member_added", user_id=carol.pk)
            await alice_ws.send(
                {"type": "send_message", "conversation_id": team.pk, "content": "hi carol"}
            )
            assert (await carol_ws.wait_for("new_message"))["message"]["content"] == "hi carol"

            # Removed through process B: carol hears nothing more from the conversation.
            removed = await http_b.delete(
                f"/api/conversations/{team.pk}/members/{carol.pk}", headers=auth(alice_t)
            )
            assert removed.status_code == 204, removed.text
            await carol_ws.wait_for("removed_from_conversation", conversation_id=team.pk)
            await alice_ws.send(
                {"type": "send_message", "conversation_id": team.pk, "content": "after"}
            )
            await bob_ws.wait_for("new_message")  # delivered to the members...
            direct = await http_a.post(
                "/api/conversations",
                json={"type": "direct", "member_user_ids": [carol.pk]},
                headers=auth(alice_t),
            )
            assert direct.status_code == 201, direct.text
            await carol_ws.wait_for("conversation_created")
            await alice_ws.send(
                {"type": "send_message", "conversation_id": direct.json()["id"], "content": "dm"}
            )
            # ...and carol's next message is the later direct one, never "after".
            assert (await carol_ws.wait_for("new_message"))["message"]["content"] == "dm"

            # SIGKILL process A: alice's socket is never closed properly.
            server_a.kill()
            await bob_ws.wait_for("user_offline", user_id=alice.pk)
            await carol_ws.wait_for("user_offline", user_id=alice.pk)
            assert not await asyncio.to_thread(realtime.is_online, alice.pk)
            assert (await http_b.get("/health")).json()["websocket_connections"] == 2

            # Process B keeps serving, old sockets and new ones.
            await bob_ws.send(
                {"type": "send_message", "conversation_id": team.pk, "content": "still here"}
            )
            assert (await bob_ws.wait_for("message_ack"))["message"]["content"] == "still here"
            alice_again = await open_live_socket(server_b, token=alice_t)
            await bob_ws.wait_for("user_online", user_id=alice.pk)
            await alice_again.close()
            await bob_ws.wait_for("user_offline", user_id=alice.pk)
            await bob_ws.close()
            await carol_ws.close()

    asyncio.run(scenario())

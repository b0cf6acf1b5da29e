"""SIGTERM to a uvicorn process with live sockets and requests in flight (chat_project/shutdown.py).

Two processes on one PostgreSQL and one Redis, as two replicas behind a proxy. Process A
is told to stop while a REST send and a WebSocket send are held in flight (a row lock
from the side: tests/e2e/row_lock.py). A closes its sockets with 1012 at once and refuses
new connections, but stays up until the held requests finish; their clients reconnect
to B within moments, re-send what was not acknowledged (the same `client_id`) and catch
up. Nothing is lost or doubled in the database, and presence does not flap: a friend
watching from B sees neither an offline nor an online for the user who moved, and the
user who never came back goes offline once the grace is over.
"""

from __future__ import annotations

import asyncio
import signal
import time

import httpx
import pytest

from accounts.tests.factories import UserFactory
from chat_project.shutdown import CLOSE_SERVICE_RESTART
from conversations.tests.factories import group_with
from friends.tests.factories import AcceptedFriendshipFactory
from messaging.models import Message
from tests.e2e.conftest import WS_WAIT, access_token_for, open_live_socket
from tests.e2e.row_lock import ConversationLock

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs_services]

GRACE = 3
#: Presence swept every TTL/3 (2 s); a socket closed by the restart counts for GRACE more.
ENV = {
    "PRESENCE_TTL_SECONDS": "6",
    "PRESENCE_RESTART_GRACE_SECONDS": str(GRACE),
    "SHUTDOWN_TIMEOUT_SECONDS": "15",
}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def wait_exit(process, within: float) -> int:
    deadline = time.monotonic() + within
    while process.poll() is None:
        assert time.monotonic() < deadline, f"still running {within} s after SIGTERM"
        time.sleep(0.05)
    return process.returncode


def test_sigterm_moves_sockets_to_another_process_with_nothing_lost(uvicorn_factory):
    server_a, server_b = uvicorn_factory(**ENV), uvicorn_factory(**ENV)
    alice, bob, carol = (UserFactory(username=n) for n in ("alice", "bob", "carol"))
    AcceptedFriendshipFactory(requester=alice, receiver=bob)
    AcceptedFriendshipFactory(requester=alice, receiver=carol)
    team = group_with(alice, bob, carol, name="Team")
    alice_t, bob_t, carol_t = (access_token_for(u) for u in (alice, bob, carol))
    lock = ConversationLock(team.pk)

    async def scenario() -> dict:
        timings: dict[str, float] = {}
        async with (
            httpx.AsyncClient(base_url=server_a.url, timeout=WS_WAIT) as http_a,
            httpx.AsyncClient(base_url=server_b.url, timeout=WS_WAIT) as http_b,
        ):
            alice_ws = await open_live_socket(server_b, token=alice_t)
            bob_ws = await open_live_socket(server_a, token=bob_t)
            carol_ws = await open_live_socket(server_a, token=carol_t)
            await alice_ws.wait_for("user_online", user_id=bob.pk)
            await alice_ws.wait_for("user_online", user_id=carol.pk)
            await bob_ws.send({"type": "join_conversation", "conversation_id": team.pk})
            await bob_ws.wait_for("joined_conversation")
            alice_ws.seen.clear()

            # Two sends held in flight on A: one over REST, one over bob's socket.
            await asyncio.to_thread(lock.__enter__)
            rest_send = asyncio.create_task(
                http_a.post(
                    "/api/messages",
                    json={"conversation_id": team.pk, "content": "held rest", "client_id": "r1"},
                    headers=auth(alice_t),
                )
            )
            ws_frame = {
                "type": "send_message",
                "conversation_id": team.pk,
                "content": "held ws",
                "client_id": "w1",
            }
            await bob_ws.send(ws_frame)
            # Carol's send is held too, and she will not come back: her socket, closed
            # mid-frame, must linger all the same (not go offline when her send finishes).
            await carol_ws.send({**ws_frame, "content": "held carol", "client_id": "c1"})
            await asyncio.to_thread(lock.wait_for_waiters, 3)

            started = time.monotonic()
            server_a.process.send_signal(signal.SIGTERM)
            bob_code, carol_code = await asyncio.gather(bob_ws.close_code(), carol_ws.close_code())
            timings["closed"] = time.monotonic() - started
            assert (bob_code, carol_code) == (CLOSE_SERVICE_RESTART, CLOSE_SERVICE_RESTART)

            # A takes no new connection, but finishes what it holds.
            with pytest.raises(httpx.ConnectError):
                await http_a.get("/health")
            assert server_a.process.poll() is None, "A exited with requests in flight"

            # Bob is back on B at once and sends again what was not acknowledged.
            closed_at = time.monotonic()
            bob_ws = await open_live_socket(server_b, token=bob_t)
            timings["back"] = time.monotonic() - closed_at
            await bob_ws.send(ws_frame)

            await asyncio.to_thread(lock.release)
            held = await rest_send
            assert held.status_code == 201, held.text
            ack = await bob_ws.wait_for("message_ack", client_id="w1")
            assert ack["message"]["content"] == "held ws"
            timings["exit_code"] = await asyncio.to_thread(wait_exit, server_a.process, 20)
            timings["exited"] = time.monotonic() - started

            # The catch-up on B has both held messages; live delivery goes on from B.
            page = await http_b.get(
                f"/api/messages/conversation/{team.pk}", headers=auth(bob_t), params={"limit": 10}
            )
            assert sorted(m["content"] for m in page.json()) == [
                "held carol",
                "held rest",
                "held ws",
            ]
            sent = await http_b.post(
                "/api/messages",
                json={"conversation_id": team.pk, "content": "after", "client_id": "r2"},
                headers=auth(alice_t),
            )
            assert sent.status_code == 201, sent.text
            while (await bob_ws.wait_for("new_message"))["message"]["content"] != "after":
                pass  # the held sends arrive live too (they were stored after bob was back)

            # Carol never came back: offline once the grace is over (B's sweeper), never
            # before; bob, who did, was neither offline nor online again meanwhile.
            offline = await alice_ws.wait_for("user_offline", user_id=carol.pk)
            timings["carol_offline"] = time.monotonic() - started
            await asyncio.sleep(GRACE)  # past bob's own lingering socket, swept by now too
            await alice_ws.send({"type": "ping"})
            await alice_ws.wait_for("pong")
            presence = [
                (f["type"], f["user_id"])
                for f in alice_ws.seen
                if f["type"] in ("user_online", "user_offline")
            ]
            assert presence == [("user_offline", carol.pk)], presence
            assert offline["user_id"] == carol.pk
            online = (await http_b.get("/api/friends", headers=auth(alice_t))).json()
            status = {friend["id"]: friend["is_online"] for friend in online}
            assert status == {bob.pk: True, carol.pk: False}, online
            await alice_ws.close()
            await bob_ws.close()
        return timings

    timings = asyncio.run(scenario())
    assert timings["closed"] < 2, timings  # sockets told at once, not after the requests
    assert timings["back"] < 2, timings
    assert timings["exit_code"] == -signal.SIGTERM, server_a.log()  # uvicorn re-raises it
    assert timings["carol_offline"] >= GRACE, timings
    contents = list(
        Message.objects.filter(conversation=team).order_by("seq").values_list("content", flat=True)
    )
    assert sorted(contents) == ["after", "held carol", "held rest", "held ws"]  # each once


def test_a_request_past_the_deadline_is_cut_with_a_503_and_the_process_ends(uvicorn_factory):
    """The deadline holds even for a request stuck in the database: after
    SHUTDOWN_TIMEOUT_SECONDS uvicorn cancels it, the client gets a JSON 503 (not a bare
    500) and the process ends although the request's thread is still blocked. The send,
    retried with its client_id on another process, is stored once."""
    server = uvicorn_factory(SHUTDOWN_TIMEOUT_SECONDS="1")
    spare = uvicorn_factory()
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    team = group_with(alice, bob, name="Team")
    token = access_token_for(alice)
    body = {"conversation_id": team.pk, "content": "stuck", "client_id": "s1"}

    async def scenario() -> tuple[float, httpx.Response]:
        async with httpx.AsyncClient(base_url=server.url, timeout=WS_WAIT) as http:
            with ConversationLock(team.pk) as lock:
                stuck = asyncio.create_task(
                    http.post("/api/messages", json=body, headers=auth(token))
                )
                await asyncio.to_thread(lock.wait_for_waiters, 1)
                started = time.monotonic()
                server.process.send_signal(signal.SIGTERM)
                await asyncio.to_thread(wait_exit, server.process, 15)
                took = time.monotonic() - started
                cut = await stuck
        return took, cut

    took, cut = asyncio.run(scenario())
    assert took < 1 + 3, (took, server.log())
    assert server.process.returncode == -signal.SIGTERM, server.log()
    assert cut.status_code == 503, cut.text
    assert cut.json()["code"] == "service_unavailable"
    assert cut.headers["retry-after"] == "1"
    retried = httpx.post(f"{spare.url}/api/messages", json=body, headers=auth(token))
    assert retried.status_code in (200, 201), retried.text
    assert Message.objects.filter(conversation=team, client_id="s1").count() == 1

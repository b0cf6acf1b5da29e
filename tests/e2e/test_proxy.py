"""Three replicas behind a real nginx, as docker-compose.yml runs them (tests/e2e/proxy.py).

Round robin and no sticky sessions: consecutive sockets land on different processes, and
delivery, typing, presence and membership changes cross them through the proxy. nginx
answers plain HTTP with a redirect, serves the static files itself and the protected
uploads through X-Accel-Redirect after the app's permission check. Then one replica
after another is restarted (SIGTERM, a new process on its port) while clients send
without pause: nothing is lost or doubled in the database, every client ends up with
every message, each is back within seconds of its 1012, and nobody is seen offline.
"""

from __future__ import annotations

import asyncio
import io
import json
import signal
import time
from collections import Counter

import httpx
import pytest
from PIL import Image

from accounts.tests.factories import UserFactory
from conversations.tests.factories import group_with
from friends.tests.factories import AcceptedFriendshipFactory
from messaging.models import Message
from tests.e2e.chat_client import ChatClient, post_until_stored
from tests.e2e.conftest import WS_WAIT, access_token_for, open_live_socket
from tests.e2e.proxy import replicas_behind_nginx

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs_services]

REPLICAS = 3
SECRET_TEXT = "the-words-of-a-private-message"
FAST = {"PRESENCE_TTL_SECONDS": "6", "THROTTLE_MESSAGE_SEND": "1000/10s"}


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def stack(uvicorn_factory, static_root, tmp_path):
    """nginx in front of REPLICAS uvicorn processes: (nginx, servers, start_replica)."""
    running = replicas_behind_nginx(uvicorn_factory, static_root, tmp_path, REPLICAS, **FAST)
    yield running.nginx, running.servers, running.start_replica
    running.nginx.stop()


def log_lines(server) -> list[dict]:
    """The replica's JSON log lines (production's LOG_FORMAT, from the compose file)."""
    return [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]


def accepted_sockets(server) -> int:
    return sum(1 for line in log_lines(server) if line.get("event") == "socket_open")


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_replicas_behind_nginx_serve_everything_to_each_other(stack, static_root):
    nginx, servers, _ = stack
    alice, bob, carol = (UserFactory(username=n) for n in ("alice", "bob", "carol"))
    AcceptedFriendshipFactory(requester=alice, receiver=bob)
    AcceptedFriendshipFactory(requester=alice, receiver=carol)
    team = group_with(alice, bob, name="Team")
    alice_t, bob_t, carol_t = (access_token_for(u) for u in (alice, bob, carol))

    # Plain HTTP is redirected; static files come from nginx with its cache headers.
    plain = httpx.get(f"http://127.0.0.1:{nginx.http_port}/accounts/login/?next=/")
    assert plain.status_code == 301
    assert plain.headers["location"] == f"{nginx.url}/accounts/login/?next=/"
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    with httpx.Client(base_url=nginx.url, verify=nginx.ssl_context()) as client:
        module = client.get("/static/chat/lib/socket.js", headers={"Accept-Encoding": "gzip"})
        assert module.status_code == 200
        assert module.headers["content-encoding"] == "gzip"  # collectstatic's .gz file
        assert module.headers["cache-control"] == "public, max-age=300"
        assert module.text == (static_root / "chat/lib/socket.js").read_text()
        hashed = client.get(f"/static/{manifest['chat/lib/socket.js']}")
        assert hashed.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert hashed.headers["x-content-type-options"] == "nosniff"
    assert not any("/static/" in line for line in nginx.access_log())  # never upstream

    async def scenario() -> None:
        async with httpx.AsyncClient(
            base_url=nginx.url, verify=nginx.ssl_context(), timeout=WS_WAIT
        ) as http:
            tls = nginx.ssl_context()
            bob_ws = await open_live_socket(nginx, token=bob_t, ssl=tls)
            carol_ws = await open_live_socket(nginx, token=carol_t, ssl=tls)
            alice_ws = await open_live_socket(nginx, token=alice_t, ssl=tls)
            # Round robin: three sockets, three processes.
            assert sorted(accepted_sockets(s) for s in servers) == [1, 1, 1]
            await bob_ws.wait_for("user_online", user_id=alice.pk)
            await carol_ws.wait_for("user_online", user_id=alice.pk)

            await alice_ws.send(
                {"type": "send_message", "conversation_id": team.pk, "content": SECRET_TEXT}
            )
            await alice_ws.wait_for("message_ack")
            assert (await bob_ws.wait_for("new_message"))["message"]["content"] == SECRET_TEXT
            await bob_ws.send({"type": "typing", "conversation_id": team.pk, "is_typing": True})
            await alice_ws.wait_for("typing", user_id=bob.pk, is_typing=True)

            added = await http.post(
                f"/api/conversations/{team.pk}/members",
                json={"user_ids": [carol.pk]},
                headers=auth(alice_t),
            )
            assert added.status_code == 200, added.text
            request_ids["members"] = added.headers["x-request-id"]  # nginx's, the app echoes
            assert (await http.get("/metrics")).status_code == 404  # scraped per replica only
            await carol_ws.wait_for("conversation_created")
            await bob_ws.wait_for("member_added", user_id=carol.pk)

            # An image through the proxy: the app checks, nginx sends the bytes.
            upload = await http.post(
                "/api/uploads", files={"file": ("red.png", png())}, headers=auth(alice_t)
            )
            assert upload.status_code == 201, upload.text
            sent = await http.post(
                "/api/messages",
                json={"conversation_id": team.pk, "attachment_ids": [upload.json()["id"]]},
                headers=auth(alice_t),
            )
            assert sent.status_code == 201, sent.text
            url = (await carol_ws.wait_for("new_message"))["message"]["attachments"][0]["url"]
            file = await http.get(url)
            assert file.status_code == 200, file.text
            assert file.headers["content-type"] == "image/png"
            assert file.headers["x-content-type-options"] == "nosniff"
            assert file.headers["content-security-policy"] == "default-src 'none'; sandbox"
            assert file.headers["cross-origin-resource-policy"] == "same-origin"
            assert file.headers["content-disposition"].startswith("inline")
            assert "x-accel-redirect" not in file.headers
            assert Image.open(io.BytesIO(file.content)).size == (8, 8)

            removed = await http.delete(
                f"/api/conversations/{team.pk}/members/{carol.pk}", headers=auth(alice_t)
            )
            assert removed.status_code == 204, removed.text
            await carol_ws.wait_for("removed_from_conversation", conversation_id=team.pk)
            assert (await http.get(url)).status_code == 404  # left: the file is gone for her
            for ws in (alice_ws, bob_ws, carol_ws):
                await ws.close()
            await bob_ws.connection.wait_closed()

    request_ids: dict[str, str] = {}
    asyncio.run(scenario())
    access = [json.loads(line) for line in nginx.access_log()]
    assert len({line["upstream"] for line in access} - {""}) == REPLICAS
    # One request id from nginx's access log to the app's lines, for requests and sockets.
    app = [line for server in servers for line in log_lines(server)]
    (members,) = [line for line in app if line.get("request_id") == request_ids["members"]]
    assert (members["event"], members["route"], members["status"]) == (
        "request",
        "conversations-members",
        200,
    )
    assert members["user_id"] == alice.pk
    handshakes = {line["request_id"] for line in access if line["uri"] == "/ws/"}
    opened = {line["request_id"] for line in app if line.get("event") == "socket_open"}

    def closed() -> set[str]:
        lines = (line for server in servers for line in log_lines(server))
        return {line["request_id"] for line in lines if line.get("event") == "socket_close"}

    # The scenario closed the three sockets but waited for bob's alone: a replica writes
    # `socket_close` once it has seen the close, which may be a moment later.
    deadline = time.monotonic() + 10
    while len(closed()) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert handshakes == opened == closed() and len(opened) == 3
    everything = "\n".join(server.log() for server in servers)
    for secret in (SECRET_TEXT, alice_t, bob_t, "ticket="):
        assert secret not in everything


def test_a_rolling_restart_under_load_loses_nothing(stack):
    nginx, servers, start_replica = stack
    users = [UserFactory(username=f"user{n}") for n in range(4)]
    for n, user in enumerate(users):
        for other in users[n + 1 :]:
            AcceptedFriendshipFactory(requester=user, receiver=other)
    team = group_with(users[0], *users[1:], name="Team")
    tokens = [access_token_for(u) for u in users]

    async def scenario() -> dict:
        async with httpx.AsyncClient(
            base_url=nginx.url, verify=nginx.ssl_context(), timeout=WS_WAIT
        ) as http:
            clients = [
                ChatClient(
                    name=user.username,
                    token=token,
                    ws_url=nginx.ws_url,
                    http=http,
                    conversation_id=team.pk,
                    ssl_context=nginx.ssl_context(),
                )
                for user, token in zip(users, tokens, strict=True)
            ]
            runners = [asyncio.create_task(c.run()) for c in clients]
            await asyncio.wait_for(asyncio.gather(*(c.connected.wait() for c in clients)), 20)
            load = True
            rest_failures: list[int] = []

            async def ws_load(client: ChatClient) -> None:
                n = 0
                while load:
                    n += 1
                    await client.send_message(f"{client.name} says {n}")
                    await asyncio.sleep(0.2)

            async def rest_load() -> None:
                n = 0
                while load:
                    n += 1
                    body = {
                        "conversation_id": team.pk,
                        "content": f"rest {n}",
                        "client_id": f"r{n}",
                    }
                    _, failed = await post_until_stored(http, tokens[0], body)
                    rest_failures.append(failed)
                    await asyncio.sleep(0.1)

            senders = [asyncio.create_task(ws_load(c)) for c in clients]
            senders.append(asyncio.create_task(rest_load()))
            await asyncio.sleep(1)
            started = time.monotonic()
            for index, server in enumerate(list(servers)):
                server.process.send_signal(signal.SIGTERM)
                await asyncio.to_thread(server.process.wait, 30)
                servers[index] = await asyncio.to_thread(start_replica, server.port)
                await asyncio.sleep(1)
            rolled = time.monotonic() - started
            load = False
            await asyncio.gather(*senders)
            deadline = time.monotonic() + 20
            while any(c.pending or not c.connected.is_set() for c in clients):
                assert time.monotonic() < deadline, [c.pending for c in clients]
                await asyncio.sleep(0.2)
            for client in clients:
                await client.catch_up()
            # What each saw until here (the stops below send real user_offline events).
            seen = [list(client.frames) for client in clients]
            for client in clients:
                await client.stop()
            await asyncio.gather(*runners)
            return {
                "clients": clients,
                "seen": seen,
                "rolled": rolled,
                "rest_sent": len(rest_failures),
                "rest_retried": sum(rest_failures),
            }

    result = asyncio.run(scenario())
    clients: list[ChatClient] = result["clients"]
    stored = list(Message.objects.filter(conversation=team).values_list("client_id", "seq"))
    counts = Counter(client_id for client_id, _ in stored)
    assert max(counts.values()) == 1  # nothing doubled
    expected = {f"{c.name}-{n}" for c in clients for n in range(1, c.sent + 1)}
    expected |= {f"r{n}" for n in range(1, result["rest_sent"] + 1)}
    assert set(counts) == expected  # nothing lost
    all_seqs = {seq for _, seq in stored}
    assert all_seqs == set(range(1, len(stored) + 1))
    reconnects = [s for c in clients for s in c.reconnect_seconds]
    for client, seen in zip(clients, result["seen"], strict=True):
        assert client.seqs == all_seqs, client.name  # everyone has everything
        assert set(client.close_codes) == {1012}, client.close_codes  # never dropped
        offline = [f for f in seen if f["type"] == "user_offline"]
        assert offline == [], (client.name, offline)  # nobody flapped
    assert max(reconnects) < 3, reconnects
    print(
        f"\nrolling restart of {REPLICAS} replicas in {result['rolled']:.1f} s: "
        f"{len(stored)} messages ({result['rest_sent']} over REST, "
        f"{result['rest_retried']} REST retries), {len(reconnects)} reconnections, "
        f"slowest {max(reconnects):.2f} s, median {sorted(reconnects)[len(reconnects) // 2]:.2f} s"
    )

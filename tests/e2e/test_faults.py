"""Dependencies failing under a live server: Redis killed and restarted, PostgreSQL away.

Each test gets its own redis-server (or an address where nothing listens), so killing it
touches nobody else. What must hold: a 503 JSON with Retry-After, quickly, instead of a
500 page or a hang; /health answers quickly and honestly; nothing accepted is lost; and
after Redis returns, presence and live delivery come back without waiting for the next
periodic refresh (issue 12, item 5).
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from accounts.tests.factories import UserFactory
from conversations.tests.factories import group_with
from friends.tests.factories import AcceptedFriendshipFactory
from messaging.models import Message
from tests.e2e.conftest import access_token_for, free_port, open_live_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs_services]

#: A client waits at most this long for any answer: a hang fails the test.
ANSWER_WITHIN = 5.0


class PrivateRedis:
    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.dir = tmp_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *(shutil.which("redis-server") or "redis-server", "--port", str(self.port)),
                *("--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
                *("--dir", str(self.dir)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        import redis

        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping():
                    return
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.kill()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_redis_killed_and_restarted(daphne_factory, private_redis):
    server = daphne_factory(REDIS_URL=private_redis.url, REDIS_PREFIX="faults")
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    AcceptedFriendshipFactory(requester=alice, receiver=bob)
    team = group_with(alice, bob, name="Team")
    alice_t, bob_t = access_token_for(alice), access_token_for(bob)

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=ANSWER_WITHIN) as http:
            await open_live_socket(server, token=alice_t)
            bob_ws = await open_live_socket(server, token=bob_t)
            assert (await http.get("/health")).json()["websocket_connections"] == 2

            private_redis.kill()
            send = {"conversation_id": team.pk, "content": "while Redis is down"}
            refused = await http.post("/api/messages", json=send, headers=auth(alice_t))
            assert refused.status_code == 503, refused.text[:300]
            assert refused.json()["code"] == "service_unavailable"
            assert int(refused.headers["Retry-After"]) > 0
            health = await http.get("/health")
            assert health.status_code == 503
            assert health.json()["redis"].startswith("error")

            private_redis.start()  # empty: presence and subscriptions are gone
            deadline = time.monotonic() + 10
            while True:
                health = await http.get("/health")
                if health.status_code == 200 and health.json()["websocket_connections"] == 2:
                    break
                assert time.monotonic() < deadline, health.json()
                await asyncio.sleep(0.1)

            sent = await http.post(
                "/api/messages", json={**send, "content": "back"}, headers=auth(alice_t)
            )
            assert sent.status_code == 201
            delivered = await bob_ws.wait_for("new_message")
            assert delivered["message"]["content"] == "back"

    asyncio.run(scenario())
    # Nothing was stored for the refused send, and nothing accepted was lost.
    assert list(Message.objects.values_list("content", flat=True)) == ["back"]


def test_postgresql_unreachable_is_a_503_without_a_hang(daphne_factory):
    alice = UserFactory(username="alice")
    token = access_token_for(alice)
    # The server reaches PostgreSQL but never gets a connection (no such database): its
    # pool keeps failing, as with the server down.
    server = daphne_factory(DATABASE_URL="postgres://postgres@127.0.0.1:5432/no_such_database")
    with httpx.Client(base_url=server.url, timeout=ANSWER_WITHIN) as http:
        health = http.get("/health")
        assert health.status_code == 503
        assert health.json()["database"].startswith("error")
        listed = http.get("/api/conversations", headers=auth(token))
        assert listed.status_code == 503, listed.text[:300]
        assert listed.json()["code"] == "service_unavailable"
        assert "Retry-After" in listed.headers
        page = http.get("/accounts/login/")
        assert page.status_code in (200, 503)  # never a 500

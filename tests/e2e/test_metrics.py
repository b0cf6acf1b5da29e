"""A uvicorn server with two workers, scraped as Prometheus scrapes it: the counters move.

Two worker processes write their samples to the replica's PROMETHEUS_MULTIPROC_DIR and
/metrics adds them up, whichever worker answers the scrape (chat_project/metrics.py).
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from accounts.tests.factories import UserFactory
from conversations.tests.factories import group_with
from tests.e2e.conftest import WS_WAIT, access_token_for, open_live_socket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs_services]


def scrape(server) -> dict[tuple[str, tuple], float]:
    response = httpx.get(f"{server.url}/metrics", timeout=WS_WAIT)
    assert response.status_code == 200, response.text
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def get(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_scrape_sees_sockets_messages_throttles_and_latency_of_every_worker(uvicorn_factory):
    server = uvicorn_factory(WEB_CONCURRENCY="2", THROTTLE_MESSAGE_SEND="4/10s")
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    team = group_with(alice, bob, name="Team")
    alice_t, bob_t = access_token_for(alice), access_token_for(bob)
    before = scrape(server)

    async def scenario() -> dict:
        async with httpx.AsyncClient(base_url=server.url, timeout=WS_WAIT) as http:
            alice_ws = await open_live_socket(server, token=alice_t)
            bob_ws = await open_live_socket(server, token=bob_t)
            for n in range(2):
                await alice_ws.send(
                    {"type": "send_message", "conversation_id": team.pk, "content": f"ws {n}"}
                )
                await alice_ws.wait_for("message_ack")
                await bob_ws.wait_for("new_message")
            statuses = []
            for n in range(4):  # two more fit in the 4/10s, then two 429s
                response = await http.post(
                    "/api/messages",
                    json={"conversation_id": team.pk, "content": f"rest {n}"},
                    headers={"Authorization": f"Bearer {alice_t}"},
                )
                statuses.append(response.status_code)
            assert statuses == [201, 201, 429, 429], statuses
            await bob_ws.close()
            await asyncio.sleep(0.5)  # the server sees the close
            during = await asyncio.to_thread(scrape, server)
            await alice_ws.close()
            return during

    during = asyncio.run(scenario())

    def moved(name: str, **labels: str) -> float:
        return get(during, name, **labels) - get(before, name, **labels)

    assert get(during, "chat_websockets_open") == 1  # alice's, summed over both workers
    assert moved("chat_websocket_connects_total") == 2
    assert moved("chat_websocket_disconnects_total", code="1000") == 1
    assert moved("chat_messages_sent_total", transport="ws") == 2
    assert moved("chat_messages_sent_total", transport="rest") == 2
    assert moved("chat_throttled_total", transport="rest", reason="throttled") == 2
    assert (
        moved("chat_http_requests_total", route="messages-list", method="POST", status="429") == 2
    )
    assert (
        moved("chat_http_request_duration_seconds_count", route="messages-list", method="POST") == 4
    )
    assert moved("chat_delivery_lag_seconds_count") >= 4  # one per event and process
    assert ("chat_outbox_frames", ()) in during
    assert ("chat_db_pool_connections", (("state", "size"),)) in during

    # Never through the proxy (its X-Forwarded-For), never from outside.
    forwarded = httpx.get(f"{server.url}/metrics", headers={"X-Forwarded-For": "8.8.8.8"})
    assert forwarded.status_code == 404

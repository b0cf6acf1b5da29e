"""GET /metrics and what the request middleware counts (chat_project/metrics.py).

In the test process there is no PROMETHEUS_MULTIPROC_DIR: the process's own registry
answers (tests/e2e/test_metrics.py scrapes a multi-process server).
"""

from __future__ import annotations

import pytest
import redis.exceptions
from django.db import OperationalError
from prometheus_client import REGISTRY

from accounts.tests.factories import UserFactory
from chat_project.exceptions import to_api_exception
from conversations.tests.factories import group_with

pytestmark = pytest.mark.django_db


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_answer_a_direct_request_from_an_internal_address(client):
    response = client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200  # whatever the Host: Prometheus calls the address
    assert response["Content-Type"].startswith("text/plain")
    assert b"chat_http_request_duration_seconds" in response.content
    assert b"chat_websockets_open" in response.content


@pytest.mark.parametrize(
    "headers",
    [
        {"REMOTE_ADDR": "8.8.8.8"},  # a public address
        {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "8.8.8.8"},  # the proxy's
        {"REMOTE_ADDR": "not an address"},
    ],
)
def test_metrics_are_not_public(client, headers):
    response = client.get("/metrics", **headers)
    assert response.status_code == 404
    assert b"chat_" not in response.content


def test_with_a_token_only_the_token_opens_them(client, settings):
    settings.METRICS_TOKEN = "s3cret-metrics"
    assert client.get("/metrics").status_code == 404  # loopback is not enough now
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 404
    right = client.get(
        "/metrics",
        HTTP_AUTHORIZATION="Bearer s3cret-metrics",
        REMOTE_ADDR="8.8.8.8",
        HTTP_X_FORWARDED_FOR="1.1.1.1",
    )
    assert right.status_code == 200


def test_requests_are_counted_by_route_never_by_path(client):
    user = UserFactory()
    client.force_login(user)
    labels = {"route": "messages-conversation", "method": "GET", "status": "404"}
    before = value("chat_http_requests_total", **labels)
    latency = value(
        "chat_http_request_duration_seconds_count", route="messages-conversation", method="GET"
    )
    for conversation_id in (999_001, 999_002):  # not a member: two ids, one label
        assert client.get(f"/api/messages/conversation/{conversation_id}").status_code == 404
    assert value("chat_http_requests_total", **labels) == before + 2
    assert (
        value(
            "chat_http_request_duration_seconds_count", route="messages-conversation", method="GET"
        )
        == latency + 2
    )
    unmatched = value("chat_http_requests_total", route="unmatched", method="GET", status="404")
    client.get("/no/such/page/123")
    assert (
        value("chat_http_requests_total", route="unmatched", method="GET", status="404")
        == unmatched + 1
    )


def test_a_rest_send_counts_as_a_message_sent(client_for):
    alice, bob = UserFactory(), UserFactory()
    team = group_with(alice, bob)
    before = value("chat_messages_sent_total", transport="rest")
    response = client_for(alice).post(
        "/api/messages",
        {"conversation_id": team.pk, "content": "hi", "client_id": "m1"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert value("chat_messages_sent_total", transport="rest") == before + 1


@pytest.mark.parametrize(
    ("error", "dependency"),
    [(redis.exceptions.ConnectionError("down"), "redis"), (OperationalError("down"), "database")],
)
def test_unreachable_dependencies_are_counted_where_they_become_503(error, dependency):
    before = value("chat_dependency_errors_total", dependency=dependency)
    assert to_api_exception(error).status_code == 503
    assert value("chat_dependency_errors_total", dependency=dependency) == before + 1

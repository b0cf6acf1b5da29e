"""The log lines (chat_project/logs.py): one per request, the request id everywhere, JSON
for production and text for development, never message text, tokens or paths."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject

from accounts.tests.factories import UserFactory
from chat_project import logs
from conversations.tests.factories import group_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines():
    """What the configured console handler would write, as JSON lines."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.ContextFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def test_an_api_request_is_one_line_with_the_proxys_request_id(client_for, lines):
    alice, bob = UserFactory(), UserFactory()
    team = group_with(alice, bob)
    response = client_for(alice).post(
        "/api/messages",
        {"conversation_id": team.pk, "content": "a secret sentence", "client_id": "c1"},
        format="json",
        HTTP_X_REQUEST_ID="nginx-0123456789abcdef",
    )
    assert response.status_code == 201
    assert response["X-Request-ID"] == "nginx-0123456789abcdef"
    (line,) = [line for line in lines() if line.get("event") == "request"]
    assert line["request_id"] == "nginx-0123456789abcdef"
    assert line["user_id"] == alice.pk
    assert (line["method"], line["route"], line["status"]) == ("POST", "messages-list", 201)
    assert line["client_ip"] == "127.0.0.1"
    assert line["duration_ms"] >= 0
    assert line["level"] == "info" and line["logger"] == "chat.requests"
    text = json.dumps(lines())
    assert "a secret sentence" not in text
    assert "/api/messages" not in text  # the route, never the path


@pytest.mark.parametrize("proposed", [None, "", "short", "has spaces in it", "x" * 65, "a\nb"])
def test_a_missing_or_odd_request_id_is_replaced(client, lines, proposed):
    headers = {} if proposed is None else {"HTTP_X_REQUEST_ID": proposed}
    response = client.get("/accounts/login/", **headers)
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32 and request_id != proposed
    (line,) = [line for line in lines() if line.get("event") == "request"]
    assert line["request_id"] == request_id
    assert line["route"] == "login"
    assert "user_id" not in line  # nobody


def test_other_lines_of_the_request_carry_its_id_and_user(lines):
    logger = logging.getLogger("chat_project.tests.somewhere")

    def view(request):
        logs.user_id_var.set(7)  # as a consumer does for its socket
        logger.warning("something odd", extra={"conversation_id": 3})
        return HttpResponse("ok")

    request = RequestFactory().get("/x", HTTP_X_REQUEST_ID="req-abcdefgh")
    logs.RequestLogMiddleware(view)(request)
    odd = next(line for line in lines() if line["message"] == "something odd")
    assert odd["request_id"] == "req-abcdefgh"
    assert odd["user_id"] == 7
    assert odd["conversation_id"] == 3
    assert logs.request_id_var.get() is None  # nothing leaks to the next request


def test_the_user_is_logged_only_if_something_looked_it_up(django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = SimpleLazyObject(lambda: UserFactory())
    with django_assert_num_queries(0):
        assert logs.known_user_id(request) is None


def test_exceptions_are_in_the_line():
    formatter = logs.JsonFormatter()
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, "f", 1, "failed", (), sys.exc_info())
    line = json.loads(formatter.format(record))
    assert line["level"] == "error"
    assert "ValueError: boom" in line["exception"]


def test_text_lines_are_for_people():
    record = logging.LogRecord("chat.requests", logging.INFO, "f", 1, "request", (), None)
    record.route, record.status = "messages-list", 201
    text = logs.TextFormatter().format(record)
    assert text.endswith("INFO chat.requests request  route=messages-list status=201")


def test_the_format_is_a_setting():
    assert logs.logging_config("json", "INFO")["formatters"]["line"]["()"].endswith("JsonFormatter")
    assert logs.logging_config("text", "DEBUG")["root"]["level"] == "DEBUG"
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logs.logging_config("xml", "INFO")

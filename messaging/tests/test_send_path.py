"""The lean send path (messaging/api/send.py) against the DRF view it stands in for.

Every case is run twice from the same state — once with `LEAN_SEND_PATH` off (the DRF
view answers everything) and once on — and the two answers must be the same: status,
body (ids and times aside), headers and events. Each case also states which path must
have answered, so a case cannot pass by quietly falling through to DRF.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django_redis import get_redis_connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts import services as account_services
from accounts.models import Notification
from accounts.tests.factories import DEFAULT_PASSWORD
from chat_project.throttling import UserRateThrottle
from conversations.models import ConversationMember
from friends.models import Block
from messaging.api.send import _LeanSend
from messaging.models import Message

pytestmark = pytest.mark.django_db

URL = "/api/messages"
VOLATILE = {"id", "created_at"}  # differ between the two runs (sequences are not rolled back)


def bearer(user: Any, token: str | None = None) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token or AccessToken.for_user(user)}")
    return client


def _clear_rate_limits() -> None:
    if settings.REDIS_URL:
        client = get_redis_connection("default")
        keys = list(client.scan_iter(f"{settings.REDIS_PREFIX}:*rl:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()  # local memory: this process only


@contextmanager
def _rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _normal(response: Any) -> dict[str, Any]:
    """What must be equal between the two paths."""
    headers = {k: v for k, v in response.headers.items() if k not in {"Content-Length"}}
    # Both paths answer with a request id (chat_project/logs.py), a new one per request.
    assert len(headers.pop("X-Request-ID", "")) == 32
    assert int(response.headers.get("Content-Length", len(response.content))) == len(
        response.content
    )
    body: Any = response.content
    if response.headers.get("Content-Type", "").startswith("text/html"):
        body = "<html: a CSRF token differs>"
    elif response.headers.get("Content-Type") == "application/json" and body:
        body = response.json()
        if isinstance(body, dict):
            body = {k: ("<volatile>" if k in VOLATILE else v) for k, v in body.items()}
    if response.status_code == 429:  # the wait is counted in seconds from "now"
        assert 1 <= int(headers.pop("Retry-After")) <= 60
        body = {k: re.sub(r"\d+ seconds?", "N seconds", v) for k, v in body.items()}
    return {"status": response.status_code, "body": body, "headers": headers}


def _normal_events(events: list[tuple[str, dict]]) -> list[tuple[str, dict]]:
    out = []
    for group, event in events:
        event = dict(event)
        if isinstance(event.get("message"), dict):
            event["message"] = {
                k: ("<volatile>" if k in VOLATILE else v) for k, v in event["message"].items()
            }
        if isinstance(event.get("notification"), dict):
            event["notification"] = {
                k: v
                for k, v in event["notification"].items()
                if k not in {"id", "message_id", "created_at"}
            }
        out.append((group, event))
    return out


@pytest.fixture
def both_paths(monkeypatch, sent_events, django_capture_on_commit_callbacks):
    """Run `steps` (requests) through the DRF view and through the lean path, from the same
    state; assert equal answers and events, and that `expect` names who answered."""
    answered: list[bool] = []  # per request: did the lean path answer it?
    lean_send = _LeanSend.send

    def spy(self, request):
        response = lean_send(self, request)
        answered.append(response is not None)
        return response

    monkeypatch.setattr(_LeanSend, "send", spy)

    def run(steps: Callable[[], list[Any]], expect: str) -> list[dict[str, Any]]:
        results = []
        for lean in (False, True):
            _clear_rate_limits()
            answered.clear()
            sent_events.clear()
            with (
                override_settings(LEAN_SEND_PATH=lean),
                _rolled_back(),
                django_capture_on_commit_callbacks(execute=True),
            ):
                responses = [_normal(response) for response in steps()]
            results.append((responses, _normal_events(sent_events), list(answered)))
        (drf, drf_events, _), (lean, lean_events, lean_answered) = results
        assert lean == drf
        assert lean_events == drf_events
        post_count = len(lean_answered)  # the spy sees POSTs only
        if expect == "lean":
            assert lean_answered == [True] * len(lean), "the lean path fell through to DRF"
        else:
            assert lean_answered == [False] * post_count, "the lean path answered for DRF"
        return lean

    return run


def post(client: APIClient, body: Any, path: str = URL, **extra: Any) -> Any:
    return client.post(path, body, format="json", **extra)


def raw(client: APIClient, data: bytes | str, content_type: str = "application/json") -> Any:
    return client.generic("POST", URL, data, content_type=content_type)


def test_the_lean_path_is_on_with_the_project_settings():
    assert resolve(URL).func.lean_send is not None
    assert settings.LEAN_SEND_PATH


# --- the same answers ----------------------------------------------------------------------


def test_send(both_paths, user, group):
    client = bearer(user)
    (sent,) = both_paths(
        lambda: [post(client, {"conversation_id": group.id, "content": " Hi ", "client_id": "c"})],
        expect="lean",
    )
    assert sent["status"] == 201
    assert sent["body"]["content"] == "Hi"
    assert sent["body"]["sender_username"] == "alice"
    assert sent["headers"]["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "body",
    [
        {"content": "x", "sender_id": "OTHER"},  # unknown fields are ignored
        {"content": " " + "x" * 4000 + "\n"},  # 4000 characters after trimming
        {"content": "x", "client_id": None},
        {"content": "x", "client_id": ""},
        {"content": "x", "client_id": "c" * 64},
        {"content": "héllo ✓ \U0001f600"},
        {"content": "hi @bob and @nobody"},  # a mention: notification, in a transaction
    ],
)
def test_send_variants(both_paths, user, other_user, group, body):
    body = {"conversation_id": group.id, **body}
    body = {k: (other_user.id if v == "OTHER" else v) for k, v in body.items()}
    client = bearer(user)
    (sent,) = both_paths(lambda: [post(client, body)], expect="lean")
    assert sent["status"] == 201


def test_send_with_trailing_slash_and_json_charset(both_paths, user, group):
    client = bearer(user)
    body = b'{"conversation_id": %d, "content": "x"}' % group.id
    responses = both_paths(
        lambda: [
            post(client, {"conversation_id": group.id, "content": "x"}, path=URL + "/"),
            raw(client, body, content_type="application/json; charset=utf-8"),
            post(client, {"conversation_id": group.id, "content": "x"}, HTTP_ACCEPT="*/*"),
        ],
        expect="lean",
    )
    assert [r["status"] for r in responses] == [201, 201, 201]


def test_replay_and_reuse(both_paths, user, group, direct):
    client = bearer(user)
    responses = both_paths(
        lambda: [
            post(client, {"conversation_id": group.id, "content": "one", "client_id": "k"}),
            post(client, {"conversation_id": group.id, "content": "two", "client_id": "k"}),
            post(client, {"conversation_id": direct.id, "content": "b", "client_id": "k"}),
        ],
        expect="lean",
    )
    assert [r["status"] for r in responses] == [201, 200, 409]
    assert responses[1]["body"]["content"] == "one"
    assert responses[2]["body"]["code"] == "client_id_reused"


def test_not_a_member_unknown_and_blocked(both_paths, user, other_user, outsider, group, direct):
    Block.objects.create(blocker=other_user, blocked=user)
    alice, mallory = bearer(user), bearer(outsider)
    responses = both_paths(
        lambda: [
            post(mallory, {"conversation_id": group.id, "content": "x"}),
            post(alice, {"conversation_id": 999_999, "content": "x"}),
            post(alice, {"conversation_id": direct.id, "content": "x"}),
        ],
        expect="lean",
    )
    assert [(r["status"], r["body"]["code"]) for r in responses] == [
        (404, "not_found"),
        (404, "not_found"),
        (403, "permission_denied"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"content": "x"},
        {"conversation_id": "abc", "content": "x"},
        {"conversation_id": True, "content": "x"},
        {"conversation_id": 1.5, "content": "x"},
        {"conversation_id": [1], "content": "x"},
        {"conversation_id": 0, "content": "x"},
        {"conversation_id": 2**63, "content": "x"},
        {"conversation_id": 2**64, "content": "x"},
        {"conversation_id": "GROUP"},
        {"conversation_id": "GROUP", "content": 123},
        {"conversation_id": "GROUP", "content": None},
        {"conversation_id": "GROUP", "content": ["hi"]},
        {"conversation_id": "GROUP", "content": {"a": 1}},
        {"conversation_id": "GROUP", "content": ""},
        {"conversation_id": "GROUP", "content": " \n\t "},
        {"conversation_id": "GROUP", "content": "x" * 4001},
        {"conversation_id": "GROUP", "content": "nul \x00 byte"},
        {"conversation_id": "GROUP", "content": "x", "client_id": "c" * 65},
        {"conversation_id": "GROUP", "content": "x", "client_id": 5},
        {"conversation_id": "GROUP", "content": "x", "client_id": "nul\x00"},
    ],
)
def test_bad_input_is_drfs_400(both_paths, user, group, body):
    body = {k: (group.id if v == "GROUP" else v) for k, v in body.items()}
    client = bearer(user)
    (response,) = both_paths(lambda: [post(client, body)], expect="drf")
    assert response["status"] == 400


def test_a_string_id_is_drfs_to_accept(both_paths, user, group):
    """The input serializer takes digits in a string; the lean path leaves that to it."""
    client = bearer(user)
    (response,) = both_paths(
        lambda: [post(client, {"conversation_id": str(group.id), "content": "x"})], expect="drf"
    )
    assert response["status"] == 201


@pytest.mark.parametrize(
    "data,content_type",
    [
        ("{nope", "application/json"),
        ("[1, 2]", "application/json"),
        ('"text"', "application/json"),
        ("", "application/json"),
        ('{"conversation_id": 1, "content": "\\ud800"}', "application/json"),  # lone surrogate
        ('{"conversation_id": 1, "content": NaN}', "application/json"),
        (b"\xef\xbb\xbf{}", "application/json"),  # a byte order mark
        (b'{"content": "\xff"}', "application/json"),  # not UTF-8
        ("conversation_id=1&content=x", "application/x-www-form-urlencoded"),
        ("x", "text/plain"),
    ],
)
def test_other_bodies_are_drfs(both_paths, user, data, content_type):
    client = bearer(user)
    both_paths(lambda: [raw(client, data, content_type)], expect="drf")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer"},
        {"HTTP_AUTHORIZATION": "Bearer a b"},
        {"HTTP_AUTHORIZATION": "Bearer not-a-jwt"},
        {"HTTP_AUTHORIZATION": "Token abc"},
        {"HTTP_AUTHORIZATION": "bearer VALID"},
        {"HTTP_AUTHORIZATION": "Bearer REFRESH"},
        {"HTTP_AUTHORIZATION": "Bearer EXPIRED"},
    ],
)
def test_missing_or_bad_credentials_are_drfs_401(both_paths, user, group, headers):
    access = AccessToken.for_user(user)
    expired = AccessToken.for_user(user)
    expired.set_exp(lifetime=-settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"])
    values = {
        "VALID": str(access),
        "REFRESH": str(RefreshToken.for_user(user)),
        "EXPIRED": str(expired),
    }
    headers = {k: re.sub(r"[A-Z]{5,}", lambda m: values[m.group()], v) for k, v in headers.items()}
    client = APIClient()
    (response,) = both_paths(
        lambda: [post(client, {"conversation_id": group.id, "content": "x"}, **headers)],
        expect="drf",
    )
    assert response["status"] == 401


@pytest.mark.parametrize(
    "extra",
    [
        {"HTTP_ACCEPT": "text/html"},  # the browsable API
        {"HTTP_ACCEPT": "application/json; indent=4"},
        {"HTTP_ACCEPT": "image/png"},  # 406
        {"QUERY_STRING": "format=api"},
    ],
)
def test_other_renderings_are_drfs(both_paths, user, group, extra):
    client = bearer(user)
    both_paths(
        lambda: [post(client, {"conversation_id": group.id, "content": "x"}, **extra)],
        expect="drf",
    )


@pytest.mark.parametrize("suffix", [".json", ".api"])
def test_format_suffixes_are_drfs(both_paths, user, group, suffix):
    """`.api` would render the browsable API. (Either suffix is a 500 today, on both paths:
    `MessageViewSet.create` takes no `format` argument.)"""
    client = bearer(user)
    client.raise_request_exception = False
    (response,) = both_paths(
        lambda: [post(client, {"conversation_id": group.id, "content": "x"}, path=URL + suffix)],
        expect="drf",
    )
    assert response["status"] == 500


def test_other_methods_are_drfs(both_paths, user):
    client = bearer(user)
    responses = both_paths(lambda: [client.get(URL), client.put(URL, {}, format="json")], "drf")
    assert [r["status"] for r in responses] == [405, 405]


def test_session_authentication_is_drfs(user, group, client):
    """The web UI and the browsable API post with the session cookie (and CSRF)."""
    client.force_login(user)
    response = client.post(
        URL, {"conversation_id": group.id, "content": "x"}, content_type="application/json"
    )
    assert response.status_code == 201
    csrf_client = APIClient(enforce_csrf_checks=True)
    csrf_client.force_login(user)
    response = csrf_client.post(URL, {"conversation_id": group.id, "content": "x"}, format="json")
    assert response.status_code == 403  # no CSRF token: DRF's SessionAuthentication refuses


@override_settings(THROTTLE_RATES={**settings.THROTTLE_RATES, "message_send": "2/min"})
def test_the_message_rate(both_paths, user, group):
    client = bearer(user)
    responses = both_paths(
        lambda: [
            post(client, {"conversation_id": group.id, "content": "x", "client_id": "a"}),
            post(client, {"conversation_id": group.id, "content": "x"}),
            post(client, {"conversation_id": group.id, "content": "x"}),
            post(client, {"conversation_id": group.id, "content": "x", "client_id": "a"}),
        ],
        expect="lean",
    )
    assert [r["status"] for r in responses] == [201, 201, 429, 200]  # a replay passes


def test_the_drf_throttle_comes_first_and_spares_the_message_rate(
    both_paths, user, group, monkeypatch
):
    monkeypatch.setitem(UserRateThrottle.THROTTLE_RATES, "user", "2/min")
    client = bearer(user)

    def steps() -> list[Any]:
        responses = [post(client, {"conversation_id": group.id, "content": "x"}) for _ in range(3)]
        total = cache.get(f"rl:message_send:{user.id}:{int(time.time() // 10)}")
        assert total in (2, None)  # the throttled request did not count as a message
        return responses

    responses = both_paths(steps, expect="lean")
    assert [r["status"] for r in responses] == [201, 201, 429]
    assert responses[2]["body"]["detail"].startswith("Request was throttled.")


def test_an_unexpected_error_is_raised_as_from_drf(user, group, monkeypatch, settings):
    """A bug after counting surfaces as DRF lets it (a 500 through Django), DEBUG or not."""

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("messaging.services.message_send", broken)
    client = bearer(user)
    for debug in (False, True):
        settings.DEBUG = debug
        with pytest.raises(RuntimeError, match="boom"):
            post(client, {"conversation_id": group.id, "content": "x"})


# --- the user is checked on every send ------------------------------------------------------


@pytest.mark.parametrize("change", ["ban", "deactivate", "password", "delete"])
def test_a_refused_user_gets_drfs_401(both_paths, user, other_user, group, change):
    """The statement refuses the token's user at once: no delay, DRF's exact 401."""
    client = bearer(user)

    def steps() -> list[Any]:
        first = post(client, {"conversation_id": group.id, "content": "before", "client_id": "k"})
        if change == "ban":
            other_user.is_staff = other_user.is_superuser = True
            other_user.save()
            account_services.user_ban(actor=other_user, user_id=user.id)
        elif change == "deactivate":
            type(user).objects.filter(pk=user.pk).update(is_active=False)  # not via a service
        elif change == "password":
            account_services.user_password_change(
                user=type(user).objects.get(pk=user.pk),
                old_password=DEFAULT_PASSWORD,
                new_password="an0ther-Secret!",
            )
        else:
            ConversationMember.objects.filter(user=user).delete()
            type(user).objects.filter(pk=user.pk).delete()
        return [
            first,
            post(client, {"conversation_id": group.id, "content": "after"}),
            post(client, {"conversation_id": group.id, "content": "x", "client_id": "k"}),
            post(client, {"conversation_id": 999_999, "content": "x"}),
        ]

    responses = both_paths(steps, expect="lean")
    codes = {"ban": "user_inactive", "deactivate": "user_inactive"}
    code = codes.get(change, "password_changed" if change == "password" else "user_not_found")
    assert responses[0]["status"] == 201
    for response in responses[1:]:
        assert (response["status"], response["body"]["code"]) == (401, code)
        assert response["headers"]["WWW-Authenticate"] == 'Bearer realm="api"'


@override_settings(THROTTLE_RATES={**settings.THROTTLE_RATES, "message_send": "1/min"})
def test_a_refused_user_over_the_rate_gets_401_not_429(both_paths, user, group):
    client = bearer(user)

    def steps() -> list[Any]:
        first = post(client, {"conversation_id": group.id, "content": "x", "client_id": "k"})
        type(user).objects.filter(pk=user.pk).update(is_active=False)
        return [
            first,
            post(client, {"conversation_id": group.id, "content": "x"}),
            post(client, {"conversation_id": group.id, "content": "x", "client_id": "k"}),
        ]

    responses = both_paths(steps, expect="lean")
    assert [r["status"] for r in responses] == [201, 401, 401]


# --- the cost ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.needs_services
def test_a_send_is_one_statement_and_no_user_query(user, group):
    client = bearer(user)
    post(client, {"conversation_id": group.id, "content": "warm-up"})
    with CaptureQueriesContext(connection) as queries:
        response = post(client, {"conversation_id": group.id, "content": "hello"})
    assert response.status_code == 201
    assert len(queries.captured_queries) == 1  # no BEGIN/COMMIT, no user SELECT
    assert queries.captured_queries[0]["sql"].lstrip().startswith("WITH u AS")
    message = Message.objects.get(pk=response.json()["id"])
    assert (message.content, message.sender_id) == ("hello", user.id)


def test_mentions_still_notify(user, other_user, group):
    response = post(bearer(user), {"conversation_id": group.id, "content": "hi @bob"})
    assert response.status_code == 201
    assert Notification.objects.filter(
        recipient=other_user, actor=user, message_id=response.json()["id"]
    ).exists()


# --- the contract of the route stays DRF's ------------------------------------------------


def test_the_schema_still_describes_the_send(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    operation = schema["paths"]["/api/messages/"]["post"]
    assert operation["operationId"] == "messages_create"
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/MessageCreateInputRequest"}
    assert set(operation["responses"]) >= {"200", "201"}
    assert operation["responses"]["201"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Message"
    }


def test_the_browsable_api_still_renders(user, client):
    client.force_login(user)
    response = client.get(URL, HTTP_ACCEPT="text/html")
    assert response.status_code == 405  # no list: the page offers the POST form
    assert response["Content-Type"].startswith("text/html")
    assert b"Message Create Input" in response.content or b"<form" in response.content


# --- replies (issue 15) ------------------------------------------------------------------------


def test_replies_answer_alike(both_paths, user, other_user, group, direct):
    original = Message.objects.create(
        conversation=group, sender=other_user, seq=99, content="q?", content_html="<p>q?</p>"
    )
    elsewhere = Message.objects.create(conversation=direct, sender=other_user, seq=99, content="d")
    client = bearer(user)
    responses = both_paths(
        lambda: [
            post(client, {"conversation_id": group.id, "content": "a", "reply_to": original.id}),
            post(client, {"conversation_id": group.id, "content": "b", "reply_to": None}),
            post(client, {"conversation_id": group.id, "content": "c", "reply_to": elsewhere.id}),
            post(client, {"conversation_id": group.id, "content": "d", "reply_to": 999_999}),
        ],
        expect="lean",
    )
    assert [r["status"] for r in responses] == [201, 201, 400, 400]
    assert responses[0]["body"]["reply_to"]["id"] == original.id
    assert responses[2]["body"] == {
        "reply_to": ["Reply to a message of this conversation that is not deleted."]
    }


@pytest.mark.parametrize("reply_to", ["5", True, 1.5, 0, [1]])
def test_a_malformed_reply_to_is_drfs_400(both_paths, user, group, reply_to):
    client = bearer(user)
    (response,) = both_paths(
        lambda: [post(client, {"conversation_id": group.id, "content": "x", "reply_to": reply_to})],
        expect="drf",
    )
    assert response["status"] == 400 and list(response["body"]) == ["reply_to"]

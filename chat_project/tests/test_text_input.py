"""Text the database cannot store, and JSON nested to exhaust a parser: a 400 or an error
event everywhere, never a 500 or a dead socket (issue 12, item 4)."""

import pytest

from chat_project.text import JSON_MAX_DEPTH, BadText, parse_json
from conversations.tests.factories import group_with
from messaging.models import Message

DEEP = "[" * 20_000 + "]" * 20_000


@pytest.mark.parametrize(
    "raw,code",
    [
        (DEEP, "parse_error"),
        ("[" * (JSON_MAX_DEPTH + 1) + "]" * (JSON_MAX_DEPTH + 1), "invalid"),
        ('{"content": "a\\u0000b"}', "invalid"),
        ('{"a\\u0000": 1}', "invalid"),
        ('{"content": "\\ud800"}', "parse_error"),
        ("{", "parse_error"),
    ],
)
def test_parse_json_refuses(raw, code):
    with pytest.raises(BadText) as refused:
        parse_json(raw)
    assert refused.value.code == code


def test_parse_json_takes_ordinary_documents():
    nested = "[" * JSON_MAX_DEPTH + "]" * JSON_MAX_DEPTH
    assert parse_json('{"content": "héllo 😀"}') == {"content": "héllo 😀"}
    assert parse_json(nested) is not None


@pytest.fixture
def team(user, other_user):
    return group_with(user, other_user, name="Team")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        DEEP,
        '{"conversation_id": %(cid)d, "content": "a\\u0000b"}',
        '{"conversation_id": %(cid)d, "content": "\\ud800"}',
        '{"conversation_id": %(cid)d, "content": "ok", "client_id": "x\\u0000"}',
    ],
)
def test_rest_send_with_unstorable_text_is_400(client_for, user, team, body):
    data = body.replace("%(cid)d", str(team.pk))
    response = client_for(user).post("/api/messages", data=data, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["detail"]
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_query_string_with_nul_is_400(client_for, user):
    response = client_for(user).get("/api/users", {"search": "a\x00b"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"

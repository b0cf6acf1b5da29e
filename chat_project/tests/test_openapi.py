"""The OpenAPI schema tells the truth (chat_project/openapi.py): errors, headers, inputs.

The live check is tests/e2e/test_schema_fuzz.py (schemathesis); these pin the schema's
shape so a regression names the rule it breaks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from chat_project.openapi import NO_NUL, NOT_ALL_DIGITS, NOT_BLANK

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield method.upper(), path, item[method]


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def requires_login(operation: dict[str, Any]) -> bool:
    return {} not in operation.get("security", [{}])


ERROR = {"$ref": "#/components/schemas/Error"}
FIELD_ERRORS_OR_ERROR = {"oneOf": [{"$ref": "#/components/schemas/FieldErrors"}, ERROR]}


def body_schema(response: dict[str, Any]) -> dict[str, Any]:
    assert list(response["content"]) == ["application/json"], response
    return response["content"]["application/json"]["schema"]


def test_every_operation_documents_the_errors_it_can_get(schema):
    for method, path, operation in operations(schema):
        responses = operation["responses"]
        expected = {"400", "503"}
        if requires_login(operation):
            expected |= {"401"} | ({"403"} if method != "GET" else set())
        if "{" in path:
            expected.add("404")
        if method in ("POST", "PUT", "PATCH"):
            expected.add("413")
        if "requestBody" in operation:
            expected.add("415")
        expected.add("429")  # every view is throttled
        assert expected <= set(responses), (method, path, sorted(responses))
        for status, response in responses.items():
            if status >= "400":
                wanted = FIELD_ERRORS_OR_ERROR if status == "400" else ERROR
                assert body_schema(response) == wanted, (method, path, status)
                assert response["description"], (method, path, status)
        for status in ("429", "503"):
            header = responses[status]["headers"]["Retry-After"]
            assert header["required"] and header["schema"]["type"] == "integer"


def test_error_components_match_the_bodies(schema):
    components = schema["components"]["schemas"]
    assert components["Error"]["required"] == ["code", "detail"]
    values = components["FieldErrors"]["additionalProperties"]["oneOf"]
    assert {"type": "array", "items": {"type": "string"}} in values  # {"field": ["..."]}
    assert {"type": "object", "additionalProperties": values[0]} in values  # list items


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/api/auth/login/", "401", "invalid_credentials"),
        ("/api/auth/refresh/", "401", "token_not_valid"),
        ("/api/friends/request/", "409", "request_pending"),
        ("/api/conversations/{id}/join/", "409", "conversation_full"),
        ("/api/messages/", "409", "client_id_reused"),
        ("/api/messages/", "404", "not_found"),
        ("/api/messages/{id}/report/", "409", "already_reported"),
    ],
)
def test_views_name_their_own_errors(schema, path, status, code):
    response = schema["paths"][path]["post"]["responses"][status]
    assert body_schema(response) == ERROR
    assert f"`{code}`" in response["description"]


@pytest.mark.parametrize("path", ["/api/notifications/", "/api/conversations/public/"])
def test_paginated_lists_document_their_headers(schema, path):
    headers = schema["paths"][path]["get"]["responses"]["200"]["headers"]
    assert headers["X-Total-Count"]["schema"]["type"] == "integer"
    assert headers["Link"]["schema"]["type"] == "string"
    assert headers["X-Total-Count"]["required"] and headers["Link"]["required"]


#: The operations that take a file: multipart/form-data, and nothing else.
FILE_UPLOADS = {
    ("POST", "/api/uploads/"),
    ("PUT", "/api/users/me/avatar/"),
    ("PUT", "/api/conversations/{id}/avatar/"),
}


def test_request_bodies_are_json_only_but_files(schema):
    bodies = {
        (method, path): op["requestBody"]
        for method, path, op in operations(schema)
        if "requestBody" in op
    }
    assert bodies
    for where, body in bodies.items():
        expected = "multipart/form-data" if where in FILE_UPLOADS else "application/json"
        assert list(body["content"]) == [expected], where
    assert set(bodies) >= FILE_UPLOADS


def email_properties(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, component in schema["components"]["schemas"].items():
        for prop, prop_schema in component.get("properties", {}).items():
            # Addresses (`email`, `new_email`…), not settings about mail (`email_digest`).
            if prop == "email" or prop.endswith("_email"):
                yield f"{name}.{prop}", prop_schema


def test_emails_that_may_be_empty_say_so(schema):
    """`email: ""` (no email) was returned under `format: email` in five responses."""
    found = dict(email_properties(schema))
    assert {"Me.email", "UserCreated.email", "RequestParty.email", "Friend.email"} <= set(found)
    for where, prop in found.items():
        assert "format" not in prop, where
        branches = prop["oneOf"]
        assert {"type": "string", "maxLength": 0} in branches, where
        assert any(branch.get("format") == "email" for branch in branches), where


def walk_strings(schema: dict[str, Any], node: dict[str, Any], where: str) -> Iterator[tuple]:
    node = resolve(schema, node)
    for branch in node.get("oneOf", []):
        yield from walk_strings(schema, branch, where)
    if node.get("type") == "string":
        yield where, node
    for prop, child in node.get("properties", {}).items():
        yield from walk_strings(schema, child, f"{where}.{prop}")
    if "items" in node:
        yield from walk_strings(schema, node["items"], f"{where}[]")


def request_strings(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for method, path, operation in operations(schema):
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            yield from walk_strings(schema, body["schema"], f"{method} {path}")
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query":
                where = f"{method} {path} ?{parameter['name']}"
                yield from walk_strings(schema, parameter["schema"], where)


def test_no_text_sent_to_the_server_may_hold_a_nul(schema):
    """The server refuses NUL in every text it reads (chat_project/text.py)."""
    texts = list(request_strings(schema))
    assert len(texts) > 20
    for where, node in texts:
        if "enum" in node or node.get("format") == "email" or node.get("maxLength") == 0:
            continue  # no NUL can pass those
        assert "pattern" in node, where
        assert not re.search(node["pattern"], "a\x00b"), where


def test_text_the_server_trims_may_not_be_blank(schema):
    edit = schema["components"]["schemas"]["MessageEditInputRequest"]["properties"]
    assert edit["content"]["pattern"] == NOT_BLANK
    assert edit["content"]["maxLength"] == settings.MESSAGE_MAX_LENGTH
    # A new message's text may be empty when it carries attachments: said in words.
    body = schema["components"]["schemas"]["MessageCreateInputRequest"]["properties"]
    assert body["content"]["pattern"] == NO_NUL
    assert body["content"]["maxLength"] == settings.MESSAGE_MAX_LENGTH
    assert "attachment_ids" in body["content"]["description"]
    client_id = dict(body["client_id"])
    assert client_id.pop("example") == "REPLACE-with-a-new-UUID-for-each-message"
    assert "new UUID" in client_id.pop("description")
    assert client_id == {
        "type": "string",
        "nullable": True,
        "maxLength": 64,
        "pattern": NO_NUL,
    }
    search = schema["paths"]["/api/messages/search/"]["get"]["parameters"]
    (q,) = [p for p in search if p["name"] == "q"]
    assert q["required"] and q["schema"]["pattern"] == NOT_BLANK
    assert (q["schema"]["minLength"], q["schema"]["maxLength"]) == (1, 200)


def test_query_limits_are_stated(schema):
    def params(path: str) -> dict[str, dict[str, Any]]:
        listed = schema["paths"][path]["get"]["parameters"]
        return {p["name"]: p for p in listed}

    history = params("/api/messages/conversation/{conversation_id}/")
    assert (history["limit"]["schema"]["minimum"], history["limit"]["schema"]["maximum"]) == (
        1,
        100,
    )
    assert history["before"]["schema"]["minimum"] == 0
    notifications = params("/api/notifications/")
    assert notifications["limit"]["schema"]["minimum"] == 1
    assert notifications["unread"]["schema"]["type"] == "boolean"
    # DRF reads an empty optional query parameter as left out.
    assert all(p.get("allowEmptyValue") for p in notifications.values())
    assert not history["conversation_id"].get("allowEmptyValue")


def test_path_ids_are_positive_64_bit_integers(schema):
    """Every path parameter is an id, but the emoji of a reaction (a text, checked by the
    server as one emoji: docs/api.md, Reactions), an invite link's code and a webhook's
    secret."""
    parameters = [
        parameter
        for _, _, operation in operations(schema)
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path"
    ]
    emoji = [p["schema"] for p in parameters if p["name"] == "emoji"]
    assert emoji == [{"type": "string", "minLength": 1, "maxLength": 64}] * 2  # PUT, DELETE
    codes = [p["schema"] for p in parameters if p["name"] == "code"]
    assert codes == [{"type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$"}] * 3  # invite links
    secrets = [p["schema"] for p in parameters if p["name"] == "secret"]
    assert secrets == [{"type": "string", "pattern": "^whk_[A-Za-z0-9_-]{1,124}$"}]  # webhooks
    ids = [p["schema"] for p in parameters if p["name"] not in ("emoji", "code", "secret")]
    assert len(ids) > 20
    for id_schema in ids:
        assert id_schema == {
            "type": "integer",
            "format": "int64",
            "minimum": 1,
            "maximum": 2**63 - 1,
        }


def test_register_states_the_username_and_password_rules(schema):
    body = schema["components"]["schemas"]["RegisterInputRequest"]["properties"]
    assert body["username"]["pattern"] == "^[A-Za-z0-9_.-]{3,32}$"
    assert body["password"]["minLength"] == 8
    assert body["password"]["pattern"] == NOT_ALL_DIGITS
    assert (
        schema["components"]["schemas"]["PasswordChangeInputRequest"]["properties"]["new_password"][
            "minLength"
        ]
        == 8
    )


def test_conversation_create_is_one_shape_per_type(schema):
    create = resolve(
        schema,
        schema["paths"]["/api/conversations/"]["post"]["requestBody"]["content"][
            "application/json"
        ]["schema"],
    )
    assert schema["paths"]["/api/conversations/"]["post"]["requestBody"]["required"]
    direct, group = (resolve(schema, branch) for branch in create["oneOf"])
    assert direct["properties"]["member_user_ids"]["maxItems"] == 1
    assert set(group["required"]) == {"type", "name"}
    assert group["properties"]["name"]["pattern"] == NOT_BLANK
    cap = group["properties"]["max_participants"]
    assert cap["maximum"] == settings.CONVERSATION_MAX_PARTICIPANTS_LIMIT


def test_patch_bodies_keep_their_required_fields(schema):
    edit = schema["paths"]["/api/messages/{id}/"]["patch"]["requestBody"]
    assert edit["required"]
    assert resolve(schema, edit["content"]["application/json"]["schema"])["required"] == ["content"]


def test_a_field_only_some_representations_carry_is_not_required(schema):
    """schemathesis found every notification but `report_handled` violating the schema."""
    notification = schema["components"]["schemas"]["Notification"]
    assert "outcome" in notification["properties"]
    assert "outcome" not in notification["required"]
    assert {"id", "type", "actor", "is_read"} <= set(notification["required"])


def test_muted_until_says_which_strings_it_takes(schema):
    """schemathesis sent `"0"` (any string, as the schema said) and got a 400."""
    put = schema["paths"]["/api/conversations/{id}/notifications/"]["put"]
    body = resolve(schema, put["requestBody"]["content"]["application/json"]["schema"])
    assert body["properties"]["muted_until"]["anyOf"] == [
        {"format": "date-time"},
        {"enum": ["forever"]},
    ]


def test_the_export_download_is_a_json_document(schema):
    """It was documented as binary while served as application/json (schemathesis)."""
    download = schema["paths"]["/api/account/exports/{id}/download/"]["get"]
    document = body_schema(download["responses"]["200"])
    assert document == {"type": "object", "additionalProperties": {}}


# --- the patterns say exactly what the server does -----------------------------------------

BMP = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]


def test_not_blank_is_what_trimming_keeps():
    pattern = re.compile(NOT_BLANK)
    for char in BMP:
        assert bool(pattern.search(char)) == (char != "\x00" and bool(char.strip())), hex(ord(char))
    assert pattern.search(" \t hi \n") and not pattern.search(" \u3000\n")
    assert not pattern.search("hi\x00")


def test_not_all_digits_is_what_the_numeric_password_validator_refuses():
    pattern = re.compile(NOT_ALL_DIGITS)
    validator = password_validation.NumericPasswordValidator()

    def refused(password: str) -> bool:
        try:
            validator.validate(password)
        except ValidationError:
            return True
        return False

    for char in BMP[1:]:
        password = char * 8
        assert bool(pattern.search(password)) == (not refused(password)), hex(ord(char))


# --- The schema explains itself (issue 17) --------------------------------------------------

#: Words of a maintainer's note, not of a client's documentation: how the code works,
#: where it lives, what it costs.
DEVELOPER_NOTE = re.compile(
    r"selector|services?\.|\bservice\b|queryset|prefetch|select_related|serializer|"
    r"\bDRF\b|spectacular|\bmixins?\b|hot path|lean path|benchmarks\.md|architecture\.md|"
    r"\bN\+1\b|\bTODO\b|\bFIXME\b|\bXXX\b|docstring|\bwe\b|accounts owns|friends knows|"
    r"detail routes? only|`(GET|POST|PUT|PATCH|DELETE)`:",
    re.IGNORECASE,
)


def test_every_operation_has_a_summary_and_a_description(schema):
    missing = [
        (method, path)
        for method, path, operation in operations(schema)
        if not operation.get("summary", "").strip() or not operation.get("description", "").strip()
    ]
    assert missing == []
    summaries = [operation["summary"] for _, _, operation in operations(schema)]
    assert len(set(summaries)) == len(summaries), "each summary names one operation"


def test_no_description_is_a_developers_note(schema):
    leaks = {
        f"{method} {path}": DEVELOPER_NOTE.findall(operation.get("description", ""))
        for method, path, operation in operations(schema)
        if DEVELOPER_NOTE.search(operation.get("description", ""))
    }
    assert leaks == {}


def test_the_view_docstrings_are_not_published(schema):
    """The texts come from chat_project/api_operations.py (or the view's extend_schema)."""
    from messaging.api.views import MessageViewSet

    docstring = " ".join((MessageViewSet.__doc__ or "").split())
    assert docstring
    for _, _, operation in operations(schema):
        assert docstring not in " ".join(operation["description"].split())


def _conversation_id_schemas(node: Any, where: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        if node.get("name") == "conversation_id" and "schema" in node:  # a parameter
            yield f"{where} (parameter)", node["schema"]
        for key, value in node.items():
            if key == "conversation_id" and isinstance(value, dict):
                yield f"{where}/{key}", value
            yield from _conversation_id_schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for item in node:
            yield from _conversation_id_schemas(item, where)


def test_conversation_id_is_an_integer_everywhere(schema):
    found = list(_conversation_id_schemas(schema))
    assert len(found) > 8
    for where, node in found:
        assert resolve(schema, node).get("type") == "integer", where


def test_only_usable_authentication_schemes_are_offered(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes == {
        "jwtAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
        "botToken": {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A bot's API token, as `Bot chatbot_...` (docs/api.md, Bots).",
        },
    }
    for _, _, operation in operations(schema):
        for requirement in operation.get("security", []):
            assert set(requirement) <= {"jwtAuth", "botToken"}


@pytest.mark.django_db
def test_the_example_client_id_is_a_placeholder_the_server_refuses(schema, user):
    from conversations.tests.factories import group_with

    body = resolve(
        schema,
        schema["paths"]["/api/messages/"]["post"]["requestBody"]["content"]["application/json"][
            "schema"
        ],
    )
    example = body["properties"]["client_id"]["example"]
    assert "REPLACE" in example
    group = group_with(user)
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(
        "/api/messages",
        {"conversation_id": group.id, "content": "hi", "client_id": example},
        format="json",
    )
    assert response.status_code == 400
    assert "documentation's example" in response.json()["client_id"][0]

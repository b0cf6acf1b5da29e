"""The WebSocket protocol's AsyncAPI document (docs/asyncapi.yaml, /api/asyncapi.yaml)
cannot drift: its client frames are the consumer's frame handlers, its server frames are
docs/api.md's tables and every event type the apps build, and the REST objects it names
are components of the OpenAPI schema."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

from messaging.consumers.chat import ChatConsumer
from tests.schema import openapi_components

ROOT = Path(settings.BASE_DIR)
APPS = ("accounts", "friends", "conversations", "messaging", "payments", "chat_project")


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docs" / "asyncapi.yaml").read_text())


def messages(document: dict[str, Any], side: str) -> dict[str, dict[str, Any]]:
    prefix = f"{side}."
    found = {
        name.removeprefix(prefix): message
        for name, message in document["components"]["messages"].items()
        if name.startswith(prefix)
    }
    operation = "publish" if side == "client" else "subscribe"
    listed = document["channels"]["/ws/"][operation]["message"]["oneOf"]
    assert [ref["$ref"].rsplit(".", 1)[1] for ref in listed] == list(found)
    for name, message in found.items():
        assert message["payload"]["properties"]["type"]["const"] == name
        assert message["summary"]
    return found


def api_md_section(title: str) -> str:
    text = (ROOT / "docs" / "api.md").read_text()
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start:] if end < 0 else text[start:end]


def table_after(section: str, heading: str) -> list[list[str]]:
    """The rows (cells) of the first Markdown table after `heading` in `section`."""
    lines = section[section.index(heading) :].splitlines()[1:]
    rows = []
    for line in lines:
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
        elif rows:
            break
    return rows[2:]  # without the header and its rule


def names_in(cell: str) -> set[str]:
    return set(re.findall(r"`([a-z]+(?:_[a-z]+)*)(?: \{[^`]*)?`", cell))


def test_it_is_served_beside_the_openapi_schema(client, document):
    response = client.get("/api/asyncapi.yaml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml"
    assert yaml.safe_load(response.content) == document
    assert document["asyncapi"].startswith("2.")
    schema = client.get("/api/schema/", {"format": "json"}).json()
    assert "/api/asyncapi.yaml" in schema["info"]["description"]


def test_client_frames_are_the_consumers_handlers(document):
    assert set(messages(document, "client")) == set(ChatConsumer.frame_handlers)


def test_client_frames_are_docs_api_md_table(document):
    rows = table_after(api_md_section("WebSocket"), "Client → server")
    assert set(messages(document, "client")) == {name for row in rows for name in names_in(row[0])}


def test_server_frames_are_docs_api_md_tables(document):
    section = api_md_section("WebSocket")
    events = {name for row in table_after(section, "Server → client") for name in names_in(row[0])}
    answers = {
        name
        for row in table_after(section, "Client → server")
        for name in names_in(row[2])
        if name not in ("mark_read",)
    }
    assert set(messages(document, "server")) == events | answers


def test_every_event_type_the_apps_build_is_described(document):
    """Every `{"type": "..."}` literal in the apps' code (not tests) is a server frame."""
    literal = re.compile(r"""["']type["']:\s*["']([a-z]+(?:_[a-z]+)*)["']""")
    built = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            built |= set(literal.findall(path.read_text()))
    built -= {"text", "transfer", "system"}  # message types, not frames
    built -= {"mention"}  # a web push payload's type (messaging/push.py), not a frame
    built -= {"object", "string", "integer", "array", "boolean", "number", "null"}  # schemas
    assert len(built) > 20
    assert built - set(messages(document, "server")) == set()


def test_rest_objects_are_openapi_components(document):
    components = openapi_components()
    for name, schema in document["components"]["schemas"].items():
        assert schema["x-openapi-component"] == name
        assert name in components, name

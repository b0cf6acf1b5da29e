"""A client generated from the live schema by openapi-python-client works (docs/api.md,
"The OpenAPI schema").

The schema used to declare every request body three times (JSON, form, multipart: DRF's
default parsers). The generated package could not be imported, and once patched it sent
multipart with every value stringified: `client_id=None` became the string "None", so the
second send was answered with the first message and its text was silently dropped.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conversations import services as conversation_services
from messaging.models import Message

pytestmark = pytest.mark.django_db(transaction=True)

PACKAGE = "generated_chat_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


def generate_client(schema_url: str, where: Path) -> None:
    """openapi-python-client into `where/PACKAGE`: no project metadata, no formatter run."""
    config = where / "openapi-python-client.yaml"
    config.write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n")
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            *("--url", schema_url),
            *("--meta", "none"),
            *("--config", str(config)),
            *("--output-path", str(where / PACKAGE)),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def generated(tmp_path: Path) -> Iterator[Path]:
    """Where the generated package goes; importable from there for this test only."""
    where = tmp_path / "client"
    where.mkdir()
    sys.path.insert(0, str(where))
    yield where
    sys.path.remove(str(where))
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


def module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_a_generated_client_sends_every_message(daphne_server, generated):
    alice = UserFactory(username="genalice")
    group = conversation_services.conversation_group_create(actor=alice, name="Generated")

    generate_client(f"{daphne_server.url}/api/schema/", generated)
    client_module = module("client")
    models = module("models")
    login = module("api.auth.auth_login_create")
    send = module("api.messages.messages_create")

    anonymous = client_module.Client(base_url=daphne_server.url, raise_on_unexpected_status=True)
    tokens = login.sync(
        client=anonymous,
        body=models.LoginInputRequest(username="genalice", password=DEFAULT_PASSWORD),
    )
    assert tokens is not None and tokens.token_type == "bearer"
    client = client_module.AuthenticatedClient(
        base_url=daphne_server.url, token=tokens.access_token, raise_on_unexpected_status=True
    )

    def post(content: str, **extra: object):
        body = models.MessageCreateInputRequest(conversation_id=group.id, content=content, **extra)
        return send.sync_detailed(client=client, body=body)

    # Without a client_id (left out, or None): two sends are two messages.
    first, second = post("first"), post("second", client_id=None)
    assert (first.status_code, second.status_code) == (201, 201), second.content
    assert first.parsed.id != second.parsed.id
    assert (first.parsed.content, second.parsed.content) == ("first", "second")
    assert second.parsed.client_id is None

    # With one: the replay is answered with the first message, nothing new is stored.
    keyed, replay = post("keyed", client_id="gen-1"), post("keyed again", client_id="gen-1")
    assert (keyed.status_code, replay.status_code) == (201, 200)
    assert replay.parsed.id == keyed.parsed.id and replay.parsed.content == "keyed"

    stored = list(Message.objects.filter(conversation=group).order_by("seq"))
    assert [(m.content, m.client_id) for m in stored] == [
        ("first", None),
        ("second", None),
        ("keyed", "gen-1"),
    ]

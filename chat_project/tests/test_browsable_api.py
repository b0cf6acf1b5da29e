"""The browsable API is usable (issue 17): the root lists every group of endpoints and
where the docs are, forms are built from what each endpoint reads, and an anonymous
visitor is told how to log in. Through Django's test client with the HTML renderer."""

from __future__ import annotations

import html
import json
import re

import pytest
from rest_framework.test import APIClient

from chat_project.api_root import GROUPS
from conversations.tests.factories import group_with
from messaging.models import Message

pytestmark = pytest.mark.django_db

HTML = {"HTTP_ACCEPT": "text/html"}


def page(response) -> str:
    return response.content.decode()


def form_fields(text: str, action: str) -> list[str]:
    """The names of the inputs of the HTML (not raw) form posting to `action`."""
    start = text.index(f'<form action="{action}" method="POST" enctype="multipart/form-data"')
    form = text[start : text.index("</form>", start)]
    return [n for n in re.findall(r'name="([^"]+)"', form) if n != "csrfmiddlewaretoken"]


def test_the_root_lists_every_group_and_the_docs_for_anyone(client):
    response = client.get("/api/", **HTML)
    assert response.status_code == 200
    text = page(response)
    for name, path in GROUPS:
        assert html.escape(name) in text or name in text
        assert path.split("#")[0] in text
    assert 'href="/api/docs/"' in text
    assert 'href="/api/asyncapi.yaml"' in text
    as_json = APIClient().get("/api/", format="json").json()
    assert as_json["interactive docs"] == "http://testserver/api/docs/"
    assert as_json["messages: send"] == "http://testserver/api/messages"


def test_every_path_prefix_of_the_schema_is_in_the_root():
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    prefixes = {path.split("/")[2] for path in schema["paths"]}
    listed = " ".join(path for _, path in GROUPS)
    missing = {p for p in prefixes if f"/api/{p}" not in listed and f"#/{p}" not in listed}
    assert missing == set()


def test_the_message_form_is_the_send_input(client, user):
    client.force_login(user)
    text = page(client.get("/api/messages/", **HTML))
    # A list has no HTML input (DRF says so in the form); the raw JSON form has it.
    assert form_fields(text, "/api/messages/") == [
        "conversation_id",
        "content",
        "client_id",
        "reply_to",
    ]
    raw = re.search(r'<textarea name="_content"[^>]*>(.*?)</textarea>', text, re.S).group(1)
    assert set(json.loads(html.unescape(raw))) == {
        "conversation_id",
        "content",
        "attachment_ids",
        "client_id",
        "reply_to",
    }


def test_posting_the_message_form_works_at_the_first_try(client, user):
    group = group_with(user)
    client.force_login(user)
    response = client.post(
        "/api/messages/",
        {
            "conversation_id": str(group.id),
            "content": "Sent from the browsable API",
            "client_id": "",
            "reply_to": "",
        },
        **HTML,
    )
    assert response.status_code == 201, page(response)[:2000]
    assert Message.objects.filter(conversation=group, content="Sent from the browsable API")


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/api/auth/login/", ["username", "password", "otp"]),
        ("/api/friends/request/", ["username"]),
        ("/api/bots/", ["username", "display_name"]),
        (
            "/api/payments/transfers/",
            ["to_user_id", "amount", "currency", "note", "idempotency_key"],
        ),
    ],
)
def test_other_forms_are_their_inputs_too(client, user, path, fields):
    client.force_login(user)
    text = page(client.get(path, **HTML))
    assert form_fields(text, path) == fields


def test_a_bad_form_comes_back_with_its_errors(client, user):
    client.force_login(user)
    response = client.post("/api/messages/", {"conversation_id": "", "content": "x"}, **HTML)
    assert response.status_code == 400
    assert "conversation_id" in form_fields(page(response), "/api/messages/")


def test_an_anonymous_visitor_is_told_how_to_log_in(client):
    response = client.get("/api/conversations/", **HTML)
    assert response.status_code == 401
    text = page(response)
    assert "You are not logged in." in text
    assert 'href="/api-auth/login/?next=/api/conversations/"' in text
    assert "Authorization: Bearer &lt;access_token&gt;" in text
    assert 'href="/api/docs/"' in text


def test_json_clients_still_get_json_errors(client):
    response = client.get("/api/conversations/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_pages_do_not_show_the_maintainers_docstrings(client, user):
    from messaging.api.views import MessageViewSet

    client.force_login(user)
    text = " ".join(page(client.get("/api/messages/", **HTML)).split())
    assert " ".join((MessageViewSet.__doc__ or "").split()) not in text
    assert 'href="/api/docs/"' in text


def test_every_page_without_an_id_renders(client, user):
    """Each endpoint's page (forms included) renders for a logged-in user: never a 500."""
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    client.force_login(user)
    paths = [path for path in schema["paths"] if "{" not in path]
    assert len(paths) > 20
    for path in paths:
        response = client.get(path, **HTML)
        assert response.status_code < 500, path
        assert "<form" in page(response) or response.status_code != 200, path


def test_the_conversation_form_is_the_group_shape(client, user):
    client.force_login(user)
    fields = form_fields(page(client.get("/api/conversations/", **HTML)), "/api/conversations/")
    assert {"type", "name", "description", "is_public"} <= set(fields)

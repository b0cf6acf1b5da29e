"""Incoming webhooks in the web UI: real chromium, real daphne.

Alice (owner) opens the group's Details, creates a webhook, takes its URL from the field
the page shows once, and a plain HTTP POST to it (what CI sends) arrives live in Bob's
open conversation as the bot's message with a BOT tag; the bot is listed as a member with
the tag, and its profile card says so. Revoking it in Details makes the URL a 404.
Screenshots as in test_browser.py ($CHAT_SCREENSHOTS_DIR refreshes docs/screenshots/).
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.tests.factories import UserFactory
from conversations.tests.factories import group_with
from tests.e2e import test_browser
from tests.e2e.test_browser import PASSWORD, befriend, off_loop, wait_connected

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

people = test_browser.people


def screenshots(tmp_path: Path) -> Callable[[Page, str], None]:
    """As test_browser's `shots`, kept in $CHAT_SCREENSHOTS_DIR or /tmp/integ-shots here."""
    target = Path(os.environ.get("CHAT_SCREENSHOTS_DIR") or tmp_path)

    def take(page: Page, name: str) -> None:
        page.mouse.move(0, 0)
        page.screenshot(path=str(target / name))

    return take


@pytest.fixture
def server(browser: Any, daphne_factory: Callable[..., Any]) -> Any:
    return daphne_factory(DJANGO_ALLOW_ASYNC_UNSAFE="")


def post_json(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def bot_rows(page: Page, text: str) -> Any:
    return page.locator("#message-list .msg", has_text=text)


def test_a_webhook_made_in_details_posts_a_bot_message_live(people, server, tmp_path):
    shots = screenshots(tmp_path)
    from conversations import services as conversations

    alice = UserFactory(username="alice", display_name="Alice", password=PASSWORD)
    bob = UserFactory(username="bob", display_name="Bob", password=PASSWORD)
    befriend(alice, bob)
    team = off_loop(
        lambda: conversations.conversation_group_create(
            actor=alice, name="Deploys", member_user_ids=[bob.id]
        )
    )
    a, b = people(alice).page, people(bob).page
    for page in (a, b):
        page.goto(f"/c/{team.id}/")
        wait_connected(page)

    a.locator("#details-button").click()
    a.locator("#webhook-name").fill("CI")
    a.get_by_role("button", name="Create webhook").click()
    url_field = a.locator("#webhook-url")
    expect(url_field).to_be_visible()
    url = url_field.input_value()
    assert re.search(r"/api/hooks/whk_[A-Za-z0-9_-]+$", url)
    expect(a.locator("#webhook-list .webhook", has_text="CI")).to_have_count(1)
    shots(a, "webhooks.png")

    status, body = post_json(url, {"text": "Build **#412** of `main` passed"})
    assert status == 201 and body["sender_is_bot"] is True

    for page in (a, b):  # live, as the bot's message, with the tag
        row = bot_rows(page, "Build #412 of main passed")
        expect(row).to_have_count(1)
        expect(row.locator(".msg-head .bot-tag")).to_have_text("BOT")
        expect(row.locator(".msg-author")).to_have_text("CI")
    shots(b, "webhook-message.png")

    # The bot in the member list and on its profile card.
    b.locator("#details-button").click()
    member = b.locator("#details-content .member-list .person", has_text="CI")
    expect(member.locator(".bot-tag")).to_have_text("BOT")
    member.locator(".person-link").click()
    expect(b.locator("#profile-name .bot-tag")).to_have_text("BOT")
    shots(b, "bot-profile.png")

    # Revoked in Details: the URL stops working.
    a.get_by_role("button", name="Revoke webhook CI").click()
    expect(a.locator("#webhook-list .webhook")).to_have_count(0)
    status, body = post_json(url, {"text": "too late"})
    assert status == 404 and body["code"] == "not_found"


def test_the_browsable_api_posts_a_message_from_its_form(people, server, tmp_path):
    """The root lists the groups and the docs; an anonymous visitor is told how to log in;
    the message form has the send's fields and posting it works at the first try."""
    shots = screenshots(tmp_path)
    alice = UserFactory(username="alice", display_name="Alice", password=PASSWORD)
    group = off_loop(lambda: group_with(alice, name="API"))

    anonymous = people().page
    anonymous.goto("/api/conversations/")
    expect(anonymous.locator(".login-help")).to_contain_text("You are not logged in.")
    expect(anonymous.locator(".login-help a", has_text="Interactive docs")).to_have_attribute(
        "href", "/api/docs/"
    )
    shots(anonymous, "browsable-401.png")
    anonymous.goto("/api/")
    expect(anonymous.locator(".response-info")).to_contain_text("/api/messages")
    expect(anonymous.get_by_role("link", name="Interactive docs").first).to_be_visible()

    page = people(alice).page
    page.goto("/api/messages/")
    form = page.locator("#post-object-form form")
    form.locator("input[name=conversation_id]").fill(str(group.id))
    form.locator("[name=content]").fill("Hello from the browsable API")
    form.get_by_role("button", name="POST").click()
    expect(page.locator(".response-info")).to_contain_text("HTTP 201 Created")
    expect(page.locator(".response-info")).to_contain_text("Hello from the browsable API")
    shots(page, "browsable-post.png")
    assert off_loop(lambda: group.messages.filter(content="Hello from the browsable API").count())

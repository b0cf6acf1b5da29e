"""Issue 16's bugs as the report found them, clicked through in real chromium against real
daphne: log in with a long email address (bug 1), a friend request accepted on the
Friends page leaves the bell (bug 2), and a display name change reaches the other side's
open chat live (bug 5). Fixtures from test_browser.py.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.tests.factories import UserFactory
from tests.e2e import test_browser
from tests.e2e.test_browser import (
    PASSWORD,
    befriend,
    conv_item,
    direct_chat,
    nav,
    off_loop,
    wait_connected,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

people = test_browser.people
shots = test_browser.shots


def bell_count(page: Page) -> Any:
    return page.locator("#bell-count")


def test_logging_in_with_an_email_address_longer_than_a_username(people):
    """Bug 1: the login field took the username's maxlength (32), so chromium cut a longer
    address short while it was typed, and the login failed."""
    email = "margaret.hamilton.apollo-guidance@example.org"
    assert len(email) > 32
    UserFactory(username="margaret", email=email, password=PASSWORD)
    page = people().page
    page.goto("/accounts/login/")
    field = page.get_by_label("Username or email")
    field.press_sequentially(email)  # typed key by key, as a person (or autofill) does
    expect(field).to_have_value(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    wait_connected(page)
    expect(page.locator("body")).not_to_contain_text("Please enter a correct")


def test_a_request_accepted_on_the_friends_page_leaves_the_bell(people):
    """Bug 2: accepting on the Friends page left "alice sent you a friend request" in the
    bell, even after a reload. Bob has the chat open in one tab and the Friends page in
    another; alice asks through her own Friends page."""
    alice_user = UserFactory(username="alice", password=PASSWORD)
    bob_user = UserFactory(username="bob", password=PASSWORD)
    alice, bob = people(alice_user), people(bob_user)
    chat, friends = bob.page, bob.context.new_page()
    chat.goto("/")
    friends.goto("/friends/")
    for page in (chat, friends):
        wait_connected(page)
        expect(bell_count(page)).to_be_hidden()

    a = alice.page
    a.goto("/friends/")
    wait_connected(a)
    a.locator("#add-friend-input").fill("bob")
    a.get_by_role("button", name="Send request").click()
    expect(a.locator("#outgoing-list .person")).to_have_count(1)

    # Both of bob's tabs hear of it: one bell item, the request itself.
    for page in (chat, friends):
        expect(bell_count(page)).to_have_text("1")
    chat.locator("#bell-button").click()
    expect(chat.locator("#bell-list .bell-item")).to_have_count(1)
    expect(chat.locator("#bell-list")).to_contain_text("alice")

    friends.get_by_role("button", name="Accept alice").click()
    expect(friends.locator("#friends-list .person", has_text="alice")).to_be_visible()
    for page in (chat, friends):  # live, in the tab where it happened and in the other
        expect(bell_count(page)).to_be_hidden()
    expect(chat.locator("#bell-list .bell-item")).to_have_count(0)
    expect(chat.locator("#bell-empty")).to_be_visible()

    for page in (chat, friends):  # and still gone after a reload
        page.reload()
        wait_connected(page)
        expect(bell_count(page)).to_be_hidden()
        page.locator("#bell-button").click()
        expect(page.locator("#bell-list .bell-item")).to_have_count(0)
        expect(page.locator("#bell-list")).not_to_contain_text("friend request")


def test_a_display_name_change_reaches_the_open_chat_of_a_friend_live(people):
    """Bug 5: alice renames herself in settings; bob, with their direct chat open, kept
    seeing the old name (header, sidebar, her messages) until he reloaded."""
    from messaging import services as messaging

    alice_user = UserFactory(username="alice", display_name="Alice", password=PASSWORD)
    bob_user = UserFactory(username="bob", display_name="Bob", password=PASSWORD)
    befriend(alice_user, bob_user)
    chat_id = direct_chat(alice_user, bob_user)
    off_loop(
        lambda: messaging.message_send(
            actor=alice_user, conversation_id=chat_id, content="Lunch at noon?"
        )
    )
    b = people(bob_user).page
    b.goto(f"/c/{chat_id}/")
    wait_connected(b)
    row = b.locator("#message-list .msg", has_text="Lunch at noon?")
    expect(b.locator("#pane-title")).to_have_text("Alice")
    expect(conv_item(b, "Alice")).to_have_count(1)
    expect(row.locator(".sr-who")).to_contain_text("Alice,")
    expect(row.locator(".msg-avatar")).to_have_attribute("data-initial", "A")
    b.evaluate("window.__notReloaded = true")

    a = people(alice_user).page
    a.goto("/accounts/settings/")
    a.get_by_label("Display name").fill("Zoe Quinn")
    a.get_by_role("button", name="Save profile").click()
    expect(a.get_by_text("Profile saved.")).to_be_visible()

    expect(b.locator("#pane-title")).to_have_text("Zoe Quinn")
    expect(conv_item(b, "Zoe Quinn")).to_have_count(1)
    expect(conv_item(b, "Alice")).to_have_count(0)
    expect(row.locator(".sr-who")).to_contain_text("Zoe Quinn,")
    expect(row.locator(".msg-avatar")).to_have_attribute("data-initial", "Z")
    assert b.evaluate("window.__notReloaded") is True  # live: the same page, no reload

    # Bob's Friends page and a newly opened chat list agree.
    nav(b, "Friends")
    expect(b.locator("#friends-list .person", has_text="Zoe Quinn")).to_have_count(1)

"""Accessibility of the web UI (issue 16): axe-core run in the browser on every page with
no serious or critical violation, new messages announced to screen readers, and the chat
screen worked by keyboard alone. Fixtures from test_browser.py.

axe-core comes with axe-playwright-python (requirements-dev.txt): it is put into the page
through the DevTools protocol, which the page's Content-Security-Policy does not govern, so
the policy stays as strict as in production (the CSP watch of conftest.py still runs).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from accounts.tests.factories import UserFactory
from tests.e2e import test_browser
from tests.e2e.test_browser import (
    PHONE,
    befriend,
    direct_chat,
    messages_with,
    off_loop,
    wait_connected,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

people = test_browser.people

GRAVE = {"serious", "critical"}


def grave_violations(page: Page) -> list[str]:
    """axe's serious and critical findings on the page as it is now, one line each."""
    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] not in GRAVE:
            continue
        targets = [", ".join(map(str, node["target"])) for node in violation["nodes"]][:5]
        found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return found


def check(page: Page, where: str, failures: list[str]) -> None:
    failures.extend(f"{where}: {line}" for line in grave_violations(page))


def test_every_page_has_no_serious_accessibility_violation(people, browser: Any, server: Any):
    from conversations import services as conversations

    alice_user, bob_user = UserFactory(username="alice"), UserFactory(username="bob")
    befriend(alice_user, bob_user)
    chat = direct_chat(alice_user, bob_user)
    group = off_loop(
        lambda: conversations.conversation_group_create(
            actor=alice_user, name="Board games", member_user_ids=[bob_user.id], is_public=True
        )
    )
    from messaging import services as messaging

    off_loop(
        lambda: [
            messaging.message_send(actor=sender, conversation_id=group.id, content=text)
            for sender, text in (
                (bob_user, "Catan on Friday? https://example.org/catan"),
                (alice_user, "Yes! I bring snacks."),
                (bob_user, "Great, see you at 7"),
            )
        ]
    )
    failures: list[str] = []

    anonymous = people().page
    for path, where in (("/accounts/login/", "login"), ("/accounts/register/", "register")):
        anonymous.goto(path)
        check(anonymous, where, failures)

    a = people(alice_user).page
    for path, where in (
        ("/", "chat, nothing open"),
        ("/friends/", "friends"),
        ("/rooms/", "rooms"),
        ("/accounts/settings/", "settings"),
        ("/wallet/", "wallet"),
        (f"/c/{chat}/", "direct chat"),
    ):
        a.goto(path)
        wait_connected(a)
        a.wait_for_timeout(300)
        check(a, where, failures)

    a.goto(f"/c/{group.id}/")
    wait_connected(a)
    expect(messages_with(a, "see you at 7")).to_have_count(1)
    check(a, "group chat", failures)
    a.locator("#message-list .msg").first.hover()
    a.locator("#message-list .msg-more").first.click()
    check(a, "message menu open", failures)
    a.keyboard.press("Escape")
    a.get_by_role("button", name="Details").click()
    expect(a.locator("#details-dialog")).to_be_visible()
    check(a, "details dialog open", failures)
    a.get_by_role("button", name="Close").click()
    a.get_by_role("searchbox", name="Search messages").fill("snacks")
    a.get_by_role("searchbox", name="Search messages").press("Enter")
    expect(a.locator("#search-list .search-hit")).to_have_count(1)
    check(a, "search results", failures)
    a.locator(".msg-author").first.click()
    expect(a.locator("#profile-card")).to_be_visible()
    check(a, "profile card open", failures)
    a.emulate_media(color_scheme="dark")
    check(a, "profile card, dark", failures)
    a.keyboard.press("Escape")
    check(a, "group chat, dark", failures)
    a.emulate_media(color_scheme="light")

    phone = people(alice_user, viewport=PHONE).page
    phone.goto(f"/c/{group.id}/")
    wait_connected(phone)
    check(phone, "group chat at phone width", failures)

    assert failures == [], "\n".join(failures)


def test_new_messages_are_announced_to_screen_readers(people):
    alice_user, bob_user = UserFactory(username="alice"), UserFactory(username="bob")
    befriend(alice_user, bob_user)
    chat = direct_chat(alice_user, bob_user)
    alice, bob = people(alice_user), people(bob_user)
    for person in (alice, bob):
        person.page.goto(f"/c/{chat}/")
        wait_connected(person.page)
    a, b = alice.page, bob.page
    region = a.locator("#message-announcer")
    expect(region).to_have_attribute("aria-live", "polite")
    b.locator("#composer-input").fill("Lunch at noon?")
    b.locator("#composer-input").press("Enter")
    expect(region).to_have_text("Bob: Lunch at noon?")
    # One's own messages are not read back.
    a.locator("#composer-input").fill("Sure")
    a.locator("#composer-input").press("Enter")
    expect(messages_with(b, "Sure")).to_have_count(1)
    expect(region).not_to_have_text(re.compile("Sure"))
    # Nor is the history loaded on opening a conversation.
    a.reload()
    wait_connected(a)
    expect(messages_with(a, "Lunch at noon?")).to_have_count(1)
    expect(region).to_have_text("")


def test_the_chat_screen_works_by_keyboard_alone(people):
    """Tab to a message's menu, edit from it, open the profile card from it, search and
    jump to a result: without the mouse."""
    alice_user, bob_user = UserFactory(username="alice"), UserFactory(username="bob")
    befriend(alice_user, bob_user)
    chat = direct_chat(alice_user, bob_user)
    a = people(alice_user).page
    a.goto(f"/c/{chat}/")
    wait_connected(a)
    composer = a.locator("#composer-input")
    composer.fill("Typo in this mesage")
    composer.press("Enter")
    expect(messages_with(a, "mesage")).to_have_count(1)

    # Shift+Tab from the composer reaches the message list, then the row's menu button.
    menu_button = a.locator("#message-list .msg-more").last
    for _ in range(12):
        if menu_button.evaluate("b => b === document.activeElement"):
            break
        a.keyboard.press("Shift+Tab")
    expect(menu_button).to_be_focused()
    a.keyboard.press("Enter")
    expect(a.get_by_role("menuitem").first).to_be_focused()
    a.keyboard.press("End")
    expect(a.get_by_role("menuitem", name="Delete")).to_be_focused()
    a.keyboard.press("ArrowUp")
    expect(a.get_by_role("menuitem", name="Edit")).to_be_focused()
    a.keyboard.press("Enter")
    editor = a.get_by_role("textbox", name="Edit message")
    expect(editor).to_be_focused()
    editor.fill("Typo in this message")
    editor.press("Enter")
    expect(messages_with(a, "Typo in this message")).to_have_count(1)
    expect(a.locator("#message-list .msg-edited")).to_have_count(1)

    # The search box, Enter, ArrowDown to the result, Enter jumps to it.
    box = a.get_by_role("searchbox", name="Search messages")
    box.focus()
    a.keyboard.type("typo")
    a.keyboard.press("Enter")
    expect(a.locator("#search-list .search-hit")).to_have_count(1)
    a.keyboard.press("ArrowDown")
    expect(a.locator("#search-list .search-hit")).to_be_focused()
    a.keyboard.press("Enter")
    target = a.locator("#message-list .msg", has=a.locator(".msg-body", has_text="Typo"))
    expect(target).to_be_focused()
    a.keyboard.press("Escape")
    expect(target).to_be_visible()

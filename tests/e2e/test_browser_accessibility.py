"""Accessibility of the web UI (issue 16): axe-core run in the browser on every page with
no serious or critical violation, new messages announced to screen readers, and the chat
screen worked by keyboard alone. Fixtures from test_browser.py.

"Every page" is the main pages, the account pages (password reset, email confirmation, the
login code, two-factor sign-in), the invite page, the chat screen with each of its dialogs
and popovers open (new group, report, notifications, status, emoji picker), the top bar's
connection states, and the main pages, the invite page and the dialogs again in a
Vietnamese browser.

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


def test_account_pages_have_no_serious_accessibility_violation(people):
    """The pages around the account, each in the state a person meets it: a forgotten
    password (ask, sent, a valid link, changed), an email address to confirm (the button,
    confirmed, a broken link), the code asked after the password, and two-factor sign-in
    (off, the QR code, on with its recovery codes, a session still to verify)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.core import signing
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from accounts import email_address
    from tests.e2e.test_browser_account import log_in, totp_code

    dana = UserFactory(username="dana", email="dana@example.com")
    failures: list[str] = []
    page = people().page

    page.goto("/accounts/password/reset/")
    check(page, "password reset, ask", failures)
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    check(page, "password reset, sent", failures)
    uid = urlsafe_base64_encode(force_bytes(dana.pk))
    page.goto(f"/accounts/password/reset/{uid}/{default_token_generator.make_token(dana)}/")
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    check(page, "password reset, new password", failures)
    page.locator("#id_new_password1").fill("a-short")
    page.locator("#id_new_password2").fill("a-shorter")
    page.get_by_role("button", name="Change my password").click()
    expect(page.locator("#id_new_password2")).to_be_visible()
    check(page, "password reset, new password refused", failures)
    page.locator("#id_new_password1").fill("a-Brand-new-passw0rd!")
    page.locator("#id_new_password2").fill("a-Brand-new-passw0rd!")
    page.get_by_role("button", name="Change my password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()
    check(page, "password reset, changed", failures)
    page.goto("/accounts/password/reset/MQ/not-a-token/")
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    check(page, "password reset, broken link", failures)

    token = signing.dumps(
        {"u": dana.pk, "e": "dana@example.org", "c": dana.email}, salt=email_address.CONFIRM_SALT
    )
    page.goto(f"/accounts/email/confirm/?token={token}")
    check(page, "email confirm", failures)
    page.get_by_role("button", name="Confirm this address").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    check(page, "email confirmed", failures)
    page.goto(f"/accounts/email/confirm/?token={token}x")
    page.get_by_role("button", name="Confirm this address").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check(page, "email confirm, bad link", failures)
    page.goto("/accounts/email/confirm/")
    check(page, "email confirm, incomplete link", failures)

    erin = UserFactory(username="erin", display_name="Erin")
    e = people(erin).page
    e.goto("/accounts/two-factor/")
    check(e, "two-factor, off", failures)
    e.get_by_role("button", name="Set up two-factor sign-in").click()
    expect(e.locator("#totp-qr")).to_be_visible()
    check(e, "two-factor, scan", failures)
    e.locator("#id_code").fill("000000")
    e.get_by_role("button", name="Turn on").click()
    expect(e.locator("form.stacked")).to_contain_text("not valid")
    check(e, "two-factor, wrong code", failures)
    e.wait_for_timeout(1200)  # django-otp throttles the next try by a second after a wrong one
    secret = e.locator("#totp-secret").inner_text().strip()
    e.locator("#id_code").fill(totp_code(secret))
    e.get_by_role("button", name="Turn on").click()
    expect(e.locator("#recovery-codes li")).to_have_count(10)
    check(e, "two-factor, on with recovery codes", failures)

    # A session that did not give a code: the page asks to verify it.
    other = people(erin).page
    other.goto("/accounts/two-factor/")
    expect(other.get_by_role("heading", name="Verify this session")).to_be_visible()
    check(other, "two-factor, verify this session", failures)

    # The login's second step.
    login = people().page
    log_in(login, "erin")
    expect(login).to_have_url(re.compile(r"/accounts/login/code/"))
    check(login, "login code", failures)
    login.locator("#id_code").fill("000000")
    login.get_by_role("button", name="Verify").click()
    expect(login.locator("form")).to_contain_text("That code is not valid")
    check(login, "login code, wrong code", failures)

    assert failures == [], "\n".join(failures)


def a_busy_account() -> tuple[Any, int, str]:
    """Alice, with a friend request in her bell (Carol's), a public group where Bob wrote,
    and a private group with an invite link; returns (alice, the public group's id, the
    link's code)."""
    from conversations import services as conversations
    from friends import services as friends
    from messaging import services as messaging

    alice, bob, carol = (UserFactory(username=name) for name in ("alice", "bob", "carol"))
    befriend(alice, bob)

    def work() -> tuple[int, str]:
        friends.friend_request_send(actor=carol, username="alice")
        group = conversations.conversation_group_create(
            actor=alice, name="Board games", member_user_ids=[bob.id], is_public=True
        )
        messaging.message_send(actor=bob, conversation_id=group.id, content="Catan on Friday?")
        team = conversations.conversation_group_create(
            actor=alice, name="Team", member_user_ids=[bob.id]
        )
        invite = conversations.conversation_invite_create(actor=alice, conversation_id=team.id)
        return group.id, invite.code

    group_id, code = off_loop(work)
    return alice, group_id, code


def check_dialogs(page: Page, group_id: int, where: str, failures: list[str]) -> None:
    """Open each dialog and popover of the chat screen by clicking (ids and classes only,
    so that it works in any language) and run axe with it open."""
    page.goto(f"/c/{group_id}/")
    wait_connected(page)
    expect(page.locator("#message-list .msg")).to_have_count(1)

    page.locator("#new-group-button").click()
    expect(page.locator("#group-dialog")).to_be_visible()
    check(page, f"{where}: new group dialog open", failures)
    page.keyboard.press("Escape")
    expect(page.locator("#group-dialog")).to_be_hidden()

    page.locator("#bell-button").click()
    expect(page.locator("#bell-list li").first).to_be_visible()
    check(page, f"{where}: bell panel open", failures)
    page.keyboard.press("Escape")
    expect(page.locator("#bell-panel")).to_be_hidden()

    page.locator("#status-button").click()
    expect(page.locator(".status-menu")).to_be_visible()
    check(page, f"{where}: status picker open", failures)
    page.keyboard.press("Escape")
    expect(page.locator(".status-menu")).to_have_count(0)

    def message_menu_item(action: str) -> None:
        page.locator("#message-list .msg").first.hover()
        page.locator("#message-list .msg-more").first.click()
        page.get_by_role("menu").locator(f"[data-menu-action={action}]").click()

    message_menu_item("report")
    expect(page.locator("#report-dialog")).to_be_visible()
    check(page, f"{where}: report dialog open", failures)
    page.locator("#report-dialog button[type=submit]").click()
    expect(page.locator("#report-dialog [role=alert]")).not_to_be_empty()
    check(page, f"{where}: report dialog with its error", failures)
    page.keyboard.press("Escape")
    expect(page.locator("#report-dialog")).to_be_hidden()

    message_menu_item("react")
    expect(page.locator(".emoji-picker")).to_be_visible()
    check(page, f"{where}: emoji picker open", failures)
    page.locator(".emoji-picker .picker-search").fill("zzzz")
    expect(page.locator(".emoji-picker .picker-empty")).to_be_visible()
    check(page, f"{where}: emoji picker, nothing found", failures)
    page.keyboard.press("Escape")
    expect(page.locator(".emoji-picker")).to_have_count(0)


def test_dialogs_popovers_and_the_invite_page_have_no_serious_violation(people):
    alice, group_id, code = a_busy_account()
    failures: list[str] = []
    a = people(alice).page
    check_dialogs(a, group_id, "chat", failures)
    a.emulate_media(color_scheme="dark")
    check_dialogs(a, group_id, "chat, dark", failures)
    a.emulate_media(color_scheme="light")

    a.goto(f"/invite/{code}/")
    expect(a.locator("#invite-meta")).not_to_be_empty()
    check(a, "invite page (a member)", failures)

    # The connection's states in the top bar: "Connecting…" (a socket that never says
    # `connected`), "Connection lost" (offline), "Reconnected" (back, shown two seconds).
    waiting = people(alice)
    waiting.page.route_web_socket(re.compile(".*"), lambda socket: None)
    waiting.page.goto("/")
    status = waiting.page.locator("#conn-status")
    expect(status).to_have_attribute("data-kind", "warn")
    for scheme in ("light", "dark"):
        waiting.page.emulate_media(color_scheme=scheme)
        check(waiting.page, f"connecting, {scheme}", failures)
    person = people(alice)
    person.page.goto("/")
    wait_connected(person.page)
    status = person.page.locator("#conn-status")
    person.context.set_offline(True)
    person.page.evaluate("window.chatApp.socket.drop()")
    expect(status).to_have_attribute("data-kind", "error")
    check(person.page, "connection lost", failures)
    person.context.set_offline(False)
    expect(status).to_have_attribute("data-kind", "ok")
    check(person.page, "reconnected", failures)
    dave = people(UserFactory(username="dave")).page
    dave.goto(f"/invite/{code}/")
    expect(dave.locator("#invite-join")).to_be_visible()
    check(dave, "invite page", failures)
    dave.goto("/invite/no-such-code/")
    expect(dave.locator("#invite-error")).not_to_be_empty()
    check(dave, "invite page, unknown link", failures)

    assert failures == [], "\n".join(failures)


def test_vietnamese_pages_have_no_serious_violation(people):
    """The same pages in a Vietnamese browser (longer words, another `lang`)."""
    alice, group_id, code = a_busy_account()
    failures: list[str] = []

    anonymous = people(locale="vi-VN").page
    for path in ("/accounts/login/", "/accounts/register/", "/accounts/password/reset/"):
        anonymous.goto(path)
        expect(anonymous.locator("html")).to_have_attribute("lang", "vi")
        for scheme in ("light", "dark"):
            anonymous.emulate_media(color_scheme=scheme)
            check(anonymous, f"vi {path}, {scheme}", failures)
        anonymous.emulate_media(color_scheme="light")

    a = people(alice, locale="vi-VN").page
    for path in ("/", "/friends/", "/rooms/", "/accounts/settings/", "/wallet/"):
        a.goto(path)
        wait_connected(a)
        expect(a.locator("html")).to_have_attribute("lang", "vi")
        a.wait_for_timeout(300)
        check(a, f"vi {path}", failures)
    a.goto("/accounts/two-factor/")
    check(a, "vi /accounts/two-factor/", failures)
    a.goto(f"/invite/{code}/")
    expect(a.locator("#invite-meta")).not_to_be_empty()
    check(a, "vi invite page", failures)
    check_dialogs(a, group_id, "vi chat", failures)
    a.locator("#message-list .msg-author").first.click()
    expect(a.locator("#profile-card")).to_be_visible()
    check(a, "vi profile card open", failures)

    phone = people(alice, locale="vi-VN", viewport=PHONE).page
    for path in ("/", f"/c/{group_id}/", "/friends/", "/accounts/settings/"):
        phone.goto(path)
        wait_connected(phone)
        check(phone, f"vi {path} at phone width", failures)

    assert failures == [], "\n".join(failures)

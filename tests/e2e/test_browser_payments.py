"""Sending money in a real browser: Debian's chromium driven by Playwright, against real
daphne (see test_browser.py for the fixtures, which are shared from there).

Alice pays bob from their direct chat; bob, with the chat in one tab and his wallet in
another, sees the transfer bubble and his new balance arrive live.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from payments.tests.factories import fund
from tests.e2e.test_browser import (  # noqa: F401  (people and shots are fixtures)
    befriend,
    direct_chat,
    off_loop,
    people,
    shots,
    wait_connected,
)
from tests.e2e.test_browser_attachments import portrait, set_avatar

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server(browser: Any, daphne_factory: Any) -> Any:
    """As test_browser's `server`, with a per-transfer limit of 20.00 to run into."""
    return daphne_factory(DJANGO_ALLOW_ASYNC_UNSAFE="", PAYMENTS_TRANSFER_LIMIT="20")


def test_send_money_in_a_direct_chat_and_see_it_arrive_live(people, shots):  # noqa: F811
    alice_user = UserFactory(username="alice", display_name="Alice")
    bob_user = UserFactory(username="bob", display_name="Bob")
    befriend(alice_user, bob_user)
    conversation_id = direct_chat(alice_user, bob_user)
    off_loop(lambda: fund(alice_user, 50_00))

    alice, bob = people(alice_user), people(bob_user)
    a, b = alice.page, bob.page
    wallet = bob.context.new_page()  # bob's wallet in a second tab
    for page, path in ((b, f"/c/{conversation_id}/"), (a, f"/c/{conversation_id}/")):
        page.goto(path)
        wait_connected(page)
        if page is b:
            set_avatar(b, portrait((60, 120, 200)))  # before alice's page loads the members
    wallet.goto("/wallet/")
    wait_connected(wallet)
    expect(wallet.locator("#balances .balance-amount")).to_have_text("€0.00")
    expect(wallet.locator("#transactions-empty")).to_be_visible()

    # Alice: Send money -> amount and note -> the confirm step names bob -> send.
    button = a.get_by_role("button", name="Send money")
    expect(button).to_be_visible()
    button.click()
    dialog = a.locator("#money-dialog")
    expect(dialog.locator("#money-balance")).to_have_text("Your balance: €50.00")
    dialog.get_by_label("Amount").fill("100")
    dialog.get_by_role("button", name="Continue").click()
    expect(dialog.locator("#money-error")).to_contain_text("more than your balance of €50.00")
    dialog.get_by_label("Amount").fill("12,5")
    dialog.get_by_label("Note").fill("Pizza on Friday")
    dialog.get_by_role("button", name="Continue").click()
    expect(dialog.locator("#money-to")).to_have_text("Bob")
    # The recipient's picture, as everywhere else (the letter only without one).
    expect(dialog.locator("#money-avatar .avatar img")).to_be_visible()
    expect(dialog.locator("#money-summary")).to_have_text("€12.50 to Bob")
    shots(a, "send-money-confirm.png")
    dialog.get_by_role("button", name="Send €12.50").click()
    expect(dialog).to_be_hidden()

    # Both chats show the bubble; bob's wallet shows the money and the line, live.
    mine = a.locator("#message-list .transfer-card")
    expect(mine).to_have_count(1)
    expect(mine.locator(".transfer-label")).to_have_text("You sent")
    expect(mine.locator(".transfer-amount")).to_have_text("€12.50")
    theirs = b.locator("#message-list .transfer-card")
    expect(theirs).to_have_count(1)
    expect(theirs.locator(".transfer-label")).to_have_text("Sent to you")
    expect(theirs.locator(".transfer-amount")).to_have_text("€12.50")
    expect(theirs.locator(".transfer-note")).to_have_text("Pizza on Friday")
    expect(wallet.locator("#balances .balance-amount")).to_have_text("€12.50")
    line = wallet.locator("#transactions .transaction").first
    expect(line.locator(".transaction-what")).to_have_text("From Alice")
    expect(line.locator(".transaction-amount")).to_have_text("+€12.50")
    expect(line.locator(".transaction-meta")).to_contain_text("Pizza on Friday")
    shots(b, "transfer-received.png")
    b.locator("#bell-button").click()
    expect(b.locator("#bell-list")).to_contain_text("alice sent you money")
    b.keyboard.press("Escape")
    shots(wallet, "wallet.png")

    # The server's refusals are shown in the dialog, in its words.
    a.get_by_role("button", name="Send money").click()
    expect(dialog.locator("#money-balance")).to_have_text("Your balance: €37.50")
    dialog.get_by_label("Amount").fill("30")
    dialog.get_by_role("button", name="Continue").click()
    dialog.get_by_role("button", name="Send €30.00").click()
    expect(dialog.locator("#money-error")).to_have_text(
        re.compile(r"One transfer may send at most 20\.00 EUR\.")
    )
    expect(dialog.get_by_label("Amount")).to_be_visible()  # back to the amount
    dialog.get_by_role("button", name="Cancel").click()
    expect(a.locator("#message-list .transfer-card")).to_have_count(1)
    expect(wallet.locator("#balances .balance-amount")).to_have_text("€12.50")


def test_no_send_money_in_a_group(people):  # noqa: F811
    from conversations import services as conversations

    alice_user = UserFactory(username="alice")
    bob_user = UserFactory(username="bob")
    befriend(alice_user, bob_user)
    group = off_loop(
        lambda: conversations.conversation_group_create(
            actor=alice_user, name="Team", member_user_ids=[bob_user.id]
        )
    )
    direct_id = direct_chat(alice_user, bob_user)
    alice = people(alice_user)
    a = alice.page
    a.goto(f"/c/{group.id}/")
    wait_connected(a)
    expect(a.locator("#pane-title")).to_have_text("Team")
    expect(a.locator("#send-money-button")).to_be_hidden()
    a.goto(f"/c/{direct_id}/")
    expect(a.locator("#send-money-button")).to_be_visible()

"""Attention in the web UI: mute from the conversation header (the sidebar dims it, the title
and favicon totals leave it out, the settings list it), the status picker (friends see the
dot and "last seen"), and desktop notifications (permission asked from settings only; a
message the server marks `alert` raises one while the tab is hidden; clicking it opens the
conversation). Screenshots as in test_browser.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.tests.factories import UserFactory
from tests.e2e import test_browser
from tests.e2e.test_browser import befriend, conv_item, direct_chat, off_loop, wait_connected

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

people = test_browser.people
shots = test_browser.shots


@pytest.fixture
def server(browser: Any, daphne_factory: Callable[..., Any]) -> Any:
    return daphne_factory(DJANGO_ALLOW_ASYNC_UNSAFE="")


#: Records every Notification the page constructs (no real desktop popup) and every
#: permission request; `window.__hidden` plays the tab being in the background.
WATCH_NOTIFICATIONS = """
(() => {
  window.__notes = [];
  window.__asked = 0;
  window.__hidden = false;
  Object.defineProperty(document, "visibilityState", {
    configurable: true, get: () => (window.__hidden ? "hidden" : "visible"),
  });
  const Real = window.Notification;
  class Watched {
    constructor(title, options) {
      this.title = title; this.options = options || {}; this.onclick = null;
      window.__notes.push(this);
    }
    close() {}
    static get permission() { return Real.permission; }
    static requestPermission(...args) {
      window.__asked += 1;
      return Real.requestPermission(...args);
    }
  }
  window.Notification = Watched;
})();
"""


def wait_for_notes(page: Page, count: int, within: float = 10.0) -> None:
    """Until the page has constructed `count` notifications (the page's CSP forbids
    `wait_for_function`'s eval)."""
    deadline = time.monotonic() + within
    while page.evaluate("window.__notes.length") < count:
        assert time.monotonic() < deadline, f"fewer than {count} notifications"
        page.wait_for_timeout(100)


def say(user: Any, conversation_id: int, text: str) -> None:
    from messaging import services as messaging

    off_loop(
        lambda: messaging.message_send(actor=user, conversation_id=conversation_id, content=text)
    )


def test_mute_from_the_header_dims_the_row_and_leaves_the_totals(people, shots):
    alice_user, bob_user, carol_user = (
        UserFactory(username=name) for name in ("alice", "bob", "carol")
    )
    befriend(alice_user, bob_user)
    befriend(alice_user, carol_user)
    bob_chat = direct_chat(alice_user, bob_user)
    carol_chat = direct_chat(alice_user, carol_user)
    alice = people(alice_user)
    a = alice.page
    a.goto(f"/c/{bob_chat}/")
    wait_connected(a)
    # Alice's other device follows the change live.
    other = people(alice_user).page
    other.goto("/")
    wait_connected(other)

    bell = a.locator("#notify-button")
    expect(bell).to_have_attribute("data-level", "all")
    bell.click()
    menu = a.get_by_role("menu", name="Notifications of this conversation")
    expect(menu.get_by_role("menuitemradio", name="All messages")).to_have_attribute(
        "aria-checked", "true"
    )
    shots(a, "attention-menu.png")
    menu.get_by_role("menuitem", name="Mute until I unmute").click()
    expect(bell).to_have_class("icon-button notify-button is-muted")
    expect(bell).to_have_attribute("title", "Muted until you unmute")
    expect(conv_item(a, "Bob")).to_have_class("conv-item active is-muted")
    expect(conv_item(other, "Bob")).to_have_class("conv-item is-muted")

    # Bob writes twice: the row counts them, in grey, and the title does not.
    a.goto(f"/c/{carol_chat}/")
    wait_connected(a)
    say(bob_user, bob_chat, "one")
    say(bob_user, bob_chat, "two")
    bob_row = conv_item(a, "Bob")
    expect(bob_row.locator(".badge")).to_have_text("2")
    expect(bob_row.locator(".badge")).to_have_class("badge badge-muted")
    expect(bob_row.locator(".muted-icon")).to_have_count(1)
    expect(a).to_have_title("Chats · Chat")
    expect(a.locator("link[rel~='icon']")).to_have_attribute("data-count", "0")
    shots(a, "attention-muted-row.png")

    # The settings list it; unmuting there brings the count back into the totals.
    a.goto("/accounts/settings/")
    muted = a.locator("#muted-list li")
    expect(muted).to_have_count(1)
    expect(muted).to_contain_text("Bob")
    expect(muted).to_contain_text("until you unmute")
    a.locator("#notify-settings").scroll_into_view_if_needed()
    shots(a, "attention-settings.png")
    muted.get_by_role("button", name="Unmute Bob").click()
    expect(muted).to_have_count(0)
    expect(a.locator("#muted-empty")).to_be_visible()
    a.goto(f"/c/{carol_chat}/")
    wait_connected(a)
    expect(conv_item(a, "Bob")).to_have_class("conv-item has-unread")
    expect(a).to_have_title("(2) Chats · Chat")
    expect(a.locator("link[rel~='icon']")).to_have_attribute("data-count", "2")
    expect(conv_item(other, "Bob")).not_to_have_class("conv-item has-unread is-muted")


def test_the_status_picker_and_what_friends_see(people, shots):
    alice_user, bob_user = UserFactory(username="alice"), UserFactory(username="bob")
    befriend(alice_user, bob_user)
    chat = direct_chat(alice_user, bob_user)
    alice = people(alice_user)
    a = alice.page
    a.goto("/")
    wait_connected(a)
    b = people(bob_user).page
    b.goto(f"/c/{chat}/")
    wait_connected(b)
    sub = b.locator("#pane-sub")
    dot = conv_item(b, "Alice").locator(".dot")
    expect(sub).to_have_text("Online")
    expect(dot).to_have_class("dot online")

    picker = a.locator("#status-button")
    expect(picker.locator(".dot")).to_have_class("dot online")
    picker.click()
    a.get_by_role("menuitemradio", name="Do not disturb").click()
    expect(picker.locator(".dot")).to_have_class("dot dnd")
    expect(picker).to_have_attribute("title", "Your status: Do not disturb")
    expect(sub).to_have_text("Do not disturb")
    expect(dot).to_have_class("dot dnd")
    shots(b, "attention-friend-dnd.png")

    picker.click()
    shots(a, "attention-status-picker.png")
    a.get_by_role("menuitemradio", name="Away", exact=True).click()
    expect(sub).to_have_text("Away")
    expect(dot).to_have_class("dot away")

    # Invisible: offline to friends, no "last seen".
    picker.click()
    a.get_by_role("menuitemradio", name="Invisible (appear offline)").click()
    expect(picker.locator(".dot")).to_have_class("dot invisible")
    expect(sub).to_have_text("Offline")
    expect(dot).to_have_class("dot offline")

    # Back online, then gone: "last seen" shows.
    picker.click()
    a.get_by_role("menuitemradio", name="Online (away when idle)").click()
    expect(sub).to_have_text("Online")
    alice.context.close()
    expect(sub).to_have_text("Last seen just now")
    shots(b, "attention-last-seen.png")


def test_desktop_notifications_are_asked_in_settings_and_shown_when_hidden(people, server, shots):
    alice_user, bob_user, carol_user = (
        UserFactory(username=name) for name in ("alice", "bob", "carol")
    )
    befriend(alice_user, bob_user)
    befriend(alice_user, carol_user)
    bob_chat = direct_chat(alice_user, bob_user)
    carol_chat = direct_chat(alice_user, carol_user)
    alice = people(alice_user)
    alice.context.add_init_script(WATCH_NOTIFICATIONS)
    a = alice.page

    # Nothing is asked on page load; the settings button asks.
    a.goto("/accounts/settings/")
    wait_connected(a)
    expect(a.locator("#notify-permission")).to_have_text("not asked yet")
    assert a.evaluate("window.__asked") == 0
    alice.context.grant_permissions(["notifications"], origin=server.url)
    a.get_by_role("button", name="Enable desktop notifications").click()
    expect(a.locator("#notify-permission")).to_have_text("allowed")
    expect(a.get_by_role("button", name="Enable desktop notifications")).to_be_hidden()
    assert a.evaluate("window.__asked") == 1
    a.locator("#notify-settings").scroll_into_view_if_needed()
    shots(a, "attention-permission.png")

    a.goto(f"/c/{carol_chat}/")
    wait_connected(a)
    assert a.evaluate("window.__asked") == 0  # a new page: never asked on load

    def notes() -> list[dict[str, Any]]:
        return a.evaluate("() => window.__notes.map(n => ({title: n.title, body: n.options.body}))")

    # Visible tab: no notification.
    say(bob_user, bob_chat, "while you look")
    expect(conv_item(a, "Bob").locator(".badge")).to_have_text("1")
    assert notes() == []

    # Hidden tab: one notification, and clicking it opens the conversation.
    a.evaluate("window.__hidden = true")
    say(bob_user, bob_chat, "are you there?")
    wait_for_notes(a, 1)
    assert notes() == [{"title": "Bob", "body": "are you there?"}]
    a.evaluate("window.__notes[0].onclick({})")
    expect(a.locator("#pane-title")).to_have_text("Bob")

    # Muted or "do not disturb": counted, never notified.
    off_loop(
        lambda: __import__("conversations.services", fromlist=["x"]).conversation_notifications_set(
            actor=alice_user, conversation_id=carol_chat, muted_until="forever"
        )
    )
    expect(conv_item(a, "Carol")).to_have_class("conv-item is-muted")
    say(carol_user, carol_chat, "muted hello")
    expect(conv_item(a, "Carol").locator(".badge")).to_have_text("1")
    a.locator("#status-button").click()
    a.get_by_role("menuitemradio", name="Do not disturb").click()
    expect(a.locator("body")).to_have_attribute("data-my-status", "dnd")
    say(bob_user, bob_chat, "during dnd")
    expect(a.locator("#message-list .msg-body", has_text="during dnd")).to_have_count(1)
    assert len(notes()) == 1
    a.locator("#status-button").click()
    a.get_by_role("menuitemradio", name="Online (away when idle)").click()
    expect(a.locator("body")).to_have_attribute("data-my-status", "online")
    say(bob_user, bob_chat, "back again")
    wait_for_notes(a, 2)
    assert notes()[-1] == {"title": "Bob", "body": "back again"}


def test_a_page_never_asks_for_notifications_on_load(people):
    alice_user = UserFactory(username="alice")
    alice = people(alice_user)
    alice.context.add_init_script(WATCH_NOTIFICATIONS)
    page: Page = alice.page
    for path in ("/", "/friends/", "/rooms/", "/accounts/settings/"):
        page.goto(path)
        wait_connected(page)
        assert page.evaluate("window.__asked") == 0, path

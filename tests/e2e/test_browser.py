"""The web UI in a real browser: Debian's chromium driven by Playwright, against real daphne.

Each test starts its own server (PostgreSQL + Redis of this run) and opens one browser
context per user, so cookies, sockets and presence are as separate as two people's
machines. One browser serves the whole module to keep the suite quick.

Screenshots of the main states go to $CHAT_SCREENSHOTS_DIR when it is set (that is how
docs/screenshots/ is refreshed) and to the test's tmp dir otherwise, so an ordinary test
run never rewrites tracked files.
"""

from __future__ import annotations

import importlib
import os
import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.db import connections
from playwright.sync_api import Browser, BrowserContext, Page, expect

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.e2e.conftest import access_token_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery-9"
XSS = "<img src=x onerror=alert(1)>"
DESKTOP = {"width": 1200, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def shots(tmp_path: Path) -> Callable[[Page, str], None]:
    """Save a screenshot under its docs name (see the module docstring for where)."""
    target = Path(os.environ.get("CHAT_SCREENSHOTS_DIR") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> None:
        page.mouse.move(0, 0)  # no hover effects in the picture
        page.screenshot(path=str(target / name))

    return take


@dataclass
class Person:
    """One user's browser context and page, with the dialogs that fired in it."""

    context: BrowserContext
    page: Page
    dialogs: list[str] = field(default_factory=list)


@pytest.fixture
def people(browser: Browser, server: Any) -> Iterator[Callable[..., Person]]:
    """Open a fresh context per user (optionally logged in as `user` through a session)."""
    opened: list[Person] = []

    def open_person(
        user: User | None = None,
        viewport: dict | None = None,
        locale: str = "en-US",
        timezone_id: str | None = None,
    ) -> Person:
        # An English browser unless asked (the pages follow Accept-Language), whatever the
        # machine's own locale; test_browser_i18n.py opens Vietnamese ones.
        context = browser.new_context(
            base_url=server.url,
            viewport=viewport or DESKTOP,
            locale=locale,
            timezone_id=timezone_id,
        )
        if user is not None:
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": session_for(user),
                        "url": server.url,
                    }
                ]
            )
        page = context.new_page()
        person = Person(context=context, page=page)

        def on_dialog(dialog: Any) -> None:
            person.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.accept()

        page.on("dialog", on_dialog)
        opened.append(person)
        return person

    yield open_person
    for person in opened:
        person.context.close()


def session_for(user: User) -> str:
    """A logged-in session key, made the way django.contrib.auth.login makes one."""
    store = importlib.import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "accounts.backends.UsernameOrEmailBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def off_loop[T](work: Callable[[], T]) -> T:
    """Run test set-up through the services in a thread of its own.

    The services send their events with async_to_sync, which refuses to run in a thread
    where Playwright's loop counts as running; a worker thread has no loop.
    """

    def run() -> T:
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def befriend(user_a: User, user_b: User) -> None:
    from friends import services as friends

    def work() -> None:
        outcome = friends.friend_request_send(actor=user_a, username=user_b.username)
        if not outcome.accepted:
            friends.friend_request_accept(actor=user_b, request_id=outcome.request.id)

    off_loop(work)


def direct_chat(user_a: User, user_b: User) -> int:
    from conversations import services as conversations

    def work() -> int:
        conversation, _ = conversations.conversation_direct_get_or_create(
            actor=user_a, other_user_id=user_b.id
        )
        return conversation.id

    return off_loop(work)


def register(page: Page, username: str) -> None:
    page.goto("/accounts/register/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(re.compile(r"/$"))
    wait_connected(page)


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()


def wait_connected(page: Page) -> None:
    expect(page.locator("body")).to_have_attribute("data-connection", "open")


def send(page: Page, text: str) -> None:
    composer = page.locator("#composer-input")
    composer.fill(text)
    composer.press("Enter")
    expect(page.locator("#message-list .msg:not(.pending) .msg-body", has_text=text)).to_have_count(
        1
    )


def messages_with(page: Page, text: str) -> Any:
    return page.locator("#message-list .msg-body", has_text=text)


def conv_item(page: Page, title: str) -> Any:
    """The sidebar entry whose name is exactly `title`."""
    name = page.locator(".conv-name", has_text=re.compile(f"^{re.escape(title)}$"))
    return page.locator("#conv-list .conv-item").filter(has=name)


def open_conversation(page: Page, title: str) -> None:
    conv_item(page, title).click()
    expect(page.locator("#pane-title")).to_have_text(title)


def test_register_befriend_chat_live_and_manage_a_group(people, shots):
    """The whole first-use story, through the UI only, in three users' windows."""
    alice, bob, carol = people(), people(), people()
    for person, name in ((alice, "alice"), (bob, "bob"), (carol, "carol")):
        register(person.page, name)

    # Alice finds bob with search-as-you-type, and carol by typing the whole name.
    a = alice.page
    nav(a, "Friends")
    a.locator("#add-friend-input").press_sequentially("bo")
    a.locator("#user-suggestions [role=option]", has_text="bob").click()
    expect(a.locator("#add-friend-input")).to_have_value("bob")
    a.get_by_role("button", name="Send request").click()
    expect(a.locator("#add-friend-status")).to_contain_text("sent")
    a.locator("#add-friend-input").fill("carol")
    a.get_by_role("button", name="Send request").click()
    expect(a.locator("#outgoing-list .person")).to_have_count(2)

    # Bob, on the chat screen, sees the request arrive in the bell and accepts it there.
    expect(bob.page.locator("#bell-count")).to_have_text("1")
    bob.page.locator("#bell-button").click()
    bob.page.locator("#bell-list").get_by_role("button", name="Accept alice").click()
    expect(bob.page.locator("#bell-count")).to_be_hidden()
    # Carol accepts on her friends page.
    nav(carol.page, "Friends")
    carol.page.get_by_role("button", name="Accept alice").click()
    expect(carol.page.locator("#friends-list .person", has_text="alice")).to_be_visible()

    # Alice's list updates live, with both friends online.
    expect(a.locator("#friends-list .person")).to_have_count(2)
    expect(a.locator("#outgoing-list .person")).to_have_count(0)
    expect(a.locator('#friends-list [data-username="bob"] .presence')).to_have_text("online")
    expect(a.locator('#friends-list [data-username="carol"] .presence')).to_have_text("online")
    shots(a, "friends.png")

    # A direct chat: alice writes, bob's window shows it live, without a reload.
    a.get_by_role("button", name="Message bob").click()
    expect(a).to_have_url(re.compile(r"/c/\d+/$"))
    expect(a.locator("#pane-title")).to_have_text("bob")
    expect(a.locator("#pane-sub")).to_have_text("Online")
    send(a, "Hi Bob! Are we still on for Saturday?")
    b = bob.page
    conversation = conv_item(b, "alice")
    expect(conversation).to_contain_text("Are we still on for Saturday?")
    expect(conversation.locator(".badge")).to_have_text("1")
    open_conversation(b, "alice")
    expect(messages_with(b, "Hi Bob!")).to_have_count(1)
    expect(conversation.locator(".badge")).to_have_count(0)

    # Typing shows in alice's window; the reply arrives live and clears it.
    b.locator("#composer-input").fill("Yes! Bringing the map: https://example.org/trail?id=7")
    expect(a.locator("#typing")).to_have_text("bob is typing…")
    b.locator("#composer-input").press("Enter")
    expect(messages_with(a, "Bringing the map")).to_have_count(1)
    expect(a.locator("#typing")).to_have_text("")
    link = a.locator("#message-list a", has_text="https://example.org/trail?id=7")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(link).to_have_attribute("target", "_blank")

    # Shift+Enter is a new line; long words wrap inside the bubble.
    composer = a.locator("#composer-input")
    composer.fill("First line")
    composer.press("Shift+Enter")
    composer.press_sequentially("second line")
    composer.press("Enter")
    expect(messages_with(b, "First line")).to_have_text("First line\nsecond line")
    send(a, "Long: " + "x" * 300)
    overflow = a.evaluate(
        "() => [...document.querySelectorAll('#message-list .msg')]"
        ".some(m => m.getBoundingClientRect().right > innerWidth + 1)"
    )
    assert overflow is False

    # Alice makes a group with both friends.
    a.get_by_role("button", name="New group").click()
    a.get_by_label("Name").fill("Weekend hike")
    a.get_by_role("checkbox", name="bob").check()
    a.get_by_role("checkbox", name="carol").check()
    a.get_by_role("button", name="Create group").click()
    expect(a.locator("#pane-title")).to_have_text("Weekend hike")
    send(a, "Group hello from alice")
    c = carol.page
    nav(c, "Chats")
    open_conversation(c, "Weekend hike")
    expect(messages_with(c, "Group hello from alice")).to_have_count(1)
    open_conversation(b, "Weekend hike")
    expect(messages_with(b, "Group hello from alice")).to_have_count(1)

    # Alice (admin) removes carol: carol is told at once and stops receiving messages.
    a.get_by_role("button", name="Details").click()
    a.get_by_role("button", name="Remove carol").click()
    expect(a.locator("#details-content .person")).to_have_count(2)
    a.locator("#details-dialog").get_by_role("button", name="Close").click()
    expect(c.locator("#pane-notice")).to_have_text("You were removed from this conversation.")
    expect(c.locator("#composer")).to_be_hidden()
    expect(conv_item(c, "Weekend hike")).to_have_count(0)
    send(a, "Only for bob now")
    expect(messages_with(b, "Only for bob now")).to_have_count(1)
    c.wait_for_timeout(1000)
    expect(c.get_by_text("Only for bob now")).to_have_count(0)

    # Back in the direct chat: the sidebar now lists both conversations.
    open_conversation(a, "bob")
    expect(messages_with(a, "Long:")).to_be_visible()
    shots(a, "chat.png")
    a.emulate_media(color_scheme="dark")
    shots(a, "dark.png")
    a.emulate_media(color_scheme="light")

    # Phone width: the list, then the open conversation alone, and back.
    b.set_viewport_size(PHONE)
    b.goto("/")
    expect(b.locator(".sidebar")).to_be_visible()
    expect(b.locator("#pane")).to_be_hidden()
    open_conversation(b, "alice")
    expect(b.locator(".sidebar")).to_be_hidden()
    expect(messages_with(b, "Hi Bob!")).to_be_visible()
    assert b.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shots(b, "phone.png")
    b.get_by_role("button", name="Back to conversations").click()
    expect(b.locator(".sidebar")).to_be_visible()

    assert alice.dialogs == [] and bob.dialogs == [] and carol.dialogs == []


def test_reconnect_catches_up_every_missed_message_once(people):
    alice_user = UserFactory(username="alice")
    bob_user = UserFactory(username="bob")
    befriend(alice_user, bob_user)
    conversation_id = direct_chat(alice_user, bob_user)
    alice, bob = people(alice_user), people(bob_user)
    for person in (alice, bob):
        person.page.goto(f"/c/{conversation_id}/")
        wait_connected(person.page)
    a, b = alice.page, bob.page
    send(b, "before the drop")
    expect(messages_with(a, "before the drop")).to_have_count(1)

    # Alice's network goes away: the socket drops and cannot come back yet.
    alice.context.set_offline(True)
    a.evaluate("window.chatApp.socket.drop()")
    expect(a.locator("#conn-status")).to_contain_text(re.compile("Connection lost|Reconnecting"))
    missed = [f"missed message {n}" for n in range(1, 4)]
    for text in missed:
        send(b, text)
    a.locator("#composer-input").fill("written while offline")
    a.locator("#composer-input").press("Enter")
    expect(a.locator("#message-list .msg.pending")).to_have_count(1)

    alice.context.set_offline(False)
    wait_connected(a)
    for text in [*missed, "written while offline"]:
        expect(messages_with(a, text)).to_have_count(1)
        expect(messages_with(b, text)).to_have_count(1)
    expect(a.locator("#message-list .msg.pending")).to_have_count(0)
    seqs = [
        int(s)
        for s in a.locator("#message-list .msg").evaluate_all(
            "nodes => nodes.map(n => n.dataset.seq)"
        )
    ]
    assert seqs == list(range(1, len(seqs) + 1)), seqs  # no gap, no duplicate


def test_history_loads_older_pages_when_scrolled_to_the_top(people, settings):
    from messaging import services as messaging

    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "message_send": "100000/min"}
    alice_user = UserFactory(username="alice")
    bob_user = UserFactory(username="bob")
    befriend(alice_user, bob_user)
    conversation_id = direct_chat(alice_user, bob_user)

    def write_history() -> None:
        for n in range(1, 131):
            messaging.message_send(
                actor=bob_user, conversation_id=conversation_id, content=f"history {n:03}"
            )

    off_loop(write_history)
    a = people(alice_user).page
    a.goto(f"/c/{conversation_id}/")
    expect(messages_with(a, "history 130")).to_be_visible()
    expect(a.locator("#message-list .msg")).to_have_count(50)
    for expected in (100, 130):
        a.locator("#messages").evaluate("el => { el.scrollTop = 0; }")
        expect(a.locator("#message-list .msg")).to_have_count(expected)
    expect(a.locator("#history-status")).to_have_text("Beginning of the conversation")
    seqs = a.locator("#message-list .msg").evaluate_all("ns => ns.map(n => +n.dataset.seq)")
    assert seqs == list(range(1, 131))


def test_user_text_is_shown_as_text_never_as_html(people):
    alice_user = UserFactory(username="alice")
    bob_user = UserFactory(username="bob")
    befriend(alice_user, bob_user)
    conversation_id = direct_chat(alice_user, bob_user)
    alice, bob = people(alice_user), people(bob_user)

    # The display name goes through the profile settings form.
    a = alice.page
    a.goto("/accounts/settings/")
    a.get_by_label("Display name").fill(XSS)
    a.get_by_role("button", name="Save profile").click()
    expect(a.locator(".flash")).to_contain_text("Profile saved")
    expect(a.locator(".me-name")).to_have_text(XSS)
    a.goto(f"/c/{conversation_id}/")
    wait_connected(a)
    send(a, XSS)

    b = bob.page
    b.goto("/")
    expect(b.locator("#conv-list .conv-name")).to_have_text(XSS)
    expect(b.locator("#conv-list .conv-preview")).to_have_text(XSS)
    open_conversation(b, XSS)
    expect(messages_with(b, XSS)).to_have_text(XSS)
    # A direct chat names nobody on its rows (one other person): the name is the title's,
    # and each row's prefix for screen readers.
    expect(b.locator("#pane-title")).to_have_text(XSS)
    expect(b.locator("#message-list .sr-who", has_text=XSS)).to_have_count(1)
    b.goto("/friends/")
    expect(b.locator("#friends-list .name")).to_have_text(XSS)
    for page in (a, b):
        assert page.locator("main img").count() == 0
    assert alice.dialogs == [] and bob.dialogs == []


def test_friends_page_unfriend_block_and_unblock(people):
    alice_user = UserFactory(username="alice")
    bob_user, carol_user = UserFactory(username="bob"), UserFactory(username="carol")
    befriend(alice_user, bob_user)
    befriend(alice_user, carol_user)
    alice = people(alice_user)
    a = alice.page
    a.goto("/friends/")
    expect(a.locator("#friends-list .person")).to_have_count(2)
    a.get_by_role("button", name="Unfriend carol").click()
    expect(a.locator("#friends-list .person")).to_have_count(1)
    a.get_by_role("button", name="Block bob").click()
    expect(a.locator("#friends-list .person")).to_have_count(0)
    expect(a.locator("#blocked-list .person", has_text="bob")).to_be_visible()
    a.get_by_role("button", name="Unblock bob").click()
    expect(a.locator("#blocked-list .person")).to_have_count(0)
    # Issue 16, bug 8: unblocking says that the friendship ended and must be asked again.
    expect(
        a.get_by_text(re.compile("no longer friends: send a new friend request"))
    ).to_be_visible()
    # Blocking ended the friendship: asking again is a fresh request.
    a.locator("#add-friend-input").fill("bob")
    a.get_by_role("button", name="Send request").click()
    expect(a.locator("#outgoing-list .person", has_text="bob")).to_be_visible()
    a.get_by_role("button", name="Cancel request to bob").click()
    expect(a.locator("#outgoing-list .person")).to_have_count(0)
    assert [d.split(":")[0] for d in alice.dialogs] == ["confirm", "confirm"]


def test_public_rooms_directory_preview_join_and_full(people, shots):
    from conversations import services as conversations

    owner = UserFactory(username="olivia")
    for name, description in (
        ("Book club", "One chapter a week.\nSpoilers only after Friday."),
        ("Rust learners", "Ownership, borrowing and the occasional fight with the compiler."),
    ):
        off_loop(
            lambda name=name, description=description: conversations.conversation_group_create(
                actor=owner, name=name, description=description, is_public=True
            )
        )
    bob_user, carol_user = UserFactory(username="bob"), UserFactory(username="carol")
    alice = people(UserFactory(username="alice"))

    # Alice creates a public room from the directory's button, capped at two people.
    a = alice.page
    a.goto("/rooms/")
    a.get_by_role("link", name="Create a room").click()
    expect(a.get_by_label("Public room (anyone can find and join it)")).to_be_checked()
    a.get_by_label("Name").fill("Hiking lounge")
    a.get_by_label("Description").fill("Trails, maps and <b>boots</b>.")
    a.get_by_label("Member limit").fill("2")
    a.get_by_role("button", name="Create group").click()
    expect(a.locator("#pane-title")).to_have_text("Hiking lounge")
    send(a, "Welcome to the lounge!")
    room_id = int(re.search(r"/c/(\d+)/", a.url).group(1))

    # Bob searches, previews the recent messages and joins.
    bob = people(bob_user)
    b = bob.page
    b.goto("/rooms/")
    expect(b.locator("#room-list .room")).to_have_count(3)
    b.get_by_label("Search rooms").fill("hik")
    expect(b.locator("#room-list .room")).to_have_count(1)
    card = b.locator("#room-list .room", has_text="Hiking lounge")
    expect(card).to_contain_text("Trails, maps and <b>boots</b>.")
    expect(card).to_contain_text("1 / 2 members")
    card.get_by_role("button", name="Preview Hiking lounge").click()
    expect(b.locator("#preview-messages")).to_contain_text("Welcome to the lounge!")
    b.locator("#preview-join").click()
    expect(b).to_have_url(re.compile(rf"/c/{room_id}/$"))
    expect(messages_with(b, "Welcome to the lounge!")).to_have_count(1)

    # Carol finds it full.
    carol = people(carol_user)
    c = carol.page
    c.goto("/rooms/")
    full = c.locator("#room-list .room", has_text="Hiking lounge")
    expect(full).to_contain_text("2 / 2 members")
    expect(full.get_by_role("button", name="Full")).to_be_disabled()
    shots(c, "rooms.png")


def test_password_change_keeps_the_session_and_logout_closes_its_sockets(people):
    alice_user = UserFactory(username="alice")
    alice = people(alice_user)
    first = alice.page
    second = alice.context.new_page()
    for page in (first, second):
        page.goto("/")
        wait_connected(page)

    # A password change closes every socket of the user; this session stays logged in
    # (update_session_auth_hash), so the other tab reconnects by itself.
    first.goto("/accounts/settings/")
    first.locator("#id_old_password").fill(DEFAULT_PASSWORD)
    first.locator("#id_new_password1").fill("a-brand-new-passphrase-42")
    first.locator("#id_new_password2").fill("a-brand-new-passphrase-42")
    first.get_by_role("button", name="Change password").click()
    expect(first.locator(".flash")).to_contain_text("Password changed")
    first.goto("/")
    wait_connected(first)
    expect(second.locator("body")).to_have_attribute("data-connection", "open")
    assert second.url.endswith("/")

    first.get_by_role("button", name="Log out").click()
    expect(first).to_have_url(re.compile(r"/accounts/login/"))
    # The other tab's socket is closed by the server and cannot come back: it ends on
    # the login page.
    expect(second.locator("body")).not_to_have_attribute("data-connection", "open")
    expect(second).to_have_url(re.compile(r"/accounts/login/"), timeout=20_000)


def test_a_draft_stays_in_the_conversation_it_was_typed_in(people, server, tmp_path):
    """Text typed in one conversation is never sent to another one opened afterwards.

    The composer used to keep its text when another conversation was opened, so Enter
    posted a private message into a public room. Each conversation keeps its own draft.
    """
    from conversations import services as conversations

    alice_user, bob_user = UserFactory(username="alice"), UserFactory(username="bob")
    befriend(alice_user, bob_user)
    direct_id = direct_chat(alice_user, bob_user)

    def make_room() -> int:
        room = conversations.conversation_group_create(
            actor=bob_user, name="Town square", is_public=True
        )
        conversations.conversation_join(actor=alice_user, conversation_id=room.id)
        return room.id

    room_id = off_loop(make_room)
    api = httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {access_token_for(alice_user)}"}
    )

    def contents(conversation_id: int) -> list[str]:
        response = api.get(f"/api/messages/conversation/{conversation_id}")
        assert response.status_code == 200, response.text
        # What people wrote (system lines such as "Alice joined" are not writing).
        return [m["content"] for m in response.json() if m["message_type"] == "text"]

    a = people(alice_user).page
    a.goto(f"/c/{direct_id}/")
    wait_connected(a)
    composer = a.locator("#composer-input")
    secret = "Bob, the door code is 4711. Just for you."
    composer.fill(secret)

    # Without sending, alice opens the public room and presses Enter.
    open_conversation(a, "Town square")
    composer.press("Enter")
    send(a, "Good morning, square")  # sent after the Enter: anything that leaked is before it
    assert contents(room_id) == ["Good morning, square"]
    assert contents(direct_id) == []
    expect(messages_with(a, secret)).to_have_count(0)
    expect(composer).to_have_value("")
    a.screenshot(path=str(tmp_path / "draft-room.png"))

    # The room's own draft and the direct chat's are kept apart and come back.
    composer.fill("half a thought for the square")
    open_conversation(a, "Bob")
    expect(composer).to_have_value(secret)
    a.screenshot(path=str(tmp_path / "draft-restored.png"))
    composer.press("Enter")
    expect(a.locator("#message-list .msg:not(.pending) .msg-body", has_text=secret)).to_have_count(
        1
    )
    expect(composer).to_have_value("")
    open_conversation(a, "Town square")
    expect(composer).to_have_value("half a thought for the square")
    open_conversation(a, "Bob")
    expect(composer).to_have_value("")  # sent drafts are gone

    assert contents(direct_id) == [secret]
    assert contents(room_id) == ["Good morning, square"]
    api.close()


def test_the_sidebar_updates_the_rows_that_changed_in_place(people, shots):
    """A new message refills and moves its own row; the other rows stay the very same nodes.

    The rows (and what is inside them) are tagged with a JS property: a row rebuilt from
    scratch would come back without it.
    """
    from conversations import services as conversations
    from messaging import services as messaging

    alice_user = UserFactory(username="alice")
    bob_user, carol_user = UserFactory(username="bob"), UserFactory(username="carol")
    befriend(alice_user, bob_user)
    befriend(alice_user, carol_user)
    bob_chat = direct_chat(alice_user, bob_user)
    direct_chat(alice_user, carol_user)  # the newer one: on top
    a = people(alice_user).page
    a.goto("/")
    wait_connected(a)
    names = a.locator("#conv-list .conv-item .conv-name")
    expect(names).to_have_text(["Carol", "Bob"])
    a.evaluate(
        """() => document.querySelectorAll('#conv-list > li').forEach(li => {
            const name = li.querySelector('.conv-name');
            li.tag = li.querySelector('.conv-item').tag = name.tag = name.textContent;
        })"""
    )

    def tags() -> list[list[str | None]]:
        return a.evaluate(
            """() => [...document.querySelectorAll('#conv-list > li')].map(li =>
                [li.tag ?? null, li.querySelector('.conv-item').tag ?? null,
                 li.querySelector('.conv-name').tag ?? null])"""
        )

    off_loop(
        lambda: messaging.message_send(
            actor=bob_user, conversation_id=bob_chat, content="Bob moves up"
        )
    )
    expect(names).to_have_text(["Bob", "Carol"])
    bob_row = conv_item(a, "Bob")
    expect(bob_row.locator(".conv-preview")).to_have_text("Bob moves up")
    expect(bob_row.locator(".badge")).to_have_text("1")
    expect(a).to_have_title("(1) Chats · Chat")
    # Bob's row is the same <li> and button, moved and refilled; Carol's was not touched.
    assert tags() == [["Bob", "Bob", None], ["Carol", "Carol", "Carol"]]

    # A new conversation inserts one row, on top; the others stay as they are.
    off_loop(
        lambda: conversations.conversation_group_create(
            actor=carol_user, name="Picnic", member_user_ids=[alice_user.id]
        )
    )
    expect(names).to_have_text(["Picnic", "Bob", "Carol"])
    assert tags() == [[None, None, None], ["Bob", "Bob", None], ["Carol", "Carol", "Carol"]]
    shots(a, "sidebar-in-place.png")


def test_a_conversation_never_joined_is_not_found_rather_than_left(people):
    """Issue 16, bug 6: opening /c/<id>/ of someone else's conversation said "You are no
    longer a member"; it must say the conversation does not exist (and leak nothing)."""
    alice, bob, carol = (UserFactory(password=PASSWORD) for _ in range(3))
    befriend(alice, bob)
    theirs = direct_chat(alice, bob)
    c = people(carol).page
    c.goto(f"/c/{theirs}/")
    expect(c.locator("#pane-title")).to_have_text("Conversation not found")
    expect(c.locator("#pane-notice")).to_have_text("This conversation does not exist.")
    expect(c.get_by_text("no longer a member")).to_have_count(0)


def test_a_removal_updates_the_member_count_of_those_who_stay(people):
    """Issue 16, bug 7: after an admin removed a member, the header of a member who stayed
    still counted the removed one: both for one who opens the group afterwards (bob) and
    for one who has it open while it happens (dave: live, without a reload)."""
    from conversations import services as conversations

    alice, bob, carol, dave = (UserFactory(password=PASSWORD) for _ in range(4))
    for other in (bob, carol, dave):
        befriend(alice, other)
    group = off_loop(
        lambda: conversations.conversation_group_create(
            actor=alice, name="Quartet", member_user_ids=[bob.id, carol.id, dave.id]
        )
    )
    a, b, d = people(alice).page, people(bob).page, people(dave).page
    a.goto(f"/c/{group.id}/")
    b.goto("/")  # bob is elsewhere when it happens, and opens the group afterwards
    d.goto(f"/c/{group.id}/")  # dave is looking at the group when it happens
    for page in (a, b, d):
        wait_connected(page)
    for page in (a, d):
        expect(page.locator("#pane-sub")).to_have_text("Group · 4 members")
    d.evaluate("window.__notReloaded = true")
    a.locator("#details-button").click()
    a.get_by_role("button", name=f"Remove {carol.display_name or carol.username}").click()
    expect(a.locator("#pane-sub")).to_have_text("Group · 3 members")
    expect(d.locator("#pane-sub")).to_have_text("Group · 3 members")
    assert d.evaluate("window.__notReloaded") is True
    open_conversation(b, "Quartet")
    expect(b.locator("#pane-sub")).to_have_text("Group · 3 members")


def test_presence_is_unknown_while_our_own_connection_is_down(people):
    """Issue 16, bug 3: with "Connection lost" on screen, friends still showed a green
    "Online". While we hear nothing it must read unknown, and be asked again on reconnect
    (bob leaves while alice is cut off: she must then see him offline)."""
    alice_user, bob_user = UserFactory(username="alice"), UserFactory(username="bob")
    befriend(alice_user, bob_user)
    conversation_id = direct_chat(alice_user, bob_user)
    alice, bob = people(alice_user), people(bob_user)
    for person in (alice, bob):
        person.page.goto(f"/c/{conversation_id}/")
        wait_connected(person.page)
    a = alice.page
    row_dot = conv_item(a, bob_user.display_name or "bob").locator(".dot")
    expect(a.locator("#pane-sub")).to_have_text("Online")
    expect(row_dot).to_have_class(re.compile(r"\bonline\b"))

    alice.context.set_offline(True)
    a.evaluate("window.chatApp.socket.drop()")
    expect(a.locator("#conn-status")).to_contain_text(re.compile("Connection lost|Reconnecting"))
    expect(a.locator("#pane-sub")).to_have_text("Status unknown")
    expect(row_dot).to_have_class(re.compile(r"\bunknown\b"))
    expect(row_dot).not_to_have_class(re.compile(r"\bonline\b"))

    bob.context.close()  # bob goes away while alice hears nothing
    alice.context.set_offline(False)
    wait_connected(a)
    # Offline now, with when he was last seen (issue 18: last seen for offline friends).
    expect(a.locator("#pane-sub")).to_have_text(re.compile(r"^Last seen "), timeout=15_000)
    expect(row_dot).to_have_class(re.compile(r"\boffline\b"))


def test_a_failed_send_shows_its_retry_row_in_view(people, settings):
    """Issue 16, bug 4: a send that failed grew an error row (reason, Retry, Discard) but the
    pane did not scroll, so the row's bottom with Retry was cut off."""
    from messaging import services as messaging

    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "message_send": "100000/min"}
    alice_user, bob_user = UserFactory(username="alice"), UserFactory(username="bob")
    befriend(alice_user, bob_user)
    conversation_id = direct_chat(alice_user, bob_user)

    def write_history() -> None:
        for n in range(1, 41):
            messaging.message_send(
                actor=bob_user, conversation_id=conversation_id, content=f"line {n}"
            )

    off_loop(write_history)
    alice = people(alice_user)
    a = alice.page
    a.goto(f"/c/{conversation_id}/")
    wait_connected(a)
    expect(messages_with(a, "line 40")).to_be_in_viewport()
    alice.context.set_offline(True)
    a.evaluate("window.chatApp.socket.drop()")
    a.locator("#composer-input").fill("this one cannot go")
    a.locator("#composer-input").press("Enter")
    failed = a.locator("#message-list .msg.pending.failed")
    expect(failed).to_have_count(1)
    expect(failed.get_by_role("button", name="Retry")).to_be_visible()
    # Whole inside the scrolling pane (Playwright's in-viewport ignores the pane's clipping).
    fits = """row => {
        const pane = document.getElementById("messages").getBoundingClientRect();
        const box = row.getBoundingClientRect();
        return box.top >= pane.top - 1 && box.bottom <= pane.bottom + 1;
    }"""
    deadline = time.monotonic() + 5
    while not failed.evaluate(fits) and time.monotonic() < deadline:
        a.wait_for_timeout(100)
    assert failed.evaluate(fits), "the failed send's row is cut off by the message pane"

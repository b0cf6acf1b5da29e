"""What the chat screen does besides sending, in a real browser (issue 16): drafts kept per
conversation across reloads, message search that jumps into the history around a result
(and scrolls both ways from there), and the density of the message list, measured.

Fixtures and helpers are test_browser.py's; screenshots go where its docstring says.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.tests.factories import UserFactory
from tests.e2e import test_browser
from tests.e2e.test_browser import (
    DESKTOP,
    befriend,
    conv_item,
    direct_chat,
    messages_with,
    off_loop,
    open_conversation,
    send,
    wait_connected,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

people = test_browser.people
shots = test_browser.shots


def write(sender: Any, conversation_id: int, texts: list[str]) -> list[int]:
    """Messages written through the service (set-up, not the thing tested); their ids."""
    from messaging import services as messaging

    def work() -> list[int]:
        return [
            messaging.message_send(actor=sender, conversation_id=conversation_id, content=text)[
                0
            ].id
            for text in texts
        ]

    return off_loop(work)


def stored_drafts(page: Page) -> dict[str, str]:
    return page.evaluate(
        """() => Object.fromEntries(Object.keys(localStorage)
            .filter((k) => k.startsWith("chat.draft.")).map((k) => [k, localStorage.getItem(k)]))"""
    )


def test_drafts_are_kept_per_conversation_across_a_reload_and_cleared_on_send_and_logout(
    people, shots
):
    from conversations import services as conversations

    alice_user, bob_user = UserFactory(username="alice"), UserFactory(username="bob")
    befriend(alice_user, bob_user)
    bob_chat = direct_chat(alice_user, bob_user)
    room = off_loop(
        lambda: conversations.conversation_group_create(
            actor=alice_user, name="Book club", member_user_ids=[bob_user.id]
        )
    )
    a = people(alice_user).page
    a.goto(f"/c/{bob_chat}/")
    wait_connected(a)
    composer = a.locator("#composer-input")
    composer.fill("Half a thought about Saturday")
    # The open conversation's row shows its last message; another one's shows the draft.
    expect(conv_item(a, "Bob").locator(".conv-preview")).not_to_contain_text("Draft:")
    open_conversation(a, "Book club")
    expect(conv_item(a, "Bob").locator(".conv-preview")).to_have_text(
        "Draft: Half a thought about Saturday"
    )
    composer.fill("Chapter 3 was")
    assert stored_drafts(a) == {
        f"chat.draft.{alice_user.id}.{bob_chat}": "Half a thought about Saturday",
        f"chat.draft.{alice_user.id}.{room.id}": "Chapter 3 was",
    }

    # A reload keeps both: each row says so, each composer gets its own back.
    a.reload()
    wait_connected(a)
    expect(conv_item(a, "Bob").locator(".conv-draft")).to_have_text("Draft:")
    expect(composer).to_have_value("Chapter 3 was")
    shots(a, "draft-sidebar.png")
    open_conversation(a, "Bob")
    expect(composer).to_have_value("Half a thought about Saturday")
    expect(conv_item(a, "Book club").locator(".conv-preview")).to_have_text("Draft: Chapter 3 was")

    # Sending clears the draft, in the row and in storage.
    composer.press("Enter")
    expect(messages_with(a, "Half a thought about Saturday")).to_have_count(1)
    expect(composer).to_have_value("")
    assert list(stored_drafts(a)) == [f"chat.draft.{alice_user.id}.{room.id}"]
    a.reload()
    wait_connected(a)
    expect(composer).to_have_value("")
    expect(conv_item(a, "Bob").locator(".conv-preview")).to_have_text(
        "You: Half a thought about Saturday"
    )

    # Logging out clears every draft of this user from the browser.
    a.get_by_role("button", name="Log out").click()
    expect(a).to_have_url(re.compile(r"/accounts/login/"))
    assert stored_drafts(a) == {}


def test_search_jumps_into_the_history_around_a_result_and_scrolls_both_ways(
    people, settings, shots
):
    from conversations import services as conversations

    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "message_send": "100000/min"}
    alice_user, bob_user = UserFactory(username="alice"), UserFactory(username="bob")
    befriend(alice_user, bob_user)
    bob_chat = direct_chat(alice_user, bob_user)
    group = off_loop(
        lambda: conversations.conversation_group_create(
            actor=alice_user, name="Hiking club", member_user_ids=[bob_user.id]
        )
    )
    texts = [f"trail report {n:03}" for n in range(1, 151)]
    texts[39] = "The lighthouse path is closed until May"  # message 40 of 150
    ids = write(bob_user, group.id, texts)
    write(bob_user, bob_chat, ["Shall we walk to the lighthouse on Sunday?"])

    a = people(alice_user).page
    a.goto(f"/c/{bob_chat}/")
    wait_connected(a)
    search = a.get_by_role("searchbox", name="Search messages")
    search.fill("lighthouse")
    search.press("Enter")
    hits = a.locator("#search-list .search-hit")
    expect(hits).to_have_count(2)
    expect(a.locator("#search-status")).to_have_text("2 messages found.")
    hit = hits.filter(has_text="closed until May")
    expect(hit.locator(".search-hit-conv")).to_have_text("Hiking club")
    expect(hit.locator(".search-hit-sender")).to_have_text("Bob: ")
    expect(hit.locator("mark")).to_have_text("lighthouse")
    expect(hit.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-"))
    shots(a, "search.png")

    # Scope: only the open conversation.
    a.get_by_label("Where to search").select_option("here")
    expect(hits).to_have_count(1)
    expect(hits.first).to_contain_text("walk to the lighthouse")
    a.get_by_label("Where to search").select_option("all")
    expect(hits).to_have_count(2)

    # The click opens the group at message 40: the history around it, marked, in view.
    hit.click()
    expect(a.locator("#pane-title")).to_have_text("Hiking club")
    expect(a).to_have_url(re.compile(rf"/c/{group.id}/$"))
    target = a.locator(f'#message-list .msg[data-id="{ids[39]}"]')
    expect(target).to_have_class(re.compile(r"\bhighlight\b"))
    expect(target).to_be_focused()
    expect(target).to_be_in_viewport()
    rows = a.locator("#message-list .msg")
    expect(rows).to_have_count(50)  # 25 older, the message, 24 newer
    expect(messages_with(a, "trail report 015")).to_have_count(1)
    expect(messages_with(a, "trail report 064")).to_have_count(1)
    expect(messages_with(a, "trail report 065")).to_have_count(0)
    expect(a.get_by_role("button", name="Newest messages ↓")).to_be_visible()
    shots(a, "search-jump.png")

    # Down: newer pages until caught up (the newest is then there, and nothing twice).
    for _ in range(4):
        a.locator("#messages").evaluate("el => { el.scrollTop = el.scrollHeight; }")
        a.wait_for_timeout(300)
    expect(messages_with(a, "trail report 150")).to_have_count(1)
    expect(a.get_by_role("button", name="Newest messages ↓")).to_be_hidden()
    # Up: older pages down to the first message.
    for _ in range(3):
        a.locator("#messages").evaluate("el => { el.scrollTop = 0; }")
        a.wait_for_timeout(300)
    expect(messages_with(a, "trail report 001")).to_have_count(1)
    expect(a.locator("#history-status")).to_have_text("Beginning of the conversation")
    seqs = rows.evaluate_all("ns => ns.map(n => +n.dataset.seq)")
    assert seqs == list(range(1, 151))

    # A new message arrives live now that the list has caught up.
    write(bob_user, group.id, ["back at the car park"])
    expect(messages_with(a, "back at the car park")).to_have_count(1)


def test_a_message_sent_while_reading_old_history_goes_below_the_newest(people, settings):
    from conversations import services as conversations

    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "message_send": "100000/min"}
    alice_user, bob_user = UserFactory(username="alice"), UserFactory(username="bob")
    befriend(alice_user, bob_user)
    group = off_loop(
        lambda: conversations.conversation_group_create(
            actor=alice_user, name="Quiz", member_user_ids=[bob_user.id]
        )
    )
    texts = [f"question {n:03}" for n in range(1, 121)]
    texts[9] = "Which river is the longest?"
    write(bob_user, group.id, texts)
    a = people(alice_user).page
    a.goto("/")
    wait_connected(a)
    a.get_by_role("searchbox", name="Search messages").fill("river")
    a.locator("#search-list .search-hit").click()
    expect(messages_with(a, "Which river")).to_be_in_viewport()
    # A message that arrives meanwhile waits below (it is not glued under old history).
    write(bob_user, group.id, ["a late arrival"])
    a.wait_for_timeout(500)
    expect(messages_with(a, "a late arrival")).to_have_count(0)
    send(a, "The Nile, I think")
    expect(messages_with(a, "question 120")).to_have_count(1)
    expect(messages_with(a, "a late arrival")).to_have_count(1)
    expect(messages_with(a, "Which river")).to_have_count(0)  # the newest page only
    seqs = a.locator("#message-list .msg").evaluate_all("ns => ns.map(n => +n.dataset.seq)")
    assert seqs == sorted(seqs) and seqs[-1] == 122 and len(set(seqs)) == len(seqs)


VISIBLE = """() => {
    const pane = document.getElementById("messages").getBoundingClientRect();
    return [...document.querySelectorAll("#message-list .msg")].filter((row) => {
        const box = row.getBoundingClientRect();
        return box.top >= pane.top - 1 && box.bottom <= pane.bottom + 1;
    }).length;
}"""


@pytest.mark.parametrize("kind", ["direct", "group"])
def test_the_message_list_fits_twice_as_many_one_line_messages(people, settings, shots, kind):
    """40 one-line messages from two people in runs of 1-3 (a lively exchange, the worst
    case for grouping): at 1200x800 the list used to show 10 of them whole (one padded
    bubble with a name line per message). Day separators, no "You" label, compact
    grouped rows: at least 20 now."""
    from conversations import services as conversations

    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "message_send": "100000/min"}
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    befriend(alice, bob)
    if kind == "direct":
        conversation_id = direct_chat(alice, bob)
    else:
        conversation_id = off_loop(
            lambda: (
                conversations.conversation_group_create(
                    actor=alice, name="Two of us", member_user_ids=[bob.id]
                ).id
            )
        )
    runs, n, turn = [2, 1, 3, 2, 1, 1, 3, 2], 0, 0
    while n < 40:
        sender = (alice, bob)[turn % 2]
        count = min(runs[turn % len(runs)], 40 - n)
        write(
            sender, conversation_id, [f"One line message number {n + i + 1}" for i in range(count)]
        )
        n, turn = n + count, turn + 1
    a = people(alice, viewport=DESKTOP).page
    a.goto(f"/c/{conversation_id}/")
    wait_connected(a)
    expect(a.locator("#message-list .msg")).to_have_count(40)
    expect(a.locator("#message-list .day-divider")).to_have_text(["Today"])
    expect(a.locator("#message-list .msg.mine .msg-author")).to_have_count(0)  # no "You"
    a.wait_for_timeout(300)
    visible = a.evaluate(VISIBLE)
    print(f"density {kind}: {visible} of 40 one-line messages visible at 1200x800")
    shots(a, f"density-{kind}.png")
    assert visible >= 20, visible

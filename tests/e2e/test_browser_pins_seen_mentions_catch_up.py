"""Pins, "seen by", mentions and nothing missed after a reconnect, in the web UI.

As test_browser_interactions.py (whose helpers and fixtures this module uses): real
chromium against real daphne, a browser context per person, set-up through the services.
The screenshot of a conversation with reactions, a reply, a code block and "seen by" goes
to docs/screenshots/ ($CHAT_SCREENSHOTS_DIR) as interactions.png; it wants Debian's
fonts-noto-color-emoji, or the reactions show as empty boxes.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from tests.e2e import test_browser_interactions as interactions
from tests.e2e.test_browser import befriend, conv_item, direct_chat, off_loop, wait_connected
from tests.e2e.test_browser_interactions import chip, group_of, menu_action, open_chat, row, send_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# test_browser_interactions.py's fixtures: people, screenshots, the server, no page errors.
people = interactions.people
shots = interactions.shots
server = interactions.server
_no_page_errors = interactions._no_page_errors


def test_pins_where_allowed_the_panel_jumps_and_everyone_follows_live(people, settings):
    from messaging import services

    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "message_send": "100000/min"}
    alice_user, bob_user = UserFactory(username="alice"), UserFactory(username="bob")
    group_id = group_of(alice_user, bob_user, name="Rules")  # alice is its admin
    rules = send_as(alice_user, group_id, "House rules: be kind\nand patient")

    def chatter() -> None:
        for n in range(1, 80):
            services.message_send(actor=bob_user, conversation_id=group_id, content=f"chat {n}")

    off_loop(chatter)
    direct_id = direct_chat(alice_user, bob_user)
    send_as(alice_user, direct_id, "Our plan")
    a = open_chat(people(alice_user), group_id)
    b = open_chat(people(bob_user), group_id)

    # Only the group's admin is offered Pin; a member is not.
    row(b, "chat 79").hover()
    row(b, "chat 79").get_by_role("button", name="More actions").click()
    expect(b.get_by_role("menu").get_by_role("menuitem", name="Pin")).to_have_count(0)
    b.keyboard.press("Escape")
    expect(b.get_by_role("menu")).to_have_count(0)
    expect(b.locator("#pins-button")).to_be_hidden()

    # Alice pins the last message: marked, counted in the header, for bob too (live).
    menu_action(a, "chat 79", "Pin")
    for page in (a, b):
        expect(row(page, "chat 79").locator(".msg-pinned")).to_be_visible()
        expect(page.locator("#pins-button")).to_be_visible()
        expect(page.locator("#pins-button")).to_have_attribute("aria-label", "1 pinned message")

    # An old message, pinned while bob looks elsewhere in the list: his panel lists both,
    # most recently pinned first, and its entry takes him to it (loading older pages).
    off_loop(lambda: services.message_pin(actor=alice_user, message_id=rules))
    expect(b.locator("#pins-button")).to_have_attribute("aria-label", "2 pinned messages")
    b.locator("#pins-button").click()
    panel = b.get_by_role("dialog", name="Pinned messages")
    entries = panel.locator(".pins-open")
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text("House rules: be kind")
    expect(entries.first).not_to_contain_text("patient")
    expect(entries.nth(1)).to_contain_text("chat 79")
    expect(panel.get_by_role("button", name="Unpin")).to_have_count(0)  # not his to unpin
    entries.first.click()
    expect(panel).to_have_count(0)
    target = row(b, "House rules")
    expect(target).to_have_class(re.compile(r"\bhighlight\b"))
    expect(target).to_be_in_viewport()
    expect(target.locator(".msg-pinned")).to_be_visible()

    # Unpinned from the menu: gone from both; deleting a pinned message unpins it as well.
    menu_action(a, "chat 79", "Unpin")
    for page in (a, b):
        expect(page.locator("#pins-button")).to_have_attribute("aria-label", "1 pinned message")
        expect(row(page, "chat 79").locator(".msg-pinned")).to_have_count(0)
    a.locator("#pins-button").click()
    a.get_by_role("dialog", name="Pinned messages").get_by_role("button", name="Unpin").click()
    for page in (a, b):
        expect(page.locator("#pins-button")).to_be_hidden()

    # In a direct chat both may pin.
    b.goto(f"/c/{direct_id}/")
    wait_connected(b)
    menu_action(b, "Our plan", "Pin")
    expect(row(b, "Our plan").locator(".msg-pinned")).to_be_visible()
    expect(b.locator("#pins-button")).to_have_attribute("aria-label", "1 pinned message")
    plan = int(row(b, "Our plan").get_attribute("data-id"))
    off_loop(lambda: services.message_delete(actor=alice_user, message_id=plan))
    expect(b.locator(f'.msg[data-id="{plan}"]')).to_contain_text("This message was deleted.")
    expect(b.locator("#pins-button")).to_be_hidden()


def test_seen_by_in_a_direct_chat_and_a_group_live_and_never_of_the_blocked(people):
    from friends import services as friends

    alice_user, bob_user = UserFactory(username="alice"), UserFactory(username="bob")
    carol_user, dave_user = UserFactory(username="carol"), UserFactory(username="dave")
    befriend(alice_user, bob_user)
    direct_id = direct_chat(alice_user, bob_user)
    send_as(alice_user, direct_id, "first from alice")
    send_as(alice_user, direct_id, "second from alice")
    alice = people(alice_user)
    a = open_chat(alice, direct_id)
    expect(a.locator(".seen-by")).to_have_count(0)  # bob has read nothing yet

    # Bob opens the chat: alice sees "Seen" under her last message, live.
    bob = people(bob_user)
    b = open_chat(bob, direct_id)
    expect(row(a, "second from alice").locator(".seen-direct")).to_have_text("Seen")
    expect(a.locator(".seen-by")).to_have_count(1)
    expect(b.locator(".seen-by")).to_have_count(0)  # none of bob's messages to be seen
    # Bob answers: "Seen" stays at alice's last message (his own answer is not "seen").
    b.locator("#composer-input").fill("got both")
    b.locator("#composer-input").press("Enter")
    expect(row(a, "got both")).to_have_count(1)
    expect(row(a, "second from alice").locator(".seen-direct")).to_have_count(1)
    expect(a.locator(".seen-by")).to_have_count(1)

    # A group: each member's face at the latest message they read (not their own).
    group_id = group_of(alice_user, carol_user, dave_user, name="Readers")
    send_as(alice_user, group_id, "group hello")
    send_as(alice_user, group_id, "group news")
    a.goto(f"/c/{group_id}/")
    wait_connected(a)
    carol = people(carol_user)
    open_chat(carol, group_id)
    news = row(a, "group news")
    faces = news.locator(".seen-faces")
    expect(faces).to_have_attribute("aria-label", "Seen by Carol")
    expect(faces.locator(".avatar")).to_have_count(1)
    d = open_chat(people(dave_user), group_id)
    expect(faces).to_have_attribute("aria-label", "Seen by Carol, Dave")
    expect(faces.locator(".avatar")).to_have_count(2)
    # Dave writes: his marker is at his own message, so his face stays at alice's news;
    # carol reads it: her face moves down to dave's message.
    d.locator("#composer-input").fill("dave was here")
    d.locator("#composer-input").press("Enter")
    expect(row(a, "dave was here")).to_have_count(1)
    expect(row(a, "dave was here").locator(".seen-faces")).to_have_attribute(
        "aria-label", "Seen by Carol"
    )
    expect(faces).to_have_attribute("aria-label", "Seen by Dave")
    # The whole list on hover, and on keyboard focus.
    faces.hover()
    expect(a.get_by_role("tooltip")).to_have_text("Seen by Dave")
    a.mouse.move(0, 0)
    expect(a.get_by_role("tooltip")).to_be_hidden()
    row(a, "dave was here").locator(".seen-faces").focus()
    expect(a.get_by_role("tooltip")).to_have_text("Seen by Carol")
    a.locator("#composer-input").focus()
    expect(a.get_by_role("tooltip")).to_be_hidden()

    # Alice blocks carol: after the next load carol's face is gone (dave's stays).
    off_loop(lambda: friends.user_block(actor=alice_user, user_id=carol_user.id))
    a.reload()
    wait_connected(a)
    expect(row(a, "group news").locator(".seen-faces")).to_have_attribute(
        "aria-label", "Seen by Dave"
    )
    expect(row(a, "dave was here").locator(".seen-faces")).to_have_count(0)
    # …and carol's later reads are not shown either.
    send_as(dave_user, group_id, "one more")
    expect(row(a, "one more")).to_have_count(1)
    carol.page.reload()
    wait_connected(carol.page)
    expect(row(carol.page, "one more")).to_have_count(1)
    a.wait_for_timeout(1500)  # carol's `read` reaches alice's page meanwhile (and is ignored)
    expect(a.locator(".seen-faces", has=a.locator(".avatar", has_text="C"))).to_have_count(0)
    expect(a.locator('.seen-faces[aria-label*="Carol"]')).to_have_count(0)


def test_mentions_autocomplete_by_keyboard_and_the_sidebar_counts_them_apart(people):
    alice_user = UserFactory(username="alice")
    bob_user = UserFactory(username="bob", display_name="Bob Builder")
    bobby_user = UserFactory(username="bobby", display_name="Roberta")
    carol_user = UserFactory(username="carol")
    group_id = group_of(alice_user, bob_user, bobby_user, carol_user, name="Crew")
    befriend(bob_user, carol_user)
    other_id = direct_chat(bob_user, carol_user)
    a = open_chat(people(alice_user), group_id)
    b = open_chat(people(bob_user), other_id)  # bob looks at another conversation

    composer = a.locator("#composer-input")
    options = a.get_by_role("listbox", name="Members to mention").get_by_role("option")
    composer.press_sequentially("Ping @bo")
    expect(options).to_have_count(2)
    expect(options.first).to_contain_text("Bob Builder")
    expect(options.first).to_have_attribute("aria-selected", "true")
    # The open list and its chosen option, for screen readers (a textarea may not carry
    # aria-expanded: axe's aria-allowed-attr).
    first_id = options.first.get_attribute("id")
    expect(composer).to_have_attribute("aria-activedescendant", first_id)
    composer.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    expect(composer).to_have_attribute("aria-activedescendant", options.nth(1).get_attribute("id"))
    composer.press("ArrowUp")
    composer.press("Enter")  # picks, does not send
    expect(composer).to_have_value("Ping @bob ")
    expect(options).to_have_count(0)
    # A name typed by its display name, taken with Tab; Escape closes without taking.
    composer.press_sequentially("and @rob")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("@bobby")
    composer.press("Tab")
    expect(composer).to_have_value("Ping @bob and @bobby ")
    composer.press_sequentially("@ca")
    expect(options).to_have_count(1)
    composer.press("Escape")
    expect(options).to_have_count(0)
    expect(composer).to_have_value("Ping @bob and @bobby @ca")
    composer.press_sequentially("rol")
    options.first.click()
    expect(composer).to_have_value("Ping @bob and @bobby @carol ")
    expect(composer).to_be_focused()
    composer.press("Enter")
    expect(row(a, "Ping @bob")).to_have_count(1)

    # Bob is elsewhere: the group's row counts the unread message and the mention apart.
    group_row = conv_item(b, "Crew")
    expect(group_row.locator(".badge-mention")).to_have_text("@1")
    expect(group_row.locator(".badge:not(.badge-mention)")).to_have_text("1")
    expect(group_row).to_contain_text("1 mentioning you")
    # A message that does not mention him: one more unread, still one mention.
    a.locator("#composer-input").fill("no names here")
    a.locator("#composer-input").press("Enter")
    expect(group_row.locator(".badge:not(.badge-mention)")).to_have_text("2")
    expect(group_row.locator(".badge-mention")).to_have_text("@1")
    expect(group_row).to_contain_text("1 mentioning you")
    # Another that does: the mention badge shows the count, not only "@".
    a.locator("#composer-input").fill("@bob over to you")
    a.locator("#composer-input").press("Enter")
    expect(group_row.locator(".badge:not(.badge-mention)")).to_have_text("3")
    expect(group_row.locator(".badge-mention")).to_have_text("@2")
    expect(group_row.locator(".badge-mention")).to_have_attribute(
        "title", "2 unread mentions of you"
    )
    expect(group_row).to_contain_text("2 mentioning you")
    # Opening it reads both: the badges go, his mention is highlighted in the list.
    group_row.click()
    expect(b.locator("#pane-title")).to_have_text("Crew")
    expect(group_row.locator(".badge")).to_have_count(0)
    mention = row(b, "Ping").locator(".mention-me")
    expect(mention).to_have_text("@bob")
    expect(row(b, "Ping").locator(".mention")).to_have_count(3)
    expect(row(b, "Ping")).to_have_class(re.compile(r"\bmentions-me\b"))
    # The server agrees after a reload: nothing unread, no mention left.
    b.reload()
    wait_connected(b)
    expect(conv_item(b, "Crew").locator(".badge")).to_have_count(0)


def test_edits_deletes_reactions_and_pins_made_while_offline_appear_after_reconnect(people):
    from messaging import services

    alice_user, bob_user = UserFactory(username="alice"), UserFactory(username="bob")
    befriend(alice_user, bob_user)
    conversation_id = direct_chat(alice_user, bob_user)
    ids = {
        text: send_as(alice_user, conversation_id, text)
        for text in ("m-edit", "m-delete", "m-react", "m-pin")
    }
    bob = people(bob_user)
    b = open_chat(bob, conversation_id)
    expect(row(b, "m-pin")).to_have_count(1)
    asked: list[str] = []
    b.on("request", lambda r: "/changes" in r.url and asked.append(r.url))

    # Bob's network goes away; meanwhile alice edits, deletes, reacts, pins and writes.
    bob.context.set_offline(True)
    b.evaluate("window.chatApp.socket.drop()")
    expect(b.locator("#conn-status")).to_contain_text(re.compile("Connection lost|Reconnecting"))

    def meanwhile() -> None:
        services.message_edit(actor=alice_user, message_id=ids["m-edit"], content="m-edit **v2**")
        services.message_delete(actor=alice_user, message_id=ids["m-delete"])
        services.reaction_add(actor=alice_user, message_id=ids["m-react"], emoji="🎉")
        services.message_pin(actor=alice_user, message_id=ids["m-pin"])
        services.message_send(actor=alice_user, conversation_id=conversation_id, content="m-new")

    off_loop(meanwhile)
    expect(row(b, "m-edit").locator("strong")).to_have_count(0)  # nothing arrived

    bob.context.set_offline(False)
    wait_connected(b)
    expect(row(b, "m-edit v2").locator("strong")).to_have_text("v2")
    expect(row(b, "m-edit v2").locator(".msg-edited")).to_be_visible()
    expect(b.locator(f'.msg[data-id="{ids["m-delete"]}"]')).to_contain_text(
        "This message was deleted."
    )
    expect(chip(b, "m-react", "🎉")).to_contain_text("1")
    expect(chip(b, "m-react", "🎉")).to_have_attribute("aria-pressed", "false")
    expect(row(b, "m-pin").locator(".msg-pinned")).to_be_visible()
    expect(b.locator("#pins-button")).to_have_attribute("aria-label", "1 pinned message")
    expect(row(b, "m-new")).to_have_count(1)
    assert asked and all(re.search(r"[?&]since=\d+", url) for url in asked), asked
    assert b.locator("#message-list .msg[data-id]").count() == 5

    # An event lost while connected: the next one's change number skips, and the gap is
    # caught up (bob's page drops the reaction event as a lost packet would).
    b.evaluate(
        """() => {
            const socket = window.chatApp.socket;
            const handle = socket.handleFrame.bind(socket);
            let dropped = false;
            socket.handleFrame = (raw) => {
                if (!dropped && raw.includes('"reaction_added"')) { dropped = true; return; }
                handle(raw);
            };
        }"""
    )
    asked.clear()
    ids["m-new"] = int(row(b, "m-new").get_attribute("data-id"))
    off_loop(lambda: services.reaction_add(actor=alice_user, message_id=ids["m-new"], emoji="👀"))
    b.wait_for_timeout(500)
    expect(chip(b, "m-new", "👀")).to_have_count(0)  # lost
    off_loop(lambda: services.message_unpin(actor=alice_user, message_id=ids["m-pin"]))
    expect(row(b, "m-pin").locator(".msg-pinned")).to_have_count(0)  # arrived, with a gap
    expect(chip(b, "m-new", "👀")).to_contain_text("1")  # caught up
    assert len(asked) == 1, asked


FIX = """Found it, the retry loop never backs off:
```python
for attempt in range(5):
    if send(frame):
        break
    time.sleep(0.2 * 2 ** attempt)  # was: time.sleep(0.2)
```
> fixed in `retry.py`, tests green"""


def test_screenshot_of_a_conversation_with_reactions_a_reply_code_and_seen_by(people, shots):
    from messaging import services

    alice_user = UserFactory(username="alice", display_name="Alice")
    bob_user = UserFactory(username="bob", display_name="Bob")
    carol_user = UserFactory(username="carol", display_name="Carol")
    group_id = group_of(alice_user, bob_user, carol_user, name="Release crew")
    deploy = send_as(bob_user, group_id, "Morning! Deploy is at **10:00**, freeze starts now.")
    send_as(carol_user, group_id, "Before that: why did the sync job hang last night?")
    fix = send_as(bob_user, group_id, FIX)

    def reactions_and_reads() -> None:
        for user, emoji in ((alice_user, "👍"), (carol_user, "👍"), (carol_user, "🎉")):
            services.reaction_add(actor=user, message_id=deploy, emoji=emoji)
        services.reaction_add(actor=carol_user, message_id=fix, emoji="🙏")
        services.message_pin(actor=alice_user, message_id=deploy)

    off_loop(reactions_and_reads)
    a = open_chat(people(alice_user, viewport={"width": 1200, "height": 940}), group_id)
    menu_action(a, "Found it", "Reply")
    a.locator("#composer-input").fill("Nice catch @bob, shipping it with the 10:00 deploy")
    a.locator("#composer-input").press("Enter")
    sent = row(a, "Nice catch")
    expect(sent.locator(".msg-quote")).to_contain_text("Found it, the retry loop never backs off:")
    reply_id = int(sent.get_attribute("data-id"))

    def read() -> None:
        services.message_mark_read(actor=bob_user, conversation_id=group_id, message_id=reply_id)
        services.message_mark_read(actor=carol_user, conversation_id=group_id, message_id=fix)

    off_loop(read)
    expect(sent.locator(".seen-faces")).to_have_attribute("aria-label", "Seen by Bob")
    expect(row(a, "Found it").locator(".seen-faces")).to_have_attribute(
        "aria-label", "Seen by Carol"
    )
    expect(chip(a, "Morning", "👍")).to_have_attribute("aria-pressed", "true")
    expect(a.locator("#pins-button")).to_be_visible()
    a.locator("#composer-input").fill("**bold** and `code`")
    shots(a, "interactions.png")

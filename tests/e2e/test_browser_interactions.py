"""Reactions, replies and formatted text in the web UI (pins, "seen by", mentions and the
catch-up after a reconnect: test_browser_pins_seen_mentions_catch_up.py, which uses the
helpers of this module).

Real chromium against real daphne, one browser context per person (test_browser.py's
fixtures). Everything is done by clicking and typing as a person would; set-up that is not
the thing tested (history, someone else's edit) goes through the services.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.tests.factories import UserFactory
from tests.e2e import test_browser
from tests.e2e.test_browser import befriend, direct_chat, off_loop, wait_connected

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The browser tests' fixtures: a browser context per person, and the screenshots.
people = test_browser.people
shots = test_browser.shots


@pytest.fixture
def server(browser: Any, daphne_factory: Callable[..., Any]) -> Any:
    """test_browser.py's server: real daphne with Django's async-safety checks on."""
    return daphne_factory(DJANGO_ALLOW_ASYNC_UNSAFE="")


#: Uncaught errors of the pages opened with `open_chat` (a test fails on any).
PAGE_ERRORS: list[str] = []


@pytest.fixture(autouse=True)
def _no_page_errors() -> Iterator[None]:
    PAGE_ERRORS.clear()
    yield
    assert PAGE_ERRORS == [], PAGE_ERRORS


def send_as(user: Any, conversation_id: int, content: str, **extra: Any) -> int:
    """A message from `user`, through the service (set-up, not the thing tested)."""
    from messaging import services

    def work() -> int:
        message, _ = services.message_send(
            actor=user, conversation_id=conversation_id, content=content, **extra
        )
        return message.id

    return off_loop(work)


def group_of(admin: Any, *members: Any, name: str = "Team") -> int:
    """A group `admin` created with `members` (each befriended first)."""
    from conversations import services

    for member in members:
        befriend(admin, member)

    def work() -> int:
        return services.conversation_group_create(
            actor=admin, name=name, member_user_ids=[m.id for m in members]
        ).id

    return off_loop(work)


def row(page: Page, text: str) -> Any:
    """The row of the message whose text contains `text`."""
    body = page.locator(".msg-body", has_text=text)
    return page.locator("#message-list .msg[data-id]", has=body)


def menu_action(page: Page, text: str, action: str) -> None:
    """Open the message's "More actions" menu and choose `action`."""
    target = row(page, text)
    target.hover()
    target.get_by_role("button", name="More actions").click()
    page.get_by_role("menu").get_by_role("menuitem", name=action).click()


def chip(page: Page, text: str, emoji: str) -> Any:
    return row(page, text).locator(f'.reaction-chip[data-emoji="{emoji}"]')


def open_chat(person: Any, conversation_id: int) -> Page:
    page = person.page
    page.on("pageerror", lambda error: PAGE_ERRORS.append(f"{page.url}: {error}"))
    page.goto(f"/c/{conversation_id}/")
    wait_connected(page)
    return page


def test_reactions_picker_toggle_live_and_who_reacted(people):
    alice_user, bob_user = UserFactory(username="alice"), UserFactory(username="bob")
    befriend(alice_user, bob_user)
    conversation_id = direct_chat(alice_user, bob_user)
    send_as(bob_user, conversation_id, "Lunch at noon?")
    a = open_chat(people(alice_user), conversation_id)
    b = open_chat(people(bob_user), conversation_id)

    # Alice picks 👍 by searching its name in the picker (Enter takes the first match).
    message = row(a, "Lunch at noon?")
    message.hover()
    message.get_by_role("button", name="Add reaction").click()
    picker = a.get_by_role("dialog", name="Add a reaction")
    expect(picker.get_by_role("button", name="thumbs up", exact=True)).to_be_visible()
    picker.get_by_role("searchbox", name="Search emoji by name").fill("thumbs u")
    expect(picker.locator(".picker-emoji").first).to_have_text("👍")
    a.keyboard.press("Enter")
    expect(picker).to_have_count(0)
    expect(chip(a, "Lunch", "👍")).to_have_attribute("aria-pressed", "true")
    expect(chip(a, "Lunch", "👍")).to_contain_text("1")
    # Bob sees it live, not as his.
    expect(chip(b, "Lunch", "👍")).to_contain_text("1")
    expect(chip(b, "Lunch", "👍")).to_have_attribute("aria-pressed", "false")

    # Bob adds his by clicking the chip; both see 2, only his is pressed for him.
    chip(b, "Lunch", "👍").click()
    for page in (a, b):
        expect(chip(page, "Lunch", "👍")).to_contain_text("2")
        expect(chip(page, "Lunch", "👍")).to_have_attribute("aria-pressed", "true")

    # Who reacted: hovering the chip (alice), keyboard focus (bob).
    chip(a, "Lunch", "👍").hover()
    expect(a.get_by_role("tooltip")).to_have_text("You, Bob reacted with thumbs up")
    a.mouse.move(0, 0)
    expect(a.get_by_role("tooltip")).to_be_hidden()
    chip(b, "Lunch", "👍").focus()
    b.keyboard.press("Tab")
    b.keyboard.press("Shift+Tab")  # back onto the chip, by keyboard
    assert b.evaluate("document.activeElement.dataset.emoji") == "👍"
    expect(b.get_by_role("tooltip")).to_have_text("Alice, You reacted with thumbs up")

    # A second emoji from the menu, all by keyboard: the bar's "+" chip opens the picker too.
    menu_action(a, "Lunch", "Add reaction")
    a.keyboard.type("popper")
    a.keyboard.press("Enter")
    expect(chip(b, "Lunch", "🎉")).to_contain_text("1")
    chips = row(b, "Lunch").locator(".reaction-chip[data-emoji]")
    expect(chips).to_have_count(2)
    assert chips.evaluate_all("cs => cs.map(c => c.dataset.emoji)") == ["👍", "🎉"]

    # Alice takes hers back: 1 left, and it is bob's.
    chip(a, "Lunch", "👍").click()
    for page in (a, b):
        expect(chip(page, "Lunch", "👍")).to_contain_text("1")
    expect(chip(a, "Lunch", "👍")).to_have_attribute("aria-pressed", "false")
    expect(chip(b, "Lunch", "👍")).to_have_attribute("aria-pressed", "true")
    # Bob takes 🎉 away from nobody: it is alice's, so his click adds one.
    chip(b, "Lunch", "🎉").click()
    expect(chip(a, "Lunch", "🎉")).to_contain_text("2")

    # An edit reaches everyone alike (`me: null` in its reactions): each keeps whose is whose.
    from messaging import services

    lunch = int(row(a, "Lunch").get_attribute("data-id"))
    off_loop(lambda: services.message_edit(actor=bob_user, message_id=lunch, content="Lunch at 1?"))
    expect(row(a, "Lunch at 1?")).to_have_count(1)
    expect(chip(a, "Lunch at 1?", "🎉")).to_have_attribute("aria-pressed", "true")
    expect(chip(a, "Lunch at 1?", "👍")).to_have_attribute("aria-pressed", "false")
    expect(row(b, "Lunch at 1?")).to_have_count(1)
    expect(chip(b, "Lunch at 1?", "👍")).to_have_attribute("aria-pressed", "true")

    # The "+" chip, and the picker remembers what this browser uses.
    row(a, "Lunch").locator(".reaction-add").click()
    frequent = a.locator(".emoji-picker .picker-emoji").evaluate_all(
        "bs => bs.map(b => b.dataset.emoji)"
    )
    assert frequent[:2] == ["👍", "🎉"], frequent
    a.keyboard.press("Escape")
    expect(a.locator(".emoji-picker")).to_have_count(0)


def test_replies_quote_cancel_send_jump_and_follow_the_original(people, settings):
    from messaging import services

    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "message_send": "100000/min"}
    alice_user, bob_user = UserFactory(username="alice"), UserFactory(username="bob")
    befriend(alice_user, bob_user)
    conversation_id = direct_chat(alice_user, bob_user)
    original = send_as(
        bob_user, conversation_id, "Where is the **release** checklist?\nsecond line"
    )

    def write_history() -> None:
        for n in range(1, 121):
            services.message_send(actor=bob_user, conversation_id=conversation_id, content=f"n{n}")

    off_loop(write_history)
    send_as(bob_user, conversation_id, "About that old question", reply_to=original)
    a = open_chat(people(alice_user), conversation_id)
    b = open_chat(people(bob_user), conversation_id)

    # The quote above the reply: sender and the first line of the source; the original is
    # 120 messages up, not loaded — clicking the quote opens the history around it
    # (`around=`: the original and the 24 after it), and "Newest messages" goes back down.
    reply = row(a, "About that old question")
    quote = reply.locator(".msg-quote")
    expect(quote).to_contain_text("Bob")
    expect(quote).to_contain_text("Where is the **release** checklist?")
    expect(quote).not_to_contain_text("second line")
    expect(row(a, "Where is the")).to_have_count(0)
    quote.click()
    target = row(a, "Where is the")
    expect(target).to_have_class(re.compile(r"\bhighlight\b"))
    expect(target).to_be_in_viewport()
    expect(target).to_be_focused()
    assert a.locator("#message-list .msg[data-id]").count() == 25
    expect(row(a, "About that old question")).to_have_count(0)
    a.get_by_role("button", name="Newest messages ↓").click()
    expect(row(a, "About that old question")).to_be_in_viewport()
    expect(a.get_by_role("button", name="Newest messages ↓")).to_be_hidden()

    # Reply from the menu: the quote shows above the composer; Escape or its button cancel it.
    composer = a.locator("#composer-input")
    bar = a.locator("#composer-reply")
    menu_action(a, "n120", "Reply")
    expect(bar).to_be_visible()
    expect(bar).to_contain_text("Replying to")
    expect(bar).to_contain_text("n120")
    expect(composer).to_be_focused()
    composer.press("Escape")
    expect(bar).to_be_hidden()
    row(a, "n120").hover()
    row(a, "n120").get_by_role("button", name="Reply", exact=True).click()
    bar.get_by_role("button", name="Cancel reply").click()
    expect(bar).to_be_hidden()

    # A reply sent: the quote comes with it, for bob too (live).
    menu_action(a, "n119", "Reply")
    composer.fill("Yes, n119 it is")
    composer.press("Enter")
    expect(bar).to_be_hidden()
    for page in (a, b):
        sent = row(page, "Yes, n119 it is")
        expect(sent.locator(".msg-quote")).to_contain_text("n119")
    expect(row(b, "Yes, n119 it is").locator(".msg-quote")).to_contain_text("You")  # his own

    # The original changes later: its quotes follow (an edit shows, a delete says so).
    def edit_then_delete(step: str) -> None:
        if step == "edit":
            services.message_edit(
                actor=bob_user, message_id=original, content="Checklist: see wiki"
            )
        else:
            services.message_delete(actor=bob_user, message_id=original)

    off_loop(lambda: edit_then_delete("edit"))
    expect(quote).to_contain_text("Checklist: see wiki")
    off_loop(lambda: edit_then_delete("delete"))
    expect(quote).to_contain_text("Deleted message")
    expect(a.locator("button.msg-quote", has_text="Deleted message")).to_have_count(0)

    # Replying to a message deleted meanwhile: the composer's quote goes, with a word why.
    n118 = a.locator(
        "#message-list .msg[data-id]", has=a.locator(".msg-body", has_text=re.compile("^n118$"))
    )
    menu_action(a, "n118", "Reply")
    message_id = int(n118.get_attribute("data-id"))
    off_loop(lambda: services.message_delete(actor=bob_user, message_id=message_id))
    expect(bar).to_be_hidden()
    expect(a.locator(".toast")).to_contain_text("The message you were replying to was deleted.")


MARKDOWN = """**Deploy** plan for @alice and @carol, _today_ ~~tomorrow~~:
```python
def deploy(target: str) -> None:
    print("a long line that certainly does not fit the bubble and must scroll sideways", target)
```
> measure twice
- build `make check`
- ship https://example.org/release
<img src=x onerror=alert(1)> [click](javascript:alert(1))"""


def test_formatting_renders_the_servers_html_code_copy_mentions_and_edits_the_source(people):
    alice_user, bob_user = UserFactory(username="alice"), UserFactory(username="bob")
    carol_user = UserFactory(username="carol")
    conversation_id = group_of(bob_user, alice_user, carol_user)
    send_as(bob_user, conversation_id, MARKDOWN)
    alice, bob = people(alice_user), people(bob_user)
    alice.context.grant_permissions(["clipboard-read", "clipboard-write"])
    a = open_chat(alice, conversation_id)
    b = open_chat(bob, conversation_id)

    body = row(a, "Deploy").locator(".msg-body")
    expect(body.locator("strong")).to_have_text("Deploy")
    expect(body.locator("em")).to_have_text("today")
    expect(body.locator("s")).to_have_text("tomorrow")
    expect(body.locator("blockquote")).to_have_text("measure twice")
    expect(body.locator("li")).to_have_count(2)
    expect(body.locator("li code")).to_have_text("make check")
    link = body.locator("a", has_text="https://example.org/release")
    expect(link).to_have_attribute("href", "https://example.org/release")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    # Raw HTML and a javascript: link stay text; nothing runs, no image is made.
    expect(body).to_contain_text("<img src=x onerror=alert(1)>")
    expect(body.locator("img")).to_have_count(0)
    expect(body.locator("a")).to_have_count(1)

    # The code block: monospace, its own horizontal scroll, a language label, a copy button.
    block = body.locator(".code-block")
    expect(block.locator(".code-language")).to_have_text("python")
    pre = block.locator("pre")
    assert "mono" in pre.evaluate("p => getComputedStyle(p.querySelector('code')).fontFamily")
    assert pre.evaluate("p => p.scrollWidth > p.clientWidth"), "long lines scroll sideways"
    assert pre.evaluate("p => getComputedStyle(p).overflowX") == "auto"
    row_width = row(a, "Deploy").evaluate("r => r.getBoundingClientRect().width")
    assert row_width <= a.locator("#messages").evaluate("m => m.clientWidth")
    block.get_by_role("button", name="Copy code").click()
    expect(block.get_by_role("button", name="Copy code")).to_have_text("Copied")
    copied = a.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("def deploy(target: str) -> None:\n    print(")

    # Mentions: mine stronger than others', and the row says it mentions me.
    expect(body.locator(".mention")).to_have_count(2)
    expect(body.locator(".mention.mention-me")).to_have_text("@alice")
    expect(row(a, "Deploy")).to_have_class(re.compile(r"\bmentions-me\b"))
    expect(row(b, "Deploy")).not_to_have_class(re.compile(r"\bmentions-me\b"))
    expect(row(b, "Deploy").locator(".mention-me")).to_have_count(0)

    # Editing edits the Markdown source, and the new HTML reaches the others.
    expect(b.locator("#format-hint")).to_contain_text("**bold**")
    menu_action(b, "Deploy", "Edit")
    editor = b.get_by_role("textbox", name="Edit message")
    expect(editor).to_have_value(MARKDOWN)
    editor.fill("Plan **moved** to `friday`")
    editor.press("Enter")
    edited = row(a, "Plan moved").locator(".msg-body")
    expect(edited.locator("strong")).to_have_text("moved")
    expect(edited.locator("code")).to_have_text("friday")
    expect(row(a, "Plan moved").locator(".msg-edited")).to_be_visible()
    expect(row(a, "Plan moved")).not_to_have_class(re.compile(r"\bmentions-me\b"))
    assert alice.dialogs == [] and bob.dialogs == []

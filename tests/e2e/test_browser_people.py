"""People in the web UI (issue 16): the profile card opened from a name or picture, report a
message or a person, block anyone from anywhere (a stranger in a public room included), and
who is here in a room. Real chromium, real daphne; fixtures from test_browser.py.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.tests.factories import UserFactory
from tests.e2e import test_browser
from tests.e2e.test_browser import (
    befriend,
    conv_item,
    messages_with,
    off_loop,
    open_conversation,
    wait_connected,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

people = test_browser.people
shots = test_browser.shots


def public_room(owner: Any, name: str, *members: Any) -> int:
    from conversations import services as conversations

    def work() -> int:
        room = conversations.conversation_group_create(actor=owner, name=name, is_public=True)
        for member in members:
            conversations.conversation_join(actor=member, conversation_id=room.id)
        return room.id

    return off_loop(work)


def say(sender: Any, conversation_id: int, text: str) -> None:
    from messaging import services as messaging

    off_loop(
        lambda: messaging.message_send(actor=sender, conversation_id=conversation_id, content=text)
    )


def row_of(page: Page, text: str) -> Any:
    return page.locator("#message-list .msg", has=page.locator(".msg-body", has_text=text))


def reports() -> list[tuple[str, int | None, int, str]]:
    from messaging.models import Report

    return off_loop(
        lambda: [
            (r.target_type, r.message_id, r.user_id, r.reason)
            for r in Report.objects.order_by("id")
        ]
    )


def blocked_by(user: Any) -> set[int]:
    from friends.models import Block

    return off_loop(
        lambda: set(Block.objects.filter(blocker=user).values_list("blocked", flat=True))
    )


def test_a_stranger_in_a_public_room_is_reported_and_blocked_from_the_message_menu(people, shots):
    """The message menu, by keyboard only: open it, walk it, report with a reason, block."""
    alice_user, mallory = UserFactory(username="alice"), UserFactory(username="mallory")
    olivia = UserFactory(username="olivia")
    room = public_room(olivia, "Town square", alice_user, mallory)
    say(mallory, room, "Buy cheap watches at example dot com")
    a = people(alice_user).page
    a.goto(f"/c/{room}/")
    wait_connected(a)
    row = row_of(a, "cheap watches")
    menu_button = row.get_by_role("button", name="More actions")
    menu_button.focus()
    a.keyboard.press("Enter")
    menu = a.get_by_role("menu", name="Message actions")
    expect(menu).to_be_visible()
    expect(menu.get_by_role("menuitem")).to_have_text(
        ["Add reaction", "Reply", "View Mallory's profile", "Report message", "Block Mallory"]
    )
    expect(menu.get_by_role("menuitem").first).to_be_focused()
    shots(a, "message-menu.png")
    a.keyboard.press("Escape")
    expect(menu).to_have_count(0)
    expect(menu_button).to_be_focused()

    # Report: the reason dialog, then its confirmation.
    a.keyboard.press("ArrowDown")  # opens the menu too
    expect(menu.get_by_role("menuitem").first).to_be_focused()
    a.keyboard.press("End")
    expect(menu.get_by_role("menuitem", name="Block Mallory")).to_be_focused()
    a.keyboard.press("ArrowUp")
    expect(menu.get_by_role("menuitem", name="Report message")).to_be_focused()
    a.keyboard.press("Enter")
    dialog = a.get_by_role("dialog", name="Report a message")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Mallory: “Buy cheap watches")
    dialog.get_by_role("button", name="Send report").click()
    expect(dialog.get_by_role("alert")).to_have_text("Choose what is wrong.")
    dialog.get_by_label("Spam or scam").check()
    dialog.get_by_label("Details (optional)").fill("Posted in three rooms today.")
    shots(a, "report.png")
    dialog.get_by_role("button", name="Send report").click()
    done = a.get_by_role("dialog", name="Report sent")
    expect(done).to_contain_text("The moderators will look at it")
    expect(done.get_by_role("button", name="Close")).to_be_focused()
    a.keyboard.press("Escape")
    expect(menu_button).to_be_focused()
    message_id = int(row.get_attribute("data-id"))
    assert reports() == [
        ("message", message_id, mallory.id, "Spam or scam: Posted in three rooms today.")
    ]

    # The same message again: the dialog says it is already reported.
    menu_button.click()
    a.get_by_role("menuitem", name="Report message").click()
    a.get_by_label("Spam or scam").check()
    a.get_by_role("button", name="Send report").click()
    expect(a.get_by_role("dialog", name="Report a message").get_by_role("alert")).to_contain_text(
        "already reported"
    )
    a.get_by_role("button", name="Cancel").click()

    # Block: a stranger (not a friend) is blocked from the menu.
    menu_button.click()
    a.get_by_role("menuitem", name="Block Mallory").click()
    expect(a.locator("#toasts")).to_contain_text("Mallory is blocked.")
    assert blocked_by(alice_user) == {mallory.id}


def test_the_profile_card_opens_from_a_name_and_acts_on_the_person(people, shots):
    alice_user = UserFactory(username="alice")
    bob_user = UserFactory(username="bob", bio="Trail runner. Ask me about maps.")
    carol_user = UserFactory(username="carol")
    befriend(alice_user, carol_user)
    room = public_room(carol_user, "Runners", alice_user, bob_user)
    say(bob_user, room, "Anyone up for 10k on Sunday?")
    alice, bob = people(alice_user), people(bob_user)
    a = alice.page
    a.goto(f"/c/{room}/")
    wait_connected(a)

    # A click on the sender's name: the card, with the keyboard inside it.
    name = row_of(a, "10k on Sunday").get_by_role("button", name="Bob")
    name.click()
    card = a.get_by_role("dialog", name="Bob")
    expect(card).to_be_visible()
    expect(card).to_contain_text("@bob")
    expect(card).to_contain_text("Trail runner. Ask me about maps.")
    expect(card.locator(".presence")).to_have_count(0)  # not a friend: no presence
    expect(card.get_by_role("button", name="Add friend")).to_be_focused()
    shots(a, "profile-card.png")
    a.keyboard.press("Escape")
    expect(card).to_be_hidden()
    expect(name).to_be_focused()

    # Add friend from the card; bob accepts from his own card of alice.
    name.click()
    card.get_by_role("button", name="Add friend").click()
    expect(card.get_by_role("status")).to_have_text("Friend request sent.")
    expect(card).to_contain_text("Friend request sent")
    b = bob.page
    b.goto(f"/c/{room}/")
    wait_connected(b)
    say(alice_user, room, "I am in!")
    row_of(b, "I am in!").locator(".msg-avatar").click()  # the picture opens it too
    bobs_card = b.get_by_role("dialog", name="Alice")
    bobs_card.get_by_role("button", name="Accept friend request").click()
    expect(bobs_card.get_by_role("status")).to_have_text("You and Alice are now friends.")
    expect(bobs_card.locator(".presence")).to_have_text("Online")
    b.keyboard.press("Escape")

    # Now friends: alice's card of bob offers Message, which opens their direct chat.
    a.keyboard.press("Escape")
    name.click()
    card.get_by_role("button", name="Message").click()
    expect(a.locator("#pane-title")).to_have_text("Bob")
    expect(a).to_have_url(re.compile(r"/c/\d+/$"))

    # Report a person and block them from the card.
    open_conversation(a, "Runners")
    row_of(a, "10k on Sunday").get_by_role("button", name="Bob").click()
    card.get_by_role("button", name="Report").click()
    report = a.get_by_role("dialog", name="Report a person")
    report.get_by_label("Pretending to be someone else").check()
    report.get_by_role("button", name="Send report").click()
    a.get_by_role("dialog", name="Report sent").get_by_role("button", name="Close").click()
    expect(card.get_by_role("button", name="Report")).to_be_focused()  # back in the card
    card.get_by_role("button", name="Block").click()
    expect(card.get_by_role("status")).to_have_text("Bob is blocked.")
    expect(card.get_by_role("button", name="Unblock")).to_be_visible()
    assert reports() == [("user", None, bob_user.id, "Pretending to be someone else")]
    assert blocked_by(alice_user) == {bob_user.id}
    assert alice.dialogs == ["confirm: " + alice.dialogs[0].split(": ", 1)[1]]


def test_block_from_the_member_list_and_from_an_incoming_friend_request(people):
    alice_user, bob_user = UserFactory(username="alice"), UserFactory(username="bob")
    dave = UserFactory(username="dave")
    room = public_room(bob_user, "Chess", alice_user)
    from friends import services as friends

    off_loop(lambda: friends.friend_request_send(actor=dave, username="alice"))
    a = people(alice_user).page
    a.goto(f"/c/{room}/")
    wait_connected(a)
    a.get_by_role("button", name="Details").click()
    members = a.get_by_role("list", name="Members")
    expect(members.locator(".person", has_text="Bob")).to_contain_text("owner")
    members.get_by_role("button", name="Block Bob").click()
    expect(members.get_by_role("button", name="Unblock Bob")).to_be_visible()
    expect(members.locator(".person", has_text="Bob")).to_contain_text("blocked")
    a.get_by_role("button", name="Close").click()

    a.goto("/friends/")
    wait_connected(a)
    a.locator("#incoming-list").get_by_role("button", name="Block dave").click()
    expect(a.locator("#incoming-list .person")).to_have_count(0)
    expect(a.locator("#blocked-list .person", has_text="Dave")).to_be_visible()
    assert blocked_by(alice_user) == {bob_user.id, dave.id}


def test_who_is_here_in_a_room_with_presence_and_roles_in_details(people, shots):
    alice_user, bob_user = UserFactory(username="alice"), UserFactory(username="bob")
    carol_user = UserFactory(username="carol")
    befriend(alice_user, bob_user)
    room = public_room(alice_user, "Study hall", bob_user, carol_user)
    alice, bob, carol = people(alice_user), people(bob_user), people(carol_user)
    a = alice.page
    a.goto(f"/c/{room}/")
    wait_connected(a)
    here = a.locator("#pane-viewers .here-count")
    expect(here).to_have_text("1 here now")
    for person in (bob, carol):
        person.page.goto(f"/c/{room}/")
        wait_connected(person.page)
    expect(here).to_have_text("3 here now")
    a.get_by_role("button", name=re.compile(r"^3 here now: you, (Bob, Carol|Carol, Bob)")).click()
    members = a.get_by_role("list", name="Members")
    expect(members.locator(".tag-here")).to_have_count(3)
    alice_row = members.locator(".person", has_text="Alice (you)")
    expect(alice_row).to_contain_text("owner")
    expect(members.locator(".person", has_text="Bob").locator(".presence")).to_have_text("online")
    expect(members.locator(".person", has_text="Carol").locator(".presence")).to_have_count(0)
    shots(a, "who-is-here.png")

    # Carol goes elsewhere: the list and the header follow, live.
    carol.page.goto("/friends/")
    expect(members.locator(".person", has_text="Carol").locator(".tag-here")).to_have_count(0)
    expect(here).to_have_text("2 here now")
    a.get_by_role("button", name="Close").click()
    expect(conv_item(a, "Study hall")).to_be_visible()
    expect(messages_with(a, "nothing")).to_have_count(0)

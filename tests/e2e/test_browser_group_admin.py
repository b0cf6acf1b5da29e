"""A group's administration in the web UI: real chromium, real daphne.

The owner promotes a member and bans another from a public room (who then cannot join it
again, until unbanned); an admin makes an invite link to a private group and a third person
joins through `/invite/<code>/`, logged out first. Everyone else sees the system lines
("Alice made Bob an admin", "Alice banned Carol", "Dave joined with an invite link") arrive
live. The owner also demotes an admin, changes the visibility and member limit, revokes a
link and hands ownership over (the others' open member lists follow live), and the new owner
deletes the group while the others watch. The member menu works by keyboard. Screenshots as
in test_browser.py ($CHAT_SCREENSHOTS_DIR refreshes docs/screenshots/).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from accounts.tests.factories import UserFactory
from tests.e2e import test_browser
from tests.e2e.test_browser import PASSWORD, befriend, off_loop, wait_connected

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

people = test_browser.people
shots = test_browser.shots


@pytest.fixture
def server(browser: Any, daphne_factory: Callable[..., Any]) -> Any:
    return daphne_factory(DJANGO_ALLOW_ASYNC_UNSAFE="")


def system_line(page: Page, text: str) -> Any:
    return page.locator("#message-list .system-line", has_text=text)


def member_row(page: Page, user_id: int) -> Any:
    return page.locator(
        f"#details-content .people:not(.ban-list) .person[data-user-id='{user_id}']"
    )


def test_promote_ban_and_the_banned_cannot_rejoin(people, shots):
    from conversations import services as conversations

    alice = UserFactory(username="alice", display_name="Alice", password=PASSWORD)
    bob = UserFactory(username="bob", display_name="Bob", password=PASSWORD)
    carol = UserFactory(username="carol", display_name="Carol", password=PASSWORD)
    befriend(alice, bob)
    room = off_loop(
        lambda: conversations.conversation_group_create(
            actor=alice, name="Lobby", member_user_ids=[bob.id], is_public=True
        )
    )
    off_loop(lambda: conversations.conversation_join(actor=carol, conversation_id=room.id))
    a, b, c = people(alice).page, people(bob).page, people(carol)
    for page in (a, b):
        page.goto(f"/c/{room.id}/")
        wait_connected(page)
    expect(system_line(b, "Carol joined")).to_have_count(1)  # stored: history shows it

    a.locator("#details-button").click()
    a.get_by_role("button", name="Manage Bob").click()
    a.get_by_role("menuitem", name="Make admin Bob").click()
    expect(member_row(a, bob.id).locator(".tag:not(.tag-here)")).to_have_text("admin")
    expect(system_line(b, "Alice made Bob an admin")).to_have_count(1)  # live for bob

    a.get_by_role("button", name="Manage Carol").click()
    a.get_by_role("menuitem", name="Ban Carol").click()  # the reason prompt is accepted
    expect(a.locator("#details-error")).to_have_text("")
    expect(member_row(a, carol.id)).to_have_count(0)
    expect(a.locator("#ban-list .person", has_text="Carol")).to_have_count(1)
    expect(system_line(b, "Alice banned Carol")).to_have_count(1)
    shots(a, "group-admin.png")

    c.page.goto("/rooms/")
    wait_connected(c.page)
    c.page.get_by_role("button", name="Join Lobby").click()
    expect(c.page.locator(".toast", has_text="banned")).to_be_visible()
    expect(c.page).to_have_url(re.compile(r"/rooms/$"))

    a.get_by_role("button", name="Unban Carol").click()
    expect(a.locator("#ban-list .person")).to_have_count(0)
    c.page.reload()
    c.page.get_by_role("button", name="Join Lobby").click()
    expect(c.page).to_have_url(re.compile(rf"/c/{room.id}/$"))


def test_an_invite_link_lets_a_third_person_join(people, shots):
    from conversations import services as conversations

    alice = UserFactory(username="alice", display_name="Alice", password=PASSWORD)
    bob = UserFactory(username="bob", display_name="Bob", password=PASSWORD)
    dave = UserFactory(username="dave", display_name="Dave", password=PASSWORD)
    befriend(alice, bob)
    team = off_loop(
        lambda: conversations.conversation_group_create(
            actor=alice, name="Team", member_user_ids=[bob.id]
        )
    )
    a, b = people(alice).page, people(bob).page
    for page in (a, b):
        page.goto(f"/c/{team.id}/")
        wait_connected(page)

    a.locator("#details-button").click()
    a.locator("#invite-expiry").select_option("86400")
    a.locator("#invite-uses").fill("5")
    a.get_by_role("button", name="Create link").click()
    link = a.locator("#invite-list .invite-url")
    expect(link).to_have_count(1)
    expect(a.locator("#invite-list .invite")).to_contain_text("0 of 5 uses")
    url = link.input_value()
    assert re.search(r"/invite/[A-Za-z0-9_-]+/$", url)
    shots(a, "invite-links.png")

    d = people().page  # logged out: the link goes to the login page and comes back
    d.goto(url)
    expect(d).to_have_url(re.compile(r"/accounts/login/\?next=/invite/"))
    d.get_by_label("Username").fill("dave")
    d.get_by_label("Password").fill(PASSWORD)
    d.get_by_role("button", name=re.compile("Log in", re.I)).click()
    expect(d.locator("#invite-name")).to_have_text("Team")
    expect(d.locator("#invite-meta")).to_have_text("Private group · 2 members")
    shots(d, "invite-page.png")
    d.get_by_role("button", name="Join").click()
    expect(d).to_have_url(re.compile(rf"/c/{team.id}/$"))
    expect(system_line(d, "Dave joined with an invite link")).to_have_count(1)
    for page in (a, b):  # live for those already in
        expect(system_line(page, "Dave joined with an invite link")).to_have_count(1)
    assert off_loop(lambda: team.memberships.filter(user=dave).exists())


def role_tag(page: Page, user_id: int) -> Any:
    return member_row(page, user_id).locator(".tag:not(.tag-here)")


def owner_admin_and_member(name: str) -> tuple[User, User, User, Any]:
    """Alice's group `name` with her friends: bob an admin, carol a member."""
    from conversations import services as conversations

    alice = UserFactory(username="alice", display_name="Alice", password=PASSWORD)
    bob = UserFactory(username="bob", display_name="Bob", password=PASSWORD)
    carol = UserFactory(username="carol", display_name="Carol", password=PASSWORD)
    befriend(alice, bob)
    befriend(alice, carol)

    def make() -> Any:
        crew = conversations.conversation_group_create(
            actor=alice, name=name, member_user_ids=[bob.id, carol.id]
        )
        conversations.conversation_member_role_set(
            actor=alice, conversation_id=crew.id, user_id=bob.id, role="admin"
        )
        return crew

    return alice, bob, carol, off_loop(make)


def test_demote_hand_over_settings_revoke_and_delete(people):
    """The rest of the owner's Details: "Make member" for an admin, the group's visibility
    and member limit, revoking an invite link (which then says so), "Make owner" (the old
    owner stays an admin; the others' lists follow live), and Delete group by the new owner,
    which the others see go."""
    alice, bob, carol, crew = owner_admin_and_member("Crew")
    alice_person = people(alice)
    a, b, c = alice_person.page, people(bob).page, people(carol).page
    for page in (a, b, c):
        page.goto(f"/c/{crew.id}/")
        wait_connected(page)
    b.locator("#details-button").click()  # bob watches the member list while it changes
    expect(role_tag(b, bob.id)).to_have_text("admin")

    # Make member: bob is an admin no longer, in alice's list and live in bob's.
    a.locator("#details-button").click()
    a.get_by_role("button", name="Manage Bob").click()
    expect(a.get_by_role("menuitem", name="Make admin Bob")).to_have_count(0)
    a.get_by_role("menuitem", name="Make member Bob").click()
    expect(role_tag(a, bob.id)).to_have_count(0)
    expect(a.locator(".toast", has_text="Bob is a member now.")).to_be_visible()
    expect(system_line(c, "Alice made Bob a member")).to_have_count(1)
    expect(role_tag(b, bob.id)).to_have_count(0)
    expect(b.locator("#invite-list")).to_have_count(0)  # a member has no admin sections

    # Visibility and member limit: a public room of at most 5; the headers follow.
    a.locator("#details-visibility").select_option("true")
    a.locator("#details-limit").fill("2")  # fewer than the 3 members: refused, and said
    a.get_by_role("button", name="Save settings").click()
    expect(a.locator("#details-error")).to_contain_text("already has 3 members")
    a.locator("#details-limit").fill("5")
    a.get_by_role("button", name="Save settings").click()
    expect(a.locator(".toast", has_text="Settings saved.")).to_be_visible()
    expect(a.locator("#details-error")).to_have_text("")
    expect(a.locator("#details-content h3", has_text="Members")).to_have_text("Members (3 of 5)")
    expect(a.locator("#details-visibility")).to_have_value("true")
    expect(a.locator("#details-limit")).to_have_value("5")
    for page in (a, c):
        expect(page.locator("#pane-sub")).to_have_text("Public room · 3 members")
    saved = off_loop(lambda: type(crew).objects.get(pk=crew.pk))
    assert (saved.is_public, saved.max_participants) == (True, 5)

    # An invite link, revoked: gone from the list, and the link says it was revoked.
    a.get_by_role("button", name="Create link").click()
    link = a.locator("#invite-list .invite-url")
    expect(link).to_have_count(1)
    url = link.input_value()
    code = a.locator("#invite-list .invite").get_attribute("data-code")
    a.get_by_role("button", name=f"Revoke link {code}").click()
    expect(a.locator("#invite-list .invite")).to_have_count(0)
    expect(a.locator("#invite-list")).to_have_text("No invite links.")
    visitor = people(UserFactory(username="dave", password=PASSWORD)).page
    visitor.goto(url)
    expect(visitor.locator("#invite-error")).to_have_text("This invite link was revoked.")
    expect(visitor.locator("#invite-join")).to_be_hidden()

    # Make owner (confirmed): carol owns the group, alice stays an admin; bob's list and
    # carol's own page follow live.
    a.get_by_role("button", name="Manage Carol").click()
    a.get_by_role("menuitem", name="Make owner Carol").click()
    expect(a.locator(".toast", has_text="Carol is the owner now.")).to_be_visible()
    assert any("Make Carol the owner?" in d for d in alice_person.dialogs)
    expect(role_tag(a, carol.id)).to_have_text("owner")
    expect(role_tag(a, alice.id)).to_have_text("admin")
    expect(a.get_by_role("button", name="Delete group")).to_have_count(0)  # owners only
    expect(a.get_by_role("button", name="Manage Carol")).to_have_count(0)
    expect(system_line(b, "Carol is now the owner")).to_have_count(1)
    expect(role_tag(b, carol.id)).to_have_text("owner")
    expect(role_tag(b, alice.id)).to_have_text("admin")

    # Delete group, by its new owner (confirmed): everyone else sees it go.
    a.locator("#details-dialog").get_by_role("button", name="Close").click()
    b.locator("#details-dialog").get_by_role("button", name="Close").click()
    c.locator("#details-button").click()
    c.get_by_role("button", name="Delete group").click()
    expect(c).to_have_url(re.compile(r"/$"))
    for page in (a, b):
        expect(page.locator("#pane-notice")).to_have_text("This conversation was deleted.")
        expect(page.locator("#composer")).to_be_hidden()
    for page in (a, b, c):
        expect(page.locator("#conv-list .conv-item", has_text="Crew")).to_have_count(0)
    assert not off_loop(lambda: type(crew).objects.filter(pk=crew.pk).exists())


def test_the_member_menu_works_by_keyboard_and_stays_open_while_the_list_changes(people):
    """The owner's member menu is a real menu: Enter or the arrows open it on its first
    item, the arrows (wrapping), Home and End move, Escape closes it and gives the focus
    back to its button without closing Details. It stays open, on the same item, when the
    member list is drawn again under it (someone comes in)."""
    from conversations import services as conversations

    alice = UserFactory(username="alice", display_name="Alice", password=PASSWORD)
    bob = UserFactory(username="bob", display_name="Bob", password=PASSWORD)
    carol = UserFactory(username="carol", display_name="Carol", password=PASSWORD)
    befriend(alice, bob)
    befriend(alice, carol)
    crew = off_loop(
        lambda: conversations.conversation_group_create(
            actor=alice, name="Crew", member_user_ids=[bob.id, carol.id]
        )
    )
    a = people(alice).page
    a.goto(f"/c/{crew.id}/")
    wait_connected(a)
    a.locator("#details-button").click()
    details = a.locator("#details-dialog")
    manage = a.get_by_role("button", name="Manage Bob")
    menu = a.get_by_role("menu", name="Manage Bob")
    manage.focus()
    expect(manage).to_have_attribute("aria-expanded", "false")

    a.keyboard.press("Enter")
    expect(menu).to_be_visible()
    expect(manage).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("menuitem")).to_have_text(["Make admin", "Make owner", "Ban"])
    expect(menu.get_by_role("menuitem", name="Make admin Bob")).to_be_focused()
    a.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="Make owner Bob")).to_be_focused()
    a.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="Ban Bob")).to_be_focused()
    a.keyboard.press("ArrowDown")  # wraps round
    expect(menu.get_by_role("menuitem", name="Make admin Bob")).to_be_focused()
    a.keyboard.press("ArrowUp")
    expect(menu.get_by_role("menuitem", name="Ban Bob")).to_be_focused()
    a.keyboard.press("Home")
    expect(menu.get_by_role("menuitem", name="Make admin Bob")).to_be_focused()
    a.keyboard.press("End")
    expect(menu.get_by_role("menuitem", name="Ban Bob")).to_be_focused()

    a.keyboard.press("Escape")
    expect(menu).to_have_count(0)
    expect(manage).to_be_focused()
    expect(manage).to_have_attribute("aria-expanded", "false")
    expect(details).to_be_visible()  # Escape closed the menu, not the dialog

    # The arrows open it too; carol coming in redraws the list under it.
    a.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="Make admin Bob")).to_be_focused()
    a.keyboard.press("ArrowDown")
    c = people(carol).page
    c.goto(f"/c/{crew.id}/")
    wait_connected(c)
    expect(member_row(a, carol.id).locator(".tag-here")).to_have_count(1)  # redrawn
    expect(menu).to_be_visible()
    expect(menu.get_by_role("menuitem", name="Make owner Bob")).to_be_focused()
    expect(manage).to_have_attribute("aria-expanded", "true")
    a.keyboard.press("ArrowUp")
    a.keyboard.press("Enter")  # Make admin
    expect(member_row(a, bob.id).locator(".tag:not(.tag-here)")).to_have_text("admin")
    expect(menu).to_have_count(0)
    expect(details).to_be_visible()


def test_role_tags_in_a_vietnamese_member_list(people):
    """The member list's role tags are words of the page's language, not the API's role
    names ("owner" and "admin" showed in English in the Vietnamese UI)."""
    alice, bob, carol, crew = owner_admin_and_member("Nhóm")
    a = people(alice, locale="vi-VN").page
    a.goto(f"/c/{crew.id}/")
    wait_connected(a)
    a.locator("#details-button").click()
    expect(role_tag(a, alice.id)).to_have_text("chủ nhóm")
    expect(role_tag(a, bob.id)).to_have_text("quản trị viên")
    expect(role_tag(a, carol.id)).to_have_count(0)

"""A group's administration in the web UI: real chromium, real daphne.

The owner promotes a member and bans another from a public room (who then cannot join it
again, until unbanned); an admin makes an invite link to a private group and a third person
joins through `/invite/<code>/`, logged out first. Everyone else sees the system lines
("Alice made Bob an admin", "Alice banned Carol", "Dave joined with an invite link") arrive
live. Screenshots as in test_browser.py ($CHAT_SCREENSHOTS_DIR refreshes docs/screenshots/).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

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

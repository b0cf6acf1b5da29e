"""A moderator handles a grouped report end to end in a real browser (daphne, chromium).

Two members report the same message; the queue shows one case of two reports; the
moderator opens the report's page (the conversation around the message, the case, the
reported user's and the reporter's records), redacts through the confirmation page with
a required reason, and both reporters are told in their bell, live, that action was
taken — without the sanction or the moderator's name. Screenshots as in test_browser.py
($CHAT_SCREENSHOTS_DIR=docs/screenshots refreshes report-case.png and sanction-confirm.png).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts.models import Notification
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conversations.tests.factories import group_with
from messaging import services
from messaging.models import Message, Report
from messaging.tests.factories import MessageFactory
from tests.e2e import test_browser
from tests.e2e.test_browser import off_loop, wait_connected

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

people = test_browser.people
shots = test_browser.shots


def _moderators() -> Group:
    """The group as the data migrations make it (a transactional test's flush drops it)."""
    import_module("messaging.migrations.0006_moderators_group").create_group(django_apps, None)
    import_module("messaging.migrations.0013_moderators_sanctions").grant(django_apps, None)
    return Group.objects.get(name="moderators")


def _world() -> dict[str, Any]:
    alice, carol, dave = (UserFactory(username=name) for name in ("alice", "carol", "dave"))
    mod = UserFactory(username="mod", is_staff=True)
    mod.groups.add(_moderators())
    hike = group_with(alice, carol, dave, name="Weekend hike")
    MessageFactory(conversation=hike, sender=alice, content="Saturday 8:00 at the station?")
    rude = MessageFactory(conversation=hike, sender=carol, content="Only idiots get up at 8.")
    MessageFactory(conversation=hike, sender=dave, content="Carol, please.")
    first = services.message_report(actor=alice, message_id=rude.id, reason="Insulting.")
    second = services.message_report(actor=dave, message_id=rude.id, reason="Rude to alice.")
    return {"alice": alice, "dave": dave, "mod": mod, "rude": rude, "reports": [first, second]}


def test_a_moderator_handles_a_grouped_report(people, shots, server: Any) -> None:
    world = off_loop(_world)
    alice_tab = people(world["alice"])
    alice_tab.page.goto("/")
    wait_connected(alice_tab.page)

    moderator = people(viewport={"width": 1500, "height": 900})
    page = moderator.page
    page.goto("/admin/login/?next=/admin/messaging/report/")
    page.fill("#id_username", "mod")
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("input[type=submit]")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)  # the queue opens on "Open"
    expect(page.locator("#changelist-filter")).to_contain_text("Open (2)")
    expect(rows.first).to_contain_text("2 reports")  # one case

    first = world["reports"][0]
    page.click(f'#result_list a[href$="/messaging/report/{first.id}/change/"]')
    expect(page.locator("#report-context tr.reported-message")).to_contain_text(
        "Only idiots get up at 8."
    )
    expect(page.locator("#report-case")).to_contain_text("This case: 2 reports")
    expect(page.locator("#report-case")).to_contain_text("dave")
    expect(page.locator("#reported-user-record")).to_contain_text("carol")
    expect(page.locator("#reporter-record")).to_contain_text("alice")
    shots(page, "report-case.png")

    # Redact from the report's own page: a confirmation page first, the reason required.
    page.select_option("select[name='CHANGE_FORM-action']", "redact_and_resolve")
    page.click("button[name=index]")
    expect(page.locator("#sanction-effect")).to_contain_text("disappear")
    page.click("#sanction-confirm")  # no reason yet
    expect(page.locator(".field-reason")).to_contain_text("This field is required.")
    page.fill("textarea[name=reason]", "Insult in a group chat")
    shots(page, "sanction-confirm.png")
    page.click("#sanction-confirm")
    expect(page.locator(".messagelist")).to_contain_text("Redacted and resolved 1 case(s).")

    def check() -> None:
        rude = Message.objects.get(pk=world["rude"].pk)
        assert rude.is_deleted
        assert set(Report.objects.values_list("status", flat=True)) == {"resolved"}
        told = Notification.objects.filter(type="report_handled")
        assert sorted(told.values_list("recipient__username", "outcome")) == [
            ("alice", "action_taken"),
            ("dave", "action_taken"),
        ]

    off_loop(check)
    # Alice hears it live in her bell: the outcome only.
    expect(alice_tab.page.locator("#bell-count")).to_have_text("1")
    alice_tab.page.locator("#bell-button").click()
    item = alice_tab.page.locator("#bell-list [data-type=report_handled]")
    expect(item).to_contain_text("took action")
    expect(alice_tab.page.locator("#bell-list")).not_to_contain_text("mod")
    expect(alice_tab.page.locator("#bell-list")).not_to_contain_text("redact")
    shots(alice_tab.page, "report-handled-bell.png")

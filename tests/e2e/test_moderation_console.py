"""The moderators' console in a real browser against a real server (daphne).

A moderator (staff + the `moderators` group) logs in to /admin/, opens the report queue,
reads a report with the conversation around the reported message (the only way staff read a
private group: its messages are hidden in the message admin), and redacts the message from
the queue. With CHAT_SCREENSHOTS_DIR=docs/screenshots the queue and the report's page are
saved as report-queue.png and report-page.png for docs/moderation.md.
"""

from __future__ import annotations

import os
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from playwright.sync_api import Browser, expect

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conversations.tests.factories import group_with
from messaging import selectors, services
from messaging.models import Message, Report
from messaging.tests.factories import MessageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _moderators_group() -> Group:
    """The group as the data migration makes it. Earlier transactional tests flush the
    database (migration data included), so run the migration's function again."""
    import_module("messaging.migrations.0006_moderators_group").create_group(django_apps, None)
    return Group.objects.get(name="moderators")


def _reports() -> tuple[Message, Report]:
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    carol = UserFactory(username="carol")
    moderator = UserFactory(username="mod", is_staff=True)
    moderator.groups.add(_moderators_group())
    team = group_with(alice, bob, carol, name="Book club")
    MessageFactory(conversation=team, sender=carol, content="Next book: Middlemarch?")
    MessageFactory(conversation=team, sender=alice, content="I'd love that, I can host on Friday.")
    rude = MessageFactory(conversation=team, sender=bob, content="Nobody wants you here, alice.")
    MessageFactory(conversation=team, sender=carol, content="Bob, that is not OK.")
    spam = MessageFactory(
        conversation=team, sender=carol, content="BUY CHEAP WATCHES at spam.example"
    )
    report = services.message_report(
        actor=alice, message_id=rude.id, reason="Insulting me in the group."
    )
    services.message_report(actor=bob, message_id=spam.id, reason="Spam link.")
    services.message_report(actor=alice, message_id=spam.id, reason="Advertising.")
    handled = services.user_report(actor=carol, user_id=bob.id, reason="Keeps messaging me.")
    services.report_dismiss(actor=moderator, report_id=handled.id, note="friendly banter")
    services.user_report(actor=alice, user_id=bob.id, reason="Harasses people in every room.")
    return rude, report


def test_moderator_works_the_report_queue(browser: Browser, server: Any, tmp_path: Path) -> None:
    rude, report = _reports()
    context = browser.new_context(viewport={"width": 1600, "height": 640})
    page = context.new_page()
    page.goto(f"{server.url}/admin/login/?next=/admin/messaging/report/")
    page.fill("#id_username", "mod")
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#result_list")).to_be_visible()
    # The queue opens on the open reports (the dismissed one is under "All").
    expect(page.locator("#result_list tbody tr")).to_have_count(4)
    expect(page.locator("#result_list")).to_contain_text("Nobody wants you here")

    page.click("#toggle-nav-sidebar")  # room for every column of the queue
    shots = Path(os.environ.get("CHAT_SCREENSHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.mouse.move(0, 0)
    page.screenshot(path=str(shots / "report-queue.png"))

    # The report's page: the reported message with the conversation around it. The group is
    # private, so this is the only place its messages are shown to the moderator.
    page.click(f'#result_list a[href$="/messaging/report/{report.id}/change/"]')
    context_table = page.locator("#report-context")
    expect(context_table).to_contain_text("I'd love that, I can host on Friday.")
    expect(context_table.locator("tr.reported-message")).to_contain_text(
        "Nobody wants you here, alice."
    )
    expect(context_table).to_contain_text("Bob, that is not OK.")
    page.locator("#report-context").scroll_into_view_if_needed()
    page.mouse.move(0, 0)
    page.screenshot(path=str(shots / "report-page.png"), full_page=True)
    page.goto(f"{server.url}/admin/messaging/message/{rude.id}/change/")
    expect(page.locator(".field-text")).to_contain_text(selectors.PRIVATE_PLACEHOLDER)
    expect(page.locator("#content")).not_to_contain_text("Nobody wants you here")
    page.goto(f"{server.url}/admin/messaging/report/")

    # Redact the insult straight from the queue: the message is deleted for everyone.
    row = page.locator("#result_list tbody tr", has_text="Nobody wants you here")
    row.locator("input.action-select").check()
    page.select_option("select[name=action]", "redact_and_resolve")
    page.click("button[name=index]")
    # A sanction is confirmed on its own page, with a required reason.
    expect(page.locator("#sanction-targets")).to_contain_text(f"Report #{report.id}")
    page.fill("textarea[name=reason]", "insult")
    page.click("#sanction-confirm")
    expect(page.locator(".messagelist")).to_contain_text("Redacted and resolved 1 case(s).")
    rude.refresh_from_db()
    assert rude.is_deleted
    context.close()

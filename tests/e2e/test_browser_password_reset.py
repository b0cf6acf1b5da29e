"""A forgotten password in the web UI: real chromium, real daphne, a real SMTP server.

"Forgot password?" on the login page → the address → the mail (read from the local SMTP
server) → a new password → logging in with it; the link then says it is used. Screenshots
as in test_browser.py ($CHAT_SCREENSHOTS_DIR refreshes docs/screenshots/).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from tests.e2e import mail_sink as mail_sink_module
from tests.e2e import test_browser
from tests.e2e.mail_sink import MailSink, body_of
from tests.e2e.test_browser import wait_connected

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

people = test_browser.people
shots = test_browser.shots
mail_sink = mail_sink_module.mail_sink

NEW = "a-Brand-new-passw0rd!"
LINK = re.compile(r"https?://[^/\s]+(/accounts/password/reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def server(browser: Any, daphne_factory: Callable[..., Any], mail_sink: MailSink) -> Any:
    """test_browser.py's server, its mail going to the local SMTP server (tasks inline:
    the worker itself is tests/e2e/test_task_worker.py's subject)."""
    return daphne_factory(
        DJANGO_ALLOW_ASYNC_UNSAFE="", EMAIL_URL=mail_sink.url, TASKS_BACKEND="immediate"
    )


def test_forgot_password_mail_new_password_login(people, shots, mail_sink):
    UserFactory(username="dana", email="dana@example.com", display_name="Dana")
    page = people().page
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot password?").click()
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    page.get_by_label("Email").fill("dana@example.com")
    shots(page, "password-reset-ask.png")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/password/reset/sent/$"))
    shots(page, "password-reset-sent.png")

    (mail,) = mail_sink.wait_for("dana@example.com")
    path = LINK.search(body_of(mail)).group(1)
    page.goto(path)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.locator("#id_new_password1").fill(NEW)
    page.locator("#id_new_password2").fill(NEW)
    shots(page, "password-reset-new.png")
    page.get_by_role("button", name="Change my password").click()
    expect(page.get_by_role("heading", name="Password changed")).to_be_visible()
    page.get_by_role("link", name="Log in").click()

    page.get_by_label("Username").fill("dana")
    page.get_by_label("Password").fill(NEW)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))
    wait_connected(page)

    # The link worked once.
    page.goto(path)
    expect(page.get_by_role("heading", name="This link does not work")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("already used")


def test_an_unknown_address_gets_the_same_page_and_no_mail(people, mail_sink):
    page = people().page
    page.goto("/accounts/password/reset/")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    page.wait_for_timeout(500)
    assert mail_sink.messages == []


def test_the_unread_digest_is_switched_off_in_settings(people, shots):
    from accounts.models import User

    dana = UserFactory(username="dana", email="dana@example.com")
    page = people(dana).page
    page.goto("/accounts/settings/")
    switch = page.get_by_label("Email me unread direct messages and mentions")
    expect(switch).to_be_checked()
    switch.uncheck()
    expect(page.locator("#email-digest-status")).to_have_text(
        "No more emails about unread messages."
    )
    section = page.get_by_role("region", name="Email notifications")
    section.scroll_into_view_if_needed()
    shots(page, "settings-email-notifications.png")
    assert User.objects.get(pk=dana.pk).email_digest is False
    page.reload()
    expect(page.get_by_label("Email me unread direct messages and mentions")).not_to_be_checked()

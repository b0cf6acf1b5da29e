"""Leaving and signing in safely, in the web UI: real chromium, real daphne.

Export your data (click, wait for it to be ready, download the file and read it), delete
the account (a dialog asks for the password; logged out at once, the password no longer
works, a friend's page drops the person live), turn on two-factor sign-in (scan — here:
read — the key, type a real TOTP code) and log in with a code after the password.
"""

from __future__ import annotations

import json
import re
import time
from base64 import b32decode
from typing import Any

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.e2e import test_browser
from tests.e2e.test_browser import befriend, wait_connected

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

people = test_browser.people
shots = test_browser.shots


def totp_code(secret: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for this key (RFC 6238, 30 s, 6 digits)."""
    totp = TOTP(b32decode(secret), step=30, t0=0, digits=6, drift=0)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def log_in(page: Page, username: str, password: str = DEFAULT_PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_export_my_data_and_download_it(people: Any, shots: Any) -> None:
    alice = people(UserFactory(username="alice", display_name="Alice", bio="Hello"))
    page = alice.page
    page.goto("/accounts/settings/")
    wait_connected(page)
    page.get_by_role("button", name="Request my data").click()
    ready = page.locator("#export-list li[data-status=ready]")
    expect(ready).to_have_count(1, timeout=20_000)
    expect(page.locator("#export-status")).to_have_text("Your data is ready.")
    link = ready.locator("a.export-download")
    expect(link).to_contain_text("Download (")
    shots(page, "settings-export.png")
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert re.fullmatch(r"chat-export-alice-\d{4}-\d\d-\d\d\.json", download.suggested_filename)
    with open(download.path(), encoding="utf-8") as handle:
        data = json.load(handle)
    assert data["profile"]["username"] == "alice"
    assert data["profile"]["bio"] == "Hello"
    # the notification bell says so too
    expect(page.locator("#bell-count")).to_have_text("1")


def test_delete_my_account_with_the_password(people: Any, shots: Any) -> None:
    alice_user = UserFactory(username="alice", display_name="Alice")
    bob_user = UserFactory(username="bob", display_name="Bob")
    befriend(alice_user, bob_user)
    bob = people(bob_user)
    bob.page.goto("/friends/")
    wait_connected(bob.page)
    expect(bob.page.locator("main")).to_contain_text("Alice")

    alice = people(alice_user)
    page = alice.page
    page.goto("/accounts/settings/")
    wait_connected(page)
    page.get_by_role("button", name="Delete my account…").click()
    dialog = page.locator("#delete-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Password").fill("not-the-password")
    dialog.get_by_role("button", name="Delete my account").click()
    expect(page.locator("#delete-error")).to_have_text("The password is incorrect.")
    wait_connected(page)  # a refused deletion gives the page its live connection back
    shots(page, "settings-delete-dialog.png")
    dialog.get_by_label("Password").fill(DEFAULT_PASSWORD)
    dialog.get_by_role("button", name="Delete my account").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?deleted=1$"))
    expect(page.locator("#account-deleted")).to_be_visible()
    # logged out: the app sends us back to the login
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    log_in(page, "alice")
    expect(page.locator("form")).to_contain_text("Please enter a correct")
    # bob's friends page dropped her without a reload
    expect(bob.page.locator("main")).not_to_contain_text("Alice", timeout=10_000)


def test_two_factor_enrolment_and_login_with_a_code(people: Any, shots: Any) -> None:
    alice = people(UserFactory(username="alice", display_name="Alice"))
    page = alice.page
    page.goto("/accounts/settings/")
    expect(page.locator("#two-factor-status")).to_contain_text("Off")
    page.get_by_role("link", name="Manage two-factor sign-in").click()
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    expect(page.locator("#totp-qr")).to_be_visible()
    shots(page, "two-factor-enrol.png")
    secret = page.locator("#totp-secret").inner_text().strip()
    page.locator("#id_code").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.goto("/accounts/settings/")
    expect(page.locator("#two-factor-status")).to_contain_text("On")
    page.get_by_role("button", name="Log out").first.click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    log_in(page, "alice")
    expect(page).to_have_url(re.compile(r"/accounts/login/code/"))
    page.locator("#id_code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("form")).to_contain_text("That code is not valid")
    time.sleep(1.2)  # django-otp throttles the next try by a second after a wrong one
    page.locator("#id_code").fill(totp_code(secret, 1))  # the one shown was used
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(re.compile(r"/$"))
    wait_connected(page)

"""The Content-Security-Policy in a real browser.

Every browser test fails on a violation (the `browser` fixture watches every context);
the first test here shows that the watch sees one and that the policy blocks inline
code. The interactive docs (/api/docs/, Swagger UI) and DRF's browsable API (/api/) are
used by people too: they must work under the policy and load nothing from another host.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import expect

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conversations.models import Conversation
from tests.e2e.test_browser import session_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_policy_blocks_inline_script_and_the_watch_reports_it(browser: Any, server: Any):
    context = browser.new_context(base_url=server.url)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
        }"""
    )
    deadline = time.monotonic() + 10
    while not browser.csp.problems and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert page.evaluate("window.injected") is None  # it never ran
    problems, browser.csp.problems[:] = list(browser.csp.problems), []
    assert any("'directive': 'script-src-elem'" in problem for problem in problems), problems
    context.close()


def test_api_docs_run_a_request_loading_everything_from_us(
    browser: Any, server: Any, tmp_path: Path
) -> None:
    alice = UserFactory(username="alice")
    context = browser.new_context(base_url=server.url, viewport={"width": 1200, "height": 900})
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session_for(alice), "url": server.url}]
    )
    requested: list[str] = []
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Chat server API")

    # Try GET /api/auth/me from the docs: Swagger UI calls the API with the session.
    operation = page.locator("#operations-auth-auth_me_retrieve")
    operation.locator(".opblock-summary-control").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    live = operation.locator(".live-responses-table tbody .response-col_status")
    expect(live).to_have_text("200")
    expect(operation.locator(".live-responses-table")).to_contain_text('"username": "alice"')
    live.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "api-docs.png"))

    elsewhere = [url for url in requested if not url.startswith(server.url + "/")]
    assert elsewhere == []
    assert any("/static/drf_spectacular_sidecar/" in url for url in requested)
    context.close()


def test_browsable_api_login_post_and_logout(browser: Any, server: Any, tmp_path: Path) -> None:
    UserFactory(username="alice")
    context = browser.new_context(base_url=server.url, viewport={"width": 1200, "height": 900})
    page = context.new_page()

    # Not logged in: the browsable API offers our login page and comes back after it.
    page.goto("/api/conversations/")
    expect(page.locator(".response-info")).to_contain_text("HTTP 401")
    # The navbar's link (the 401 page's login help has one too).
    page.locator(".navbar").get_by_role("link", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/api-auth/login/\?next=/api/conversations/$"))
    page.get_by_label("Username or email").fill("alice")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/api/conversations/$"))
    expect(page.locator(".response-info")).to_contain_text("HTTP 200 OK")

    # DRF's scripts (tabs, the raw-data form, CSRF) work: create a group from the form.
    page.get_by_role("link", name="Raw data").click()
    page.locator("#id__content").fill('{"type": "group", "name": "Made in the browsable API"}')
    page.locator("#post-generic-content-form").get_by_role("button", name="POST").click()
    expect(page.locator(".response-info")).to_contain_text("HTTP 201 Created")
    expect(page.locator(".response-info")).to_contain_text("Made in the browsable API")
    assert Conversation.objects.filter(name="Made in the browsable API").count() == 1
    page.screenshot(path=str(tmp_path / "browsable-api.png"))

    # The navbar's logout is a form button (no inline handler) and ends the session.
    page.get_by_role("button", name="Log out").click()
    expect(page.locator(".navbar").get_by_role("link", name="Log in")).to_be_visible()
    page.goto("/api/conversations/")
    expect(page.locator(".response-info")).to_contain_text("HTTP 401")
    context.close()

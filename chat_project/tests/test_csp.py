"""The Content-Security-Policy: on every HTML page, strict, and nothing inline it would block.

The browser tests (tests/e2e) fail on any violation a page really causes; these check
the header and the markup of every kind of page without a browser: app pages, account
pages, the API docs, the browsable API and the admin.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client
from django.utils.csp import CSP, build_policy

from accounts.tests.factories import UserFactory
from conversations import services as conversations_services
from conversations.tests.factories import group_with
from messaging import services as messaging_services

pytestmark = pytest.mark.django_db

ANONYMOUS_PAGES = [
    "/accounts/login/",
    "/accounts/register/",
    "/accounts/password/reset/",
    "/accounts/password/reset/sent/",
    "/accounts/password/reset/done/",
    "/api-auth/login/",
    "/api/docs/",
    "/api/conversations/",  # the browsable API's 401
    "/admin/login/",
    "/no-such-page/",
]
USER_PAGES = [
    "/",
    "/c/{conversation_id}/",
    "/friends/",
    "/rooms/",
    "/wallet/",
    "/invite/{invite_code}/",
    "/accounts/settings/",
    "/accounts/two-factor/",
    "/api/",
    "/api/conversations/",
    "/api/conversations/{conversation_id}/",
    "/api/messages/conversation/{conversation_id}",
    "/api/auth/me",
    "/api/docs/",
]
STAFF_PAGES = [
    "/admin/",
    "/admin/messaging/report/",
    "/admin/messaging/message/",
    "/admin/accounts/user/",
    "/admin/accounts/user/{user_id}/change/",
    "/admin/conversations/conversation/{conversation_id}/change/",
    "/admin/messaging/report/{report_id}/change/",  # with the conversation around it
    "/admin/payments/transfer/",
    "/admin/payments/wallet/issue/",
    "/admin/payments/wallet/integrity/",
]


class InlineCode(HTMLParser):
    """Collects what a policy without 'unsafe-inline' blocks: inline scripts, event-handler
    attributes, style attributes, <style> blocks without a nonce; and the nonces used."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []
        self.nonces: set[str] = set()
        self._in_inline_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("nonce"):
            self.nonces.add(attributes["nonce"])
        for name in attributes:
            if name.startswith("on"):
                self.blocked.append(f"<{tag} {name}=...>")
        if "style" in attributes:
            self.blocked.append(f"<{tag} style={attributes['style']!r}>")
        if tag == "style" and not attributes.get("nonce"):
            self.blocked.append("<style> without a nonce")
        data_block = attributes.get("type") in ("application/json", "application/ld+json")
        self._in_inline_script = tag == "script" and "src" not in attributes and not data_block

    def handle_data(self, data: str) -> None:
        if self._in_inline_script and data.strip():
            self.blocked.append(f"inline <script>: {data.strip()[:60]!r}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_inline_script = False


@pytest.fixture
def site() -> dict[str, object]:
    user = UserFactory(username="alice")
    staff = UserFactory(username="root", is_staff=True, is_superuser=True)
    friend = UserFactory(username="bob")
    conversation = group_with(user, friend, name="Book club")
    message, _ = messaging_services.message_send(
        actor=friend, conversation_id=conversation.id, content="hello"
    )
    report = messaging_services.message_report(actor=user, message_id=message.id, reason="spam")
    invite = conversations_services.conversation_invite_create(
        actor=user, conversation_id=conversation.id
    )
    return {
        "invite_code": invite.code,
        "user": user,
        "staff": staff,
        "conversation_id": conversation.id,
        "user_id": user.id,
        "report_id": report.id,
    }


def _pages(site: dict[str, object]) -> list[tuple[object | None, str]]:
    fill = {key: site[key] for key in ("conversation_id", "user_id", "report_id", "invite_code")}
    return (
        [(None, url) for url in ANONYMOUS_PAGES]
        + [(site["user"], url.format(**fill)) for url in USER_PAGES]
        + [(site["staff"], url.format(**fill)) for url in STAFF_PAGES]
    )


def _get_html(who: object | None, url: str):
    client = Client()
    if who is not None:
        client.force_login(who)
    response = client.get(url, HTTP_ACCEPT="text/html")
    assert response["Content-Type"].startswith("text/html"), (url, response["Content-Type"])
    return response


def test_the_policy_is_strict():
    policy = build_policy(settings.SECURE_CSP)
    directives = dict(part.split(" ", 1) for part in policy.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"  # plus a nonce on pages that ask for one
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    for unsafe in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "http", "*"):
        assert unsafe not in policy


def test_every_html_page_has_the_policy_and_nothing_inline_it_would_block(site):
    expected = build_policy(settings.SECURE_CSP)
    checked = 0
    for who, url in _pages(site):
        response = _get_html(who, url)
        assert response.status_code in (200, 401, 403, 404), (url, response.status_code)
        header = response.get("Content-Security-Policy")
        # A page whose template used a nonce carries it in style-src; otherwise the header
        # is exactly the configured policy.
        assert header is not None, url
        assert re.sub(r" 'nonce-[^']+'", "", header) == expected, (url, header)
        markup = InlineCode()
        markup.feed(response.content.decode())
        assert markup.blocked == [], (url, markup.blocked)
        for nonce in markup.nonces:
            assert f"'nonce-{nonce}'" in header, (url, nonce)
        checked += 1
    assert checked == len(ANONYMOUS_PAGES) + len(USER_PAGES) + len(STAFF_PAGES)


def test_the_csrf_failure_page_style_is_allowed_by_its_nonce():
    """Django's own pages put their inline <style> under the request's nonce: that is why
    style-src carries CSP.NONCE (a nonce reaches the header only when a page used one)."""
    assert CSP.NONCE in settings.SECURE_CSP["style-src"]
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x"})
    assert response.status_code == 403
    markup = InlineCode()
    markup.feed(response.content.decode())
    assert markup.blocked == [] and len(markup.nonces) == 1
    (nonce,) = markup.nonces
    assert f"style-src 'self' 'nonce-{nonce}'" in response["Content-Security-Policy"]

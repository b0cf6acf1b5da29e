"""Languages in a real browser: a Vietnamese Chromium (locale vi-VN, a Vietnamese time zone)
gets the Vietnamese web UI, dates and times in Vietnamese and in its own time zone; the
settings page switches the language and the choice sticks; an English browser gets English.
Screenshots as in test_browser.py ($CHAT_SCREENSHOTS_DIR refreshes docs/screenshots/).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from accounts.models import User
from accounts.tests.factories import UserFactory
from tests.e2e import test_browser
from tests.e2e.test_browser import befriend, conv_item, direct_chat, off_loop, wait_connected

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

people = test_browser.people
shots = test_browser.shots

VIETNAM = "Asia/Ho_Chi_Minh"  # UTC+7, no summer time
# 20:30 UTC on 14 March is 03:30 on 15 March in Vietnam: the day and the clock the page
# shows prove it formats in the browser's time zone, not the server's (UTC).
EARLY = datetime(2026, 3, 14, 20, 30, tzinfo=UTC)


@pytest.fixture
def server(browser: Any, daphne_factory: Callable[..., Any]) -> Any:
    return daphne_factory(DJANGO_ALLOW_ASYNC_UNSAFE="")


def conversation_with_history(alice: User, bob: User) -> int:
    """A direct chat with one old message (EARLY) and one from now."""
    from messaging.models import Message
    from messaging.services import message_send

    befriend(alice, bob)
    conversation_id = direct_chat(alice, bob)

    def work() -> None:
        old, _ = message_send(actor=bob, conversation_id=conversation_id, content="Chào Alice!")
        Message.objects.filter(pk=old.pk).update(created_at=EARLY)
        message_send(actor=alice, conversation_id=conversation_id, content="Chào Bob, khỏe không?")

    off_loop(work)
    return conversation_id


def open_chat(page: Page, title: str) -> None:
    page.goto("/")
    wait_connected(page)
    conv_item(page, title).click()
    expect(page.locator("#pane-title")).to_have_text(title)


def test_a_vietnamese_browser_gets_the_vietnamese_ui(people, shots):
    alice = UserFactory(username="alice", display_name="Alice")
    bob = UserFactory(username="bob", display_name="Bình")
    conversation_with_history(alice, bob)

    # Before logging in: the login page.
    stranger = people(locale="vi-VN", timezone_id=VIETNAM).page
    stranger.goto("/accounts/login/")
    expect(stranger.locator("html")).to_have_attribute("lang", "vi")
    expect(stranger.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    expect(stranger.get_by_label("Tên người dùng hoặc email")).to_be_visible()
    expect(stranger.get_by_role("button", name="Đăng nhập")).to_be_visible()

    page = people(alice, locale="vi-VN", timezone_id=VIETNAM).page
    open_chat(page, "Bình")
    nav = page.get_by_role("navigation", name="Chính")
    for link in ["Trò chuyện", "Phòng", "Bạn bè", "Ví"]:
        expect(nav.get_by_role("link", name=link)).to_be_visible()
    expect(page.locator(".sidebar-title")).to_have_text("Trò chuyện")
    expect(page.locator("#composer-input")).to_have_attribute("placeholder", "Nhập tin nhắn…")
    expect(page.get_by_role("button", name="Gửi", exact=True)).to_be_visible()
    # Day separators: the old message's day in Vietnam (15 March, not UTC's 14th), then
    # today's word; the old message's clock time in Vietnam.
    dividers = page.locator("#message-list .day-divider")
    expect(dividers).to_have_count(2)
    expect(dividers.nth(0)).to_contain_text("15 tháng 3")
    expect(dividers.nth(1)).to_have_text("Hôm nay")
    old = page.locator("#message-list .msg", has_text="Chào Alice!")
    expect(old.locator("time").first).to_have_text("03:30")
    # Strings built by the JavaScript: the catalog answers in Vietnamese.
    expect(page.locator("#message-list .msg.mine .msg-body")).to_have_text("Chào Bob, khỏe không?")
    page.locator("#composer-input").fill("Hẹn gặp lại")
    page.locator("#composer-input").press("Enter")
    expect(page.locator("#message-list .msg-body", has_text="Hẹn gặp lại")).to_have_count(1)
    expect(page).to_have_title(re.compile(r"Trò chuyện · Chat$"))
    shots(page, "chat-vi.png")

    # The JavaScript's dates use the page's language and the browser's time zone.
    formatted = page.evaluate(
        """async () => {
            const { dayLabel, clockTime } = await import("/static/chat/lib/i18n.js");
            return [dayLabel("2026-03-14T20:30:00Z"), clockTime("2026-03-14T20:30:00Z")];
        }"""
    )
    assert "15 tháng 3" in formatted[0] and formatted[1] == "03:30", formatted

    # System lines (stored in English) are worded in Vietnamese from their payload.
    def rename() -> None:
        from conversations import services as conversations

        group = conversations.conversation_group_create(
            actor=alice, name="Nhóm đọc sách", member_user_ids=[bob.id]
        )
        conversations.conversation_update(actor=alice, conversation_id=group.id, name="Câu lạc bộ")

    off_loop(rename)
    open_chat(page, "Câu lạc bộ")
    lines = page.locator("#message-list .system-line .system-text")
    expect(lines.last).to_have_text("Alice đã đổi tên nhóm thành Câu lạc bộ")


def test_switching_the_language_in_settings_sticks(people, shots):
    alice = UserFactory(username="alice", display_name="Alice")
    page = people(alice, locale="vi-VN", timezone_id=VIETNAM).page
    page.goto("/accounts/settings/")
    expect(page.get_by_role("heading", name="Cài đặt hồ sơ")).to_be_visible()
    select = page.locator("#language-select")
    expect(select).to_have_value("")  # follows the browser

    select.select_option("en")
    expect(page.get_by_role("heading", name="Profile settings")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#language-select")).to_have_value("en")
    assert off_loop(lambda: User.objects.get(pk=alice.pk).language) == "en"
    page.reload()
    expect(page.get_by_role("heading", name="Profile settings")).to_be_visible()
    page.goto("/")
    wait_connected(page)
    expect(page.locator("#composer-input")).to_have_attribute("placeholder", "Write a message…")
    expect(page.locator(".sidebar-title")).to_have_text("Chats")

    # Logged out, the login page keeps the chosen language (the cookie).
    page.goto("/accounts/settings/")
    page.locator(".logout-form-page button").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    # Back in, and back to Vietnamese through "Browser default".
    page = people(alice, locale="vi-VN", timezone_id=VIETNAM).page
    page.goto("/accounts/settings/")
    expect(page.get_by_role("heading", name="Profile settings")).to_be_visible()
    page.locator("#language-select").select_option("")
    expect(page.get_by_role("heading", name="Cài đặt hồ sơ")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Cài đặt hồ sơ")).to_be_visible()
    assert off_loop(lambda: User.objects.get(pk=alice.pk).language) == ""

    # And an English browser may choose Vietnamese.
    english = people(alice).page
    english.goto("/accounts/settings/")
    english.locator("#language-select").select_option("vi")
    expect(english.get_by_role("heading", name="Cài đặt hồ sơ")).to_be_visible()
    english.locator("#language-select").scroll_into_view_if_needed()
    shots(english, "settings-language-vi.png")


def test_an_english_browser_gets_english(people):
    alice = UserFactory(username="alice", display_name="Alice")
    bob = UserFactory(username="bob", display_name="Bob")
    conversation_with_history(alice, bob)

    stranger = people(locale="en-US").page
    stranger.goto("/accounts/login/")
    expect(stranger.locator("html")).to_have_attribute("lang", "en")
    expect(stranger.get_by_role("heading", name="Log in")).to_be_visible()

    page = people(alice, locale="en-GB", timezone_id=VIETNAM).page
    open_chat(page, "Bob")
    expect(page.locator(".sidebar-title")).to_have_text("Chats")
    expect(page.locator("#composer-input")).to_have_attribute("placeholder", "Write a message…")
    dividers = page.locator("#message-list .day-divider")
    expect(dividers.nth(0)).to_contain_text("15 March")  # en-GB: the browser's variant
    expect(dividers.nth(1)).to_have_text("Today")
    assert "Hôm nay" not in page.content()


def test_dates_follow_the_language_chosen_in_settings_not_the_browsers(people):
    """Vietnamese chosen in settings, an English (en-US) browser: a mute's end is written
    the Vietnamese way. The mute texts used the browser's own locale (`toLocaleString`)."""
    from conversations.services.notifications import conversation_notifications_set

    alice = UserFactory(username="alice", language="vi")
    bob = UserFactory(username="bob")
    conversation_id = conversation_with_history(alice, bob)
    until = datetime(2030, 3, 15, 7, 5, tzinfo=UTC)
    off_loop(
        lambda: conversation_notifications_set(
            actor=alice, conversation_id=conversation_id, muted_until=until.isoformat()
        )
    )
    page = people(alice, timezone_id="UTC").page  # locale en-US
    page.goto("/accounts/settings/")
    muted = page.locator("#muted-list li")
    expect(muted).to_contain_text("15 thg 3, 2030")  # en-US would write "Mar 15, 2030"

"""Refusals in the user's language (issue 16, "Languages"): the API answers in English
always, and the web UI used to show that English `detail` as it came, so a Vietnamese user
read English refusals. static/chat/lib/errors.js turns each refusal into a sentence of the
JavaScript catalog by its `code` (or the server's known sentence); here a Vietnamese browser
sees a friend request to nobody, one to a friend, and a send to someone who blocked them
(refused over the WebSocket, then over REST) refused in Vietnamese.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.tests.factories import UserFactory
from tests.e2e import test_browser
from tests.e2e.test_browser import (
    befriend,
    direct_chat,
    off_loop,
    open_conversation,
    wait_connected,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

people = test_browser.people

VIETNAM = "Asia/Ho_Chi_Minh"  # UTC+7


def test_friend_request_refusals_are_in_vietnamese(people):
    alice = UserFactory(username="alice", display_name="Alice")
    bob = UserFactory(username="bob", display_name="Bình")
    befriend(alice, bob)
    page = people(alice, locale="vi-VN", timezone_id=VIETNAM).page
    page.goto("/friends/")
    wait_connected(page)
    form = page.locator("#add-friend-form")
    status = page.locator("#add-friend-status")

    # 404 "User not found." (code not_found): the known sentence, in Vietnamese.
    form.locator("#add-friend-input").fill("nobody-by-this-name")
    form.locator("#add-friend-input").press("Enter")
    expect(status).to_have_text("Không có người dùng nào có tên này.")
    expect(status).to_have_class("form-status form-error")

    # 409 already_friends: by its code.
    form.locator("#add-friend-input").fill("bob")
    form.locator("#add-friend-input").press("Enter")
    expect(status).to_have_text("Bạn và người này đã là bạn bè.")


def test_a_send_to_someone_who_blocked_you_is_refused_in_vietnamese(people):
    """The block is not shown to the blocked (nobody learns who blocks them): the composer
    stays open, the WebSocket refuses the send (`error`, `permission_denied`), the REST
    retry says why in English, and the failed message says it in Vietnamese."""
    alice = UserFactory(username="alice", display_name="Alice")
    bob = UserFactory(username="bob", display_name="Bình")
    befriend(alice, bob)
    direct_chat(alice, bob)
    page = people(alice, locale="vi-VN", timezone_id=VIETNAM).page
    page.goto("/")
    wait_connected(page)
    open_conversation(page, "Bình")

    def block() -> None:
        from friends import services as friends

        friends.user_block(actor=bob, user_id=alice.id)

    off_loop(block)
    page.locator("#composer-input").fill("Xin chào")
    page.locator("#composer-input").press("Enter")
    failed = page.locator("#message-list .msg.pending.failed")
    expect(failed).to_have_count(1)
    expect(failed.locator(".form-error")).to_have_text("Bạn không thể nhắn tin cho người này.")


def test_error_text_by_code_with_fallbacks(people):
    """errors.js itself, in both languages: a code's sentence, Retry-After in the
    throttled one, the generic sentence for an unknown `permission_denied` (the server's own
    in English), an unknown code's server text as it came, a known sentence among field
    errors, and a mute's end time (in the browser's time zone, else the generic sentence).
    The UI disables the composer of a muted user, so a muted send is checked here."""
    alice = UserFactory(username="alice")
    pending = "A friend request to this user is already pending."
    throttled = "Request was throttled. Expected available in 7 seconds."
    muted = "You are muted in this conversation until 2030-05-06 07:08 UTC."
    cases = [
        [409, {"detail": pending, "code": "request_pending"}],
        [429, {"detail": throttled, "code": "throttled"}, {"retryAfter": 7}],
        [403, {"detail": "Some new refusal.", "code": "permission_denied"}],
        [418, {"detail": "Brand new refusal.", "code": "brand_new"}],
        [400, {"non_field_errors": ["You cannot block yourself."]}],
        [403, {"detail": muted, "code": "muted"}],
        [403, {"detail": "You are muted somewhere new.", "code": "muted"}],
    ]
    script = """async (cases) => {
        const { errorText } = await import("/static/chat/lib/errors.js");
        return cases.map((args) => errorText(...args));
    }"""
    fmt = """(tag) => new Intl.DateTimeFormat(tag, {dateStyle: "medium", timeStyle: "short"})
        .format(new Date("2030-05-06T07:08:00Z"))"""
    vi = people(alice, locale="vi-VN", timezone_id=VIETNAM).page
    vi.goto("/friends/")
    vi_time = vi.evaluate(fmt, "vi-VN")
    assert "14:08" in vi_time, vi_time
    assert vi.evaluate(script, cases) == [
        "Bạn đã gửi lời mời kết bạn cho người này và đang chờ trả lời.",
        "Quá nhiều yêu cầu: hãy thử lại sau 7 giây.",
        "Bạn không được phép làm việc này.",
        "Brand new refusal.",
        "Bạn không thể tự chặn chính mình.",
        # 07:08 UTC is 14:08 in Vietnam, the browser's time zone.
        f"Bạn bị cấm nói trong cuộc trò chuyện này đến {vi_time}.",
        "Bạn đang bị cấm nói ở đây: bạn chưa thể gửi tin nhắn.",
    ]
    en = people(alice, timezone_id=VIETNAM).page
    en.goto("/friends/")
    en_time = en.evaluate(fmt, "en-US")
    assert en.evaluate(script, cases) == [
        "A friend request to this person is already pending.",
        "Too many requests: try again in 7 seconds.",
        "Some new refusal.",
        "Brand new refusal.",
        "You cannot block yourself.",
        f"You are muted in this conversation until {en_time}.",
        "You are muted here for now: you cannot send messages.",
    ]

"""Web push of messages (messaging.push): to whom, when, with what, and at what cost.

A real HTTP server stands in for the browsers' push service (tests/push_service.py);
pywebpush POSTs to it, and each push is decrypted with the subscribing "browser's" keys,
as a browser would, to check what it carries.
"""

from __future__ import annotations

import logging

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import services as accounts_services
from accounts.models import PushSubscription
from chat_project import realtime
from conversations.tests.factories import direct_conversation, group_with
from friends.tests.factories import make_friends
from messaging import services
from messaging.push import PREVIEW_CHARS
from tests.push_service import BrowserKeys, PushService, start_push_service, vapid_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def push_service(settings):
    vapid_settings(settings)
    service = start_push_service()
    yield service
    service.server.shutdown()
    service.server.server_close()


def subscribe(user, service: PushService, name: str) -> BrowserKeys:
    keys = BrowserKeys.new()
    accounts_services.push_subscribe(
        user=user, endpoint=service.url(name), p256dh=keys.p256dh, auth=keys.auth
    )
    return keys


def send(actor, conversation, content: str, run_on_commit):
    with run_on_commit(execute=True):
        message, _ = services.message_send(
            actor=actor, conversation_id=conversation.id, content=content
        )
    return message


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def test_a_direct_message_to_someone_offline_is_pushed_without_its_text(
    user, other_user, push_service, run_on_commit
):
    make_friends(user, other_user)
    chat = direct_conversation(user, other_user)
    keys = subscribe(other_user, push_service, "bob-laptop")

    message = send(user, chat, "the secret plan", run_on_commit)

    (push,) = push_service.pushes()
    assert push.path == "/push/bob-laptop"
    assert push.headers["ttl"] == "86400"
    assert push.headers["urgency"] == "high"
    assert push.headers["authorization"].startswith("vapid t=")
    assert b"secret" not in push.body
    payload = keys.decrypt(push)
    assert payload == {
        "type": "message",
        "conversation": {"id": chat.id, "type": "direct", "name": user.name},
        "message_id": message.id,
        "sender": {"id": user.id, "name": user.name},
        "text": None,
        "url": f"/c/{chat.id}/?message={message.id}",
        "sent_at": message.created_at.isoformat(),
    }
    assert PushSubscription.objects.get(user=other_user).last_success_at is not None


def test_previews_put_the_text_into_the_push_cut_to_its_length(
    user, other_user, push_service, run_on_commit
):
    make_friends(user, other_user)
    chat = direct_conversation(user, other_user)
    keys = subscribe(other_user, push_service, "bob-phone")
    accounts_services.user_profile_update(user=other_user, push_previews=True)

    send(user, chat, "see you at 6", run_on_commit)
    send(user, chat, "x" * (PREVIEW_CHARS + 50), run_on_commit)

    first, second = (keys.decrypt(p) for p in push_service.wait_for(2))
    assert first["text"] == "see you at 6"
    assert second["text"] == "x" * PREVIEW_CHARS + "…"


def test_each_browser_of_the_person_gets_it_and_the_sender_never_does(
    user, other_user, push_service, run_on_commit
):
    make_friends(user, other_user)
    chat = direct_conversation(user, other_user)
    laptop = subscribe(other_user, push_service, "bob-laptop")
    phone = subscribe(other_user, push_service, "bob-phone")
    subscribe(user, push_service, "alice-laptop")

    send(user, chat, "hi", run_on_commit)

    assert sorted(p.path for p in push_service.pushes()) == ["/push/bob-laptop", "/push/bob-phone"]
    assert laptop.decrypt(push_service.pushes("bob-laptop")[0])["message_id"]
    assert phone.decrypt(push_service.pushes("bob-phone")[0])["message_id"]


def test_nobody_with_an_open_socket_is_pushed(user, other_user, push_service, run_on_commit):
    make_friends(user, other_user)
    chat = direct_conversation(user, other_user)
    subscribe(other_user, push_service, "bob-laptop")
    async_to_sync(realtime.presence_connect)(other_user.id, "socket-1")

    send(user, chat, "you are here", run_on_commit)
    assert push_service.pushes() == []

    async_to_sync(realtime.presence_disconnect)(other_user.id, "socket-1")
    send(user, chat, "and now you are gone", run_on_commit)
    assert len(push_service.pushes()) == 1


def test_never_after_unsubscribing(user, other_user, push_service, run_on_commit, client_for):
    make_friends(user, other_user)
    chat = direct_conversation(user, other_user)
    subscribe(other_user, push_service, "bob-laptop")
    subscription = PushSubscription.objects.get(user=other_user)
    send(user, chat, "one", run_on_commit)
    assert len(push_service.pushes()) == 1

    response = client_for(other_user).delete(f"/api/push/subscriptions/{subscription.id}")
    assert response.status_code == 204
    send(user, chat, "two", run_on_commit)

    assert len(push_service.pushes()) == 1


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_says_is_gone_is_deleted(
    user, other_user, push_service, run_on_commit, status
):
    make_friends(user, other_user)
    chat = direct_conversation(user, other_user)
    subscribe(other_user, push_service, "gone")
    subscribe(other_user, push_service, "alive")
    push_service.statuses["/push/gone"] = status

    send(user, chat, "hello", run_on_commit)
    send(user, chat, "again", run_on_commit)

    assert [p.path for p in push_service.pushes("gone")] == ["/push/gone"]  # once, then never
    assert len(push_service.pushes("alive")) == 2
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        push_service.url("alive")
    ]


def test_other_refusals_keep_the_subscription(user, other_user, push_service, run_on_commit):
    make_friends(user, other_user)
    chat = direct_conversation(user, other_user)
    subscribe(other_user, push_service, "busy")
    push_service.statuses["/push/busy"] = 503

    send(user, chat, "hello", run_on_commit)

    assert len(push_service.pushes()) == 1
    subscription = PushSubscription.objects.get()
    assert subscription.last_success_at is None


def test_a_push_service_that_cannot_be_reached_never_fails_the_send(
    user, other_user, push_service, run_on_commit, caplog
):
    make_friends(user, other_user)
    chat = direct_conversation(user, other_user)
    keys = BrowserKeys.new()
    closed = start_push_service()
    endpoint = closed.url("nowhere")
    closed.server.shutdown()
    closed.server.server_close()  # nothing listens there any more: connection refused
    accounts_services.push_subscribe(
        user=other_user, endpoint=endpoint, p256dh=keys.p256dh, auth=keys.auth
    )

    with caplog.at_level(logging.WARNING, logger="accounts.push"):
        message = send(user, chat, "still sent", run_on_commit)

    assert message.id and message.content == "still sent"
    assert "not delivered" in caplog.text
    assert PushSubscription.objects.filter(user=other_user).exists()  # maybe back later


def test_in_a_group_only_mentions_push_and_say_so(
    user, other_user, user_factory, push_service, run_on_commit
):
    carol = user_factory(username="carol")
    group = group_with(user, other_user, carol, name="Team")
    bob = subscribe(other_user, push_service, "bob")
    subscribe(carol, push_service, "carol")
    accounts_services.user_profile_update(user=other_user, push_previews=True)

    send(user, group, "morning all", run_on_commit)
    assert push_service.pushes() == []

    message = send(user, group, f"@{other_user.username} can you look?", run_on_commit)

    (push,) = push_service.pushes()
    assert push.path == "/push/bob"
    payload = bob.decrypt(push)
    assert payload["type"] == "mention"
    assert payload["conversation"] == {"id": group.id, "type": "group", "name": "Team"}
    assert payload["text"] == message.content


def test_an_edit_pushes_only_the_mention_it_adds_once(
    user, other_user, user_factory, push_service, run_on_commit
):
    group = group_with(user, other_user, name="Team")
    subscribe(other_user, push_service, "bob")
    message = send(user, group, "draft", run_on_commit)

    with run_on_commit(execute=True):
        services.message_edit(actor=user, message_id=message.id, content=f"@{other_user.username}")
    with run_on_commit(execute=True):
        services.message_edit(actor=user, message_id=message.id, content=f"@{other_user.username}!")

    assert len(push_service.pushes()) == 1


def test_a_member_who_left_or_a_deleted_message_is_not_pushed(
    user, other_user, push_service, run_on_commit
):
    """The task decides again with the rows (a queued task may run later)."""
    from messaging.push import push_message

    group = group_with(user, other_user, name="Team")
    subscribe(other_user, push_service, "bob")
    message = send(user, group, "before", run_on_commit)
    assert push_message(message.id, [other_user.id], [other_user.id]) == 1
    services.message_delete(actor=user, message_id=message.id)
    assert push_message(message.id, [other_user.id], [other_user.id]) == 0
    other = send(user, group, "after", run_on_commit)
    group.memberships.filter(user=other_user).delete()
    assert push_message(other.id, [other_user.id], [other_user.id]) == 0


def test_without_vapid_keys_nothing_is_pushed(
    user, other_user, push_service, settings, run_on_commit
):
    make_friends(user, other_user)
    chat = direct_conversation(user, other_user)
    subscribe(other_user, push_service, "bob")
    settings.VAPID_PRIVATE_KEY = ""

    send(user, chat, "hello", run_on_commit)

    assert push_service.pushes() == []


def _queries_of_send(actor, conversation, content, run_on_commit) -> int:
    with CaptureQueriesContext(connection) as queries:
        send(actor, conversation, content, run_on_commit)
    return len(queries)


def test_a_group_message_for_nobody_in_particular_costs_no_query(
    user, other_user, push_service, settings, run_on_commit
):
    group = group_with(user, other_user, name="Team")
    subscribe(other_user, push_service, "bob")
    send(user, group, "warm up", run_on_commit)

    with_push = _queries_of_send(user, group, "hello", run_on_commit)
    settings.VAPID_PRIVATE_KEY = ""
    without_push = _queries_of_send(user, group, "hello again", run_on_commit)

    assert with_push == without_push
    assert push_service.pushes() == []


def test_a_direct_message_to_someone_online_costs_no_query(
    user, other_user, push_service, settings, run_on_commit
):
    make_friends(user, other_user)
    chat = direct_conversation(user, other_user)
    subscribe(other_user, push_service, "bob")
    async_to_sync(realtime.presence_connect)(other_user.id, "socket-1")
    send(user, chat, "warm up", run_on_commit)

    with_push = _queries_of_send(user, chat, "hello", run_on_commit)
    settings.VAPID_PRIVATE_KEY = ""
    without_push = _queries_of_send(user, chat, "hello again", run_on_commit)

    assert with_push == without_push
    assert push_service.pushes() == []


def test_system_lines_push_nobody(user, other_user, user_factory, push_service, run_on_commit):
    from conversations import services as conversation_services

    carol = user_factory(username="carol")
    make_friends(user, other_user, carol)
    group = group_with(user, other_user, name="Team")
    subscribe(other_user, push_service, "bob")

    with run_on_commit(execute=True):
        conversation_services.conversation_members_add(
            actor=user, conversation_id=group.id, user_ids=[carol.id]
        )

    assert push_service.pushes() == []


# --- the one rule of who is interrupted (conversations.attention.should_alert) ---------


def test_a_muted_conversation_or_do_not_disturb_pushes_nothing(
    user, other_user, push_service, run_on_commit
):
    from conversations import services as conversation_services
    from friends.status import user_status_set

    make_friends(user, other_user)
    chat = direct_conversation(user, other_user)
    subscribe(other_user, push_service, "bob-laptop")

    conversation_services.conversation_notifications_set(
        actor=other_user, conversation_id=chat.id, muted_until=conversation_services.FOREVER
    )
    send(user, chat, "muted", run_on_commit)
    assert push_service.pushes() == []

    conversation_services.conversation_notifications_set(
        actor=other_user, conversation_id=chat.id, muted_until=None
    )
    user_status_set(actor=other_user, status="dnd")
    send(user, chat, "do not disturb", run_on_commit)
    assert push_service.pushes() == []

    user_status_set(actor=other_user, status="online")
    send(user, chat, "now", run_on_commit)
    assert len(push_service.wait_for(1)) == 1


def test_a_mention_in_a_group_set_to_nothing_pushes_nothing(
    user, other_user, push_service, run_on_commit
):
    from conversations import services as conversation_services

    group = group_with(user, other_user)
    subscribe(other_user, push_service, "bob-laptop")
    conversation_services.conversation_notifications_set(
        actor=other_user, conversation_id=group.id, level="nothing"
    )
    send(user, group, f"@{other_user.username} look", run_on_commit)
    assert push_service.pushes() == []

"""The unread digest by email (messaging/digest.py): one mail per person for their unread
direct messages and mentions, after the delay, never when read or online."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.utils import timezone

from accounts.models import Notification, User
from chat_project.realtime import presence
from conversations.tests.factories import direct_conversation, group_with
from messaging import digest, services

pytestmark = pytest.mark.django_db

LATER = timedelta(minutes=16)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def alice(user):
    user.email = "alice@example.com"
    user.save()
    return user


@pytest.fixture
def team(alice, other_user):
    return group_with(other_user, alice, name="Team")


def send(actor, conversation, text):
    message, _ = services.message_send(actor=actor, conversation_id=conversation.id, content=text)
    return message


def sweep(committed, after=LATER):
    with committed():
        return digest.digests_send(now=timezone.now() + after)


def test_two_mentions_make_one_mail(alice, other_user, team, mailoutbox, committed):
    send(other_user, team, "@alice first question")
    send(other_user, team, "no mention here")
    send(other_user, team, "@alice second question")
    assert sweep(committed) == 1
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["alice@example.com"]
    assert "2 unread messages" in mail.subject
    assert "first question" in mail.body and "second question" in mail.body
    assert "no mention here" not in mail.body
    assert "Team" in mail.body
    # Nothing twice: the next sweep finds them again unread, but they were mailed.
    assert sweep(committed, LATER + timedelta(minutes=2)) == 0
    assert len(mailoutbox) == 1


def test_read_in_the_meantime_means_no_mail(alice, other_user, team, mailoutbox, committed):
    send(other_user, team, "@alice question")
    last = send(other_user, team, "@alice another")
    services.message_mark_read(actor=alice, conversation_id=team.id, message_id=last.id)
    assert sweep(committed) == 0
    assert mailoutbox == []


def test_a_mention_whose_notification_was_read_is_not_mailed(
    alice, other_user, team, mailoutbox, committed
):
    send(other_user, team, "@alice question")
    Notification.objects.filter(recipient=alice).update(is_read=True)
    assert sweep(committed) == 0


def test_direct_messages_are_mailed_after_the_delay_only(alice, other_user, mailoutbox, committed):
    chat = direct_conversation(alice, other_user)
    send(other_user, chat, "are you there?")
    assert sweep(committed, timedelta(minutes=5)) == 0
    assert sweep(committed) == 1
    assert "are you there?" in mailoutbox[0].body
    assert "1 unread message" in mailoutbox[0].subject
    # The sender's own messages never go into their digest.
    assert mailoutbox[0].to == ["alice@example.com"]


def test_nobody_is_mailed_who_turned_it_off_or_has_no_address(
    alice, other_user, team, mailoutbox, committed, api_client
):
    User.objects.filter(pk=alice.pk).update(email_digest=False)
    send(other_user, team, "@alice question")
    assert sweep(committed) == 0
    User.objects.filter(pk=alice.pk).update(email_digest=True, email="")
    assert sweep(committed) == 0
    assert mailoutbox == []


def test_someone_online_is_not_mailed_until_they_leave_unread(
    alice, other_user, team, mailoutbox, committed
):
    send(other_user, team, "@alice question")
    store = presence.store()
    async_to_sync(store.connect)(alice.id, "socket-1")
    try:
        assert sweep(committed) == 0
    finally:
        async_to_sync(store.disconnect)(alice.id, "socket-1")
    assert sweep(committed) == 1


def test_the_setting_is_on_me_and_can_be_turned_off(client_for, alice):
    api = client_for(alice)
    assert api.get("/api/auth/me").json()["email_digest"] is True
    response = api.patch("/api/auth/me", {"email_digest": False}, format="json")
    assert response.status_code == 200 and response.json()["email_digest"] is False
    alice.refresh_from_db()
    assert alice.email_digest is False
    wrong = api.patch("/api/auth/me", {"email_digest": "no"}, format="json")
    assert wrong.status_code == 400 and "email_digest" in wrong.json()


def test_muted_conversations_and_do_not_disturb_are_not_mailed(
    alice, other_user, team, mailoutbox, committed
):
    """The digest asks the one rule of who is interrupted (should_alert)."""
    from conversations import services as conversation_services
    from friends.status import user_status_set

    conversation_services.conversation_notifications_set(
        actor=alice, conversation_id=team.id, muted_until=conversation_services.FOREVER
    )
    send(other_user, team, "@alice muted question")
    assert sweep(committed) == 0

    conversation_services.conversation_notifications_set(
        actor=alice, conversation_id=team.id, muted_until=None
    )
    user_status_set(actor=alice, status="dnd")
    send(other_user, team, "@alice while busy")
    assert sweep(committed) == 0
    assert mailoutbox == []

    user_status_set(actor=alice, status="online")
    assert sweep(committed) == 1
    assert "while busy" in mailoutbox[0].body

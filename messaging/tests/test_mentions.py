"""`@username` mentions: who is notified on send and on edit (messaging.services)."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import Notification
from conversations.tests.factories import group_with
from friends.tests.factories import block
from messaging import services

pytestmark = pytest.mark.django_db


def mentions(user) -> list[tuple[int, int]]:
    return list(
        Notification.objects.filter(recipient=user, type="mention").values_list(
            "conversation_id", "message_id"
        )
    )


@pytest.fixture
def carol(user_factory):
    return user_factory(username="carol.k")


@pytest.fixture
def team(user, other_user, carol):
    return group_with(user, other_user, carol, name="Team")


def send(actor, conversation, content):
    message, _ = services.message_send(
        actor=actor, conversation_id=conversation.id, content=content
    )
    return message


@pytest.mark.parametrize(
    ("text", "bob", "carol_notified"),
    [
        ("hi @bob", True, False),
        ("hi @BOB and @Carol.K.", True, True),  # case-insensitive; a trailing '.' ends the sentence
        ("@bob @bob @bob", True, False),  # one per mention per message
        ("mail bob@example.com", False, False),  # an e-mail address is no mention
        ("@bo or @bobby", False, False),  # no prefix matches
        ("(@carol.k)", False, True),
    ],
)
def test_send_notifies_members_named(user, other_user, carol, team, text, bob, carol_notified):
    message = send(user, team, text)
    assert mentions(other_user) == ([(team.id, message.id)] if bob else [])
    assert mentions(carol) == ([(team.id, message.id)] if carol_notified else [])


def test_mention_notification_names_the_sender(user, other_user, team):
    send(user, team, "@bob look")
    notification = Notification.objects.get(recipient=other_user)
    assert notification.actor == user


def test_no_notification_for_yourself_or_non_members(user, user_factory, team):
    user_factory(username="dave")  # exists, but not in the conversation
    send(user, team, "@alice @dave")
    assert Notification.objects.count() == 0


def test_no_mention_across_a_block_either_way(user, other_user, carol, team):
    block(other_user, user)  # bob blocked alice
    block(user, carol)  # alice blocked carol
    send(user, team, "@bob @carol.k")
    assert Notification.objects.count() == 0


def test_inactive_member_is_not_notified(user, other_user, team):
    other_user.is_active = False
    other_user.save()
    send(user, team, "@bob")
    assert Notification.objects.count() == 0


def test_edit_that_adds_a_mention_notifies_once(user, other_user, carol, team):
    message = send(user, team, "hello @bob")
    services.message_edit(actor=user, message_id=message.id, content="hello @bob and @carol.k")
    services.message_edit(actor=user, message_id=message.id, content="hello @carol.k")
    services.message_edit(actor=user, message_id=message.id, content="hello @bob @carol.k again")
    assert mentions(other_user) == [(team.id, message.id)]
    assert mentions(carol) == [(team.id, message.id)]


def test_mentions_go_out_after_commit_as_notification_events(
    user, other_user, team, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(user, team, "@bob")
    assert [(group, event["type"]) for group, event in sent_events] == [
        (f"conversation.{team.id}", "new_message"),
        (f"user.{other_user.id}", "notification"),
    ]
    assert sent_events[1][1]["notification"]["type"] == "mention"


def test_rolled_back_send_leaves_no_mention(
    user, other_user, team, sent_events, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        send(user, team, "@bob")
        raise RuntimeError("boom")
    assert Notification.objects.count() == 0
    assert sent_events == []


def test_send_without_at_sign_costs_no_mention_query(user, team):
    with CaptureQueriesContext(connection) as plain:
        send(user, team, "no mention here")
    with CaptureQueriesContext(connection) as mentioned:
        send(user, team, "@nobody-here")  # one lookup, nobody found, nothing else
    assert len(mentioned.captured_queries) == len(plain.captured_queries) + 1

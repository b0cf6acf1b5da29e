"""Pins: who may pin, the events, the list, and what a deletion does to a pin."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import override_settings

from conversations.tests.factories import group_with
from friends.tests.factories import block
from messaging import services
from messaging.tests.factories import MessageFactory
from tests.concurrency import run_concurrently

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(client_for, user):
    return client_for(user)


@pytest.fixture
def bob(client_for, other_user):
    return client_for(other_user)


@pytest.fixture
def rules(group, other_user):
    return MessageFactory(conversation=group, sender=other_user, content="Be kind.")


def test_a_group_admin_pins_and_members_hear_it(
    user, group, rules, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message, pinned = services.message_pin(actor=user, message_id=rules.id)
    assert pinned and message.pinned_by_id == user.id
    ((target, event),) = sent_events
    assert target == f"conversation.{group.id}"
    assert event == {
        "type": "message_pinned",
        "conversation_id": group.id,
        "message_id": rules.id,
        "user_id": user.id,
        "pinned_at": event["message"]["pinned_at"],
        "change_seq": 2,
        "message": event["message"],
    }
    assert (event["message"]["id"], event["message"]["pinned_by_id"]) == (rules.id, user.id)
    assert event["message"]["change_seq"] == 2 and event["pinned_at"] is not None


def test_unpin_emits_and_both_are_idempotent(
    user, group, rules, sent_events, django_capture_on_commit_callbacks
):
    services.message_pin(actor=user, message_id=rules.id)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.message_pin(actor=user, message_id=rules.id)[1] is False
        assert services.message_unpin(actor=user, message_id=rules.id) is True
        assert services.message_unpin(actor=user, message_id=rules.id) is False
    assert sent_events == [
        (
            f"conversation.{group.id}",
            {
                "type": "message_unpinned",
                "conversation_id": group.id,
                "message_id": rules.id,
                "user_id": user.id,
                "pinned_at": None,
                "change_seq": 3,
            },
        )
    ]


def test_a_group_member_may_not_pin(other_user, rules):
    with pytest.raises(PermissionDenied):
        services.message_pin(actor=other_user, message_id=rules.id)


def test_both_people_of_a_direct_chat_pin(user, other_user, direct):
    mine = MessageFactory(conversation=direct, sender=user)
    services.message_pin(actor=other_user, message_id=mine.id)
    services.message_unpin(actor=user, message_id=mine.id)
    block(user, other_user)
    with pytest.raises(PermissionDenied):
        services.message_pin(actor=other_user, message_id=mine.id)


def test_non_members_get_404(outsider, rules):
    with pytest.raises(Http404):
        services.message_pin(actor=outsider, message_id=rules.id)


def test_deleting_unpins_and_a_deleted_message_cannot_be_pinned(alice, user, group, rules):
    services.message_pin(actor=user, message_id=rules.id)
    services.message_delete(actor=user, message_id=rules.id)  # a group admin may
    rules.refresh_from_db()
    assert (rules.pinned_at, rules.pinned_by_id) == (None, None)
    assert alice.get(f"/api/conversations/{group.id}/pins").json() == []
    with pytest.raises(ValidationError):
        services.message_pin(actor=user, message_id=rules.id)


@override_settings(PINS_MAX_PER_CONVERSATION=2)
def test_the_pin_cap(alice, user, group):
    messages = [MessageFactory(conversation=group, sender=user) for _ in range(3)]
    for message in messages[:2]:
        assert alice.put(f"/api/messages/{message.id}/pin").status_code == 200
    response = alice.put(f"/api/messages/{messages[2].id}/pin")
    assert (response.status_code, response.json()) == (
        400,
        {
            "non_field_errors": [
                "A conversation can have at most 2 pinned messages: unpin one first."
            ]
        },
    )
    assert alice.put(f"/api/messages/{messages[0].id}/pin").status_code == 200  # already


@pytest.mark.django_db(transaction=True)
@override_settings(PINS_MAX_PER_CONVERSATION=1)
def test_two_pins_racing_for_the_last_place_do_not_both_get_it(user_factory):
    alice, bob = user_factory(), user_factory()
    group = group_with(alice, bob)
    first, second = (MessageFactory(conversation=group, sender=bob) for _ in range(2))
    results = run_concurrently(
        lambda: services.message_pin(actor=alice, message_id=first.id),
        lambda: services.message_pin(actor=alice, message_id=second.id),
    )
    assert sorted(type(result).__name__ for result in results) == ["ValidationError", "tuple"]
    assert group.messages.filter(pinned_at__isnull=False).count() == 1


def test_rest_pin_list_and_unpin(alice, bob, user, group, rules):
    later = MessageFactory(conversation=group, sender=user, content="Agenda")
    response = alice.put(f"/api/messages/{rules.id}/pin")
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["pinned_by_id"]) == (rules.id, user.id)
    alice.put(f"/api/messages/{later.id}/pin")
    pins = bob.get(f"/api/conversations/{group.id}/pins").json()
    assert [m["id"] for m in pins] == [later.id, rules.id]  # most recently pinned first
    assert bob.put(f"/api/messages/{rules.id}/pin").status_code == 403
    assert alice.delete(f"/api/messages/{rules.id}/pin").status_code == 204
    assert [m["id"] for m in bob.get(f"/api/conversations/{group.id}/pins").json()] == [later.id]
    assert bob.get(f"/api/messages/{rules.id}").json()["pinned_at"] is None


def test_rest_pins_are_404_to_non_members(client_for, outsider, group, rules):
    mallory = client_for(outsider)
    assert mallory.put(f"/api/messages/{rules.id}/pin").status_code == 404
    assert mallory.delete(f"/api/messages/{rules.id}/pin").status_code == 404
    assert mallory.get(f"/api/conversations/{group.id}/pins").status_code == 404
    assert mallory.get("/api/conversations/abc/pins").status_code == 404


def test_pins_query_count_is_constant(alice, user, group, django_assert_num_queries):
    def pin(count):
        for _ in range(count):
            message = MessageFactory(conversation=group, sender=user)
            services.message_pin(actor=user, message_id=message.id)

    pin(3)  # membership, the pins (senders, quotes joined), their attachments and reactions
    with django_assert_num_queries(4):
        assert len(alice.get(f"/api/conversations/{group.id}/pins").json()) == 3
    pin(3)
    with django_assert_num_queries(4):
        assert len(alice.get(f"/api/conversations/{group.id}/pins").json()) == 6

"""Reactions: services, REST (`/api/messages/{id}/reactions[/{emoji}]`), events and races."""

from urllib.parse import quote

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import override_settings

from conversations.tests.factories import group_with
from friends.tests.factories import block
from messaging import services
from messaging.models import Reaction
from messaging.tests.factories import MessageFactory
from tests.concurrency import run_concurrently

pytestmark = pytest.mark.django_db

THUMBS = "👍"
HEART = "❤️"
FAMILY = "👨‍👩‍👧‍👦"


@pytest.fixture
def message(group, other_user):
    return MessageFactory(conversation=group, sender=other_user, content="ship it?")


def url(message_id, emoji=None):
    base = f"/api/messages/{message_id}/reactions"
    return base if emoji is None else f"{base}/{quote(emoji, safe='')}"


@pytest.fixture
def alice(client_for, user):
    return client_for(user)


@pytest.fixture
def bob(client_for, other_user):
    return client_for(other_user)


# --- services ------------------------------------------------------------------------------


def test_add_emits_the_change_after_commit(
    user, group, message, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        change, created = services.reaction_add(actor=user, message_id=message.id, emoji=FAMILY)
    assert created
    expected = {
        "type": "reaction_added",
        "conversation_id": group.id,
        "message_id": message.id,
        "emoji": FAMILY,
        "user_id": user.id,
        "count": 1,
        "change_seq": 2,  # sent (1), reacted (2)
    }
    assert change == expected
    assert sent_events == [(f"conversation.{group.id}", expected)]


def test_adding_twice_and_removing_what_is_not_there_change_nothing(
    user, group, message, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.reaction_add(actor=user, message_id=message.id, emoji=THUMBS)
        again, created = services.reaction_add(actor=user, message_id=message.id, emoji=THUMBS)
        assert not services.reaction_remove(actor=user, message_id=message.id, emoji=HEART)
    assert not created and again["count"] == 1 and again["change_seq"] == 2
    assert [event["type"] for _, event in sent_events] == ["reaction_added"]
    assert Reaction.objects.count() == 1


def test_remove_emits_the_count_left(
    user, other_user, group, message, sent_events, django_capture_on_commit_callbacks
):
    services.reaction_add(actor=user, message_id=message.id, emoji=THUMBS)
    services.reaction_add(actor=other_user, message_id=message.id, emoji=THUMBS)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reaction_remove(actor=user, message_id=message.id, emoji=THUMBS)
    assert sent_events == [
        (
            f"conversation.{group.id}",
            {
                "type": "reaction_removed",
                "conversation_id": group.id,
                "message_id": message.id,
                "emoji": THUMBS,
                "user_id": user.id,
                "count": 1,
                "change_seq": 4,  # sent, two reactions, one removed
            },
        )
    ]


def test_a_rolled_back_reaction_leaves_nothing(
    user, group, message, sent_events, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.reaction_add(actor=user, message_id=message.id, emoji=THUMBS)
        raise RuntimeError("boom")
    group.refresh_from_db()
    assert (Reaction.objects.count(), group.last_change_seq, sent_events) == (0, 1, [])


@pytest.mark.parametrize("emoji", ["", "a", ":+1:", "👍👍", "👍 ", None, 5])
def test_not_one_emoji_is_refused(user, message, emoji):
    with pytest.raises(ValidationError) as info:
        services.reaction_add(actor=user, message_id=message.id, emoji=emoji)
    assert "emoji" in info.value.message_dict


def test_a_non_member_can_neither_react_nor_see_reactions(outsider, user, message):
    services.reaction_add(actor=user, message_id=message.id, emoji=THUMBS)
    with pytest.raises(Http404):
        services.reaction_add(actor=outsider, message_id=message.id, emoji=THUMBS)
    with pytest.raises(Http404):
        services.reaction_remove(actor=outsider, message_id=message.id, emoji=THUMBS)


def test_a_deleted_message_takes_no_reactions(user, message):
    services.message_delete(actor=message.sender, message_id=message.id)
    with pytest.raises(ValidationError):
        services.reaction_add(actor=user, message_id=message.id, emoji=THUMBS)


def test_no_reacting_across_a_block_in_a_direct_chat(user, other_user, direct):
    message = MessageFactory(conversation=direct, sender=other_user)
    services.reaction_add(actor=user, message_id=message.id, emoji=THUMBS)
    block(other_user, user)
    with pytest.raises(PermissionDenied):
        services.reaction_add(actor=user, message_id=message.id, emoji=HEART)
    assert services.reaction_remove(actor=user, message_id=message.id, emoji=THUMBS)


@override_settings(REACTION_MAX_EMOJI_PER_MESSAGE=3)
def test_the_distinct_emoji_cap(user, other_user, message):
    for emoji in ("😀", "😂", "🎉"):
        services.reaction_add(actor=user, message_id=message.id, emoji=emoji)
    with pytest.raises(ValidationError) as info:
        services.reaction_add(actor=user, message_id=message.id, emoji="🚀")
    assert info.value.message_dict == {
        "emoji": ["A message can have at most 3 different emoji: use one it has."]
    }
    # An emoji already there can always be added to.
    change, _ = services.reaction_add(actor=other_user, message_id=message.id, emoji="🎉")
    assert change["count"] == 2


# --- races ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_users_reacting_with_the_same_emoji_at_once_count_two(user_factory):
    alice, bob = user_factory(), user_factory()
    group = group_with(alice, bob)
    message = MessageFactory(conversation=group, sender=alice)
    results = run_concurrently(
        lambda: services.reaction_add(actor=alice, message_id=message.id, emoji=THUMBS),
        lambda: services.reaction_add(actor=bob, message_id=message.id, emoji=THUMBS),
    )
    assert all(isinstance(result, tuple) for result in results), results
    assert sorted(change["count"] for change, _ in results) == [1, 2]
    assert all(created for _, created in results)
    assert Reaction.objects.filter(message=message, emoji=THUMBS).count() == 2
    group.refresh_from_db()
    assert group.last_change_seq == 3  # sent, then one number each


@pytest.mark.django_db(transaction=True)
def test_the_same_add_racing_stores_one(user_factory):
    alice, bob = user_factory(), user_factory()
    message = MessageFactory(conversation=group_with(alice, bob), sender=bob)
    results = run_concurrently(
        *[lambda: services.reaction_add(actor=alice, message_id=message.id, emoji=THUMBS)] * 4
    )
    assert all(isinstance(result, tuple) for result in results), results
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert Reaction.objects.filter(message=message).count() == 1


# Row locks racing from several threads; SQLite (the embedded pass) queues the writers
# behind its one write lock instead (chat_project.settings.base.sqlite_config).
@pytest.mark.django_db(transaction=True)
def test_toggle_races_keep_the_counts_exact(user_factory):
    """Adds and removes of several users at once: every count reported is the number of
    rows right after that change, and the last one is the truth."""
    users = [user_factory() for _ in range(4)]
    group = group_with(*users)
    message = MessageFactory(conversation=group, sender=users[0])

    def toggle(user):
        def run():
            changes = []
            for _ in range(3):
                change, _ = services.reaction_add(actor=user, message_id=message.id, emoji=HEART)
                changes.append(change)
                services.reaction_remove(actor=user, message_id=message.id, emoji=HEART)
            services.reaction_add(actor=user, message_id=message.id, emoji=HEART)
            return changes

        return run

    results = run_concurrently(*(toggle(user) for user in users))
    assert all(isinstance(result, list) for result in results), results
    assert Reaction.objects.filter(message=message, emoji=HEART).count() == 4
    group.refresh_from_db()
    # 1 send + per user 3 x (add + remove) + 1 add: every change numbered, none lost.
    assert group.last_change_seq == 1 + 4 * 7
    message.refresh_from_db()
    assert message.change_seq == group.last_change_seq


# --- REST -----------------------------------------------------------------------------------


def test_put_adds_and_delete_removes_over_rest(alice, user, group, message):
    response = alice.put(url(message.id, THUMBS))
    assert response.status_code == 201
    assert response.json() == {
        "conversation_id": group.id,
        "message_id": message.id,
        "emoji": THUMBS,
        "user_id": user.id,
        "count": 1,
        "change_seq": 2,
    }
    assert alice.put(url(message.id, THUMBS)).status_code == 200
    assert alice.delete(url(message.id, THUMBS)).status_code == 204
    assert alice.delete(url(message.id, THUMBS)).status_code == 204
    assert Reaction.objects.count() == 0


def test_zwj_sequences_and_keycaps_travel_url_encoded(alice, message):
    for emoji in (FAMILY, "#️⃣", "🏳️‍🌈", "👍🏽"):
        assert alice.put(url(message.id, emoji)).status_code == 201, emoji
    assert sorted(Reaction.objects.values_list("emoji", flat=True)) == sorted(
        [FAMILY, "#️⃣", "🏳️‍🌈", "👍🏽"]
    )


@pytest.mark.parametrize("emoji", ["a", ":thumbsup:", "👍👍"])
def test_rest_refuses_what_is_not_one_emoji(alice, message, emoji):
    response = alice.put(url(message.id, emoji))
    assert response.status_code == 400
    assert list(response.json()) == ["emoji"]


def test_non_member_gets_404_everywhere(client_for, outsider, message):
    mallory = client_for(outsider)
    assert mallory.put(url(message.id, THUMBS)).status_code == 404
    assert mallory.delete(url(message.id, THUMBS)).status_code == 404
    assert mallory.get(url(message.id)).status_code == 404
    assert mallory.put(url(999_999, THUMBS)).status_code == 404
    assert mallory.put(f"/api/messages/abc/reactions/{quote(THUMBS)}").status_code == 404


def test_who_reacted_is_paginated(alice, user, user_factory, group, message):
    people = [user, *(user_factory() for _ in range(4))]
    for person in people:
        group.memberships.get_or_create(user=person)
        services.reaction_add(actor=person, message_id=message.id, emoji=THUMBS)
    services.reaction_add(actor=user, message_id=message.id, emoji=HEART)
    response = alice.get(url(message.id), {"limit": 2, "offset": 1})
    assert response.status_code == 200
    assert response["X-Total-Count"] == "6"
    assert 'rel="next"' in response["Link"]
    assert [(r["emoji"], r["user"]["id"]) for r in response.json()] == [
        (THUMBS, people[1].id),
        (THUMBS, people[2].id),
    ]
    first = alice.get(url(message.id), {"emoji": HEART}).json()
    assert first == [
        {
            "emoji": HEART,
            "user": {"id": user.id, "username": "alice", "display_name": user.display_name},
            "created_at": first[0]["created_at"],
        }
    ]
    assert alice.get(url(message.id), {"emoji": "x"}).status_code == 400
    assert alice.get(url(message.id), {"emoji": ""})["X-Total-Count"] == "6"  # empty: all


def test_messages_carry_a_summary_in_order_of_first_use(alice, bob, user, other_user, message):
    services.reaction_add(actor=other_user, message_id=message.id, emoji=HEART)
    services.reaction_add(actor=user, message_id=message.id, emoji=THUMBS)
    services.reaction_add(actor=other_user, message_id=message.id, emoji=THUMBS)
    mine = alice.get(f"/api/messages/{message.id}").json()["reactions"]
    theirs = bob.get(f"/api/messages/{message.id}").json()["reactions"]
    assert mine == [
        {"emoji": HEART, "count": 1, "me": False},
        {"emoji": THUMBS, "count": 2, "me": True},
    ]
    assert theirs == [
        {"emoji": HEART, "count": 1, "me": True},
        {"emoji": THUMBS, "count": 2, "me": True},
    ]


def test_a_deleted_message_shows_no_reactions(alice, user, message):
    services.reaction_add(actor=user, message_id=message.id, emoji=THUMBS)
    services.message_delete(actor=message.sender, message_id=message.id)
    assert alice.get(f"/api/messages/{message.id}").json()["reactions"] == []
    assert alice.get(url(message.id)).json() == []

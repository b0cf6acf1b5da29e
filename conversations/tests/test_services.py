import contextlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from accounts.tests.factories import UserFactory, staff_with
from chat_project.exceptions import Conflict
from conversations import services
from conversations.models import Conversation, ConversationMember
from conversations.tests.factories import direct_conversation, group_with, public_room_with
from friends.tests.factories import block, make_friends
from tests.concurrency import run_concurrently

pytestmark = pytest.mark.django_db

ADMIN = ConversationMember.Role.ADMIN
OWNER = ConversationMember.Role.OWNER
MEMBER = ConversationMember.Role.MEMBER


def roles(conversation: Conversation) -> dict[int, str]:
    return dict(
        ConversationMember.objects.filter(conversation=conversation).values_list("user_id", "role")
    )


def types(events: list[tuple[str, dict]]) -> list[tuple[str, str]]:
    return [(group, event["type"]) for group, event in events]


# --- Direct chats ----------------------------------------------------------------------


def test_direct_chat_between_friends_is_created_once(user, other_user):
    make_friends(user, other_user)
    conversation, created = services.conversation_direct_get_or_create(
        actor=user, other_user_id=other_user.id
    )
    again, created_again = services.conversation_direct_get_or_create(
        actor=other_user, other_user_id=user.id
    )
    assert created is True
    assert created_again is False
    assert again.id == conversation.id
    assert conversation.type == Conversation.Type.DIRECT
    assert conversation.private_pair_key == Conversation.pair_key(user.id, other_user.id)
    assert roles(conversation) == {user.id: MEMBER, other_user.id: MEMBER}


def test_direct_chat_emits_conversation_created_to_both_users(
    user, other_user, sent_events, django_capture_on_commit_callbacks
):
    make_friends(user, other_user)
    with django_capture_on_commit_callbacks(execute=True):
        conversation, _ = services.conversation_direct_get_or_create(
            actor=user, other_user_id=other_user.id
        )
    assert types(sent_events) == [
        (f"user.{user.id}", "conversation_created"),
        (f"user.{other_user.id}", "conversation_created"),
    ]
    payload = sent_events[0][1]
    assert set(payload) == {"type", "conversation"}
    assert payload["conversation"]["id"] == conversation.id
    assert payload["conversation"]["member_ids"] == [user.id, other_user.id]
    assert payload["conversation"]["unread_count"] == 0
    assert payload["conversation"]["last_message"] is None


def test_existing_direct_chat_emits_nothing(
    user, other_user, sent_events, django_capture_on_commit_callbacks
):
    make_friends(user, other_user)
    direct_conversation(user, other_user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.conversation_direct_get_or_create(actor=user, other_user_id=other_user.id)
    assert callbacks == []
    assert sent_events == []


def test_direct_chat_with_a_non_friend_is_forbidden(user, other_user):
    with pytest.raises(PermissionDenied):
        services.conversation_direct_get_or_create(actor=user, other_user_id=other_user.id)
    assert not Conversation.objects.exists()


@pytest.mark.parametrize("blocker", ["actor", "other"])
def test_direct_chat_with_a_blocked_user_is_forbidden(user, other_user, blocker):
    make_friends(user, other_user)
    if blocker == "actor":
        block(user, other_user)
    else:
        block(other_user, user)
    with pytest.raises(PermissionDenied):
        services.conversation_direct_get_or_create(actor=user, other_user_id=other_user.id)


def test_direct_chat_with_yourself_is_invalid(user):
    with pytest.raises(ValidationError):
        services.conversation_direct_get_or_create(actor=user, other_user_id=user.id)


def test_direct_chat_with_unknown_or_disabled_user_is_not_found(user):
    disabled = UserFactory(is_active=False)
    make_friends(user, disabled)
    with pytest.raises(Http404):
        services.conversation_direct_get_or_create(actor=user, other_user_id=999_999)
    with pytest.raises(Http404):
        services.conversation_direct_get_or_create(actor=user, other_user_id=disabled.id)


@pytest.mark.needs_services
@pytest.mark.django_db(transaction=True)
def test_concurrent_direct_creation_returns_one_conversation(user, other_user):
    make_friends(user, other_user)
    results = run_concurrently(
        lambda: services.conversation_direct_get_or_create(actor=user, other_user_id=other_user.id),
        lambda: services.conversation_direct_get_or_create(actor=other_user, other_user_id=user.id),
        lambda: services.conversation_direct_get_or_create(actor=user, other_user_id=other_user.id),
    )
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert len({conversation.id for conversation, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, False, True]
    assert Conversation.objects.count() == 1
    assert ConversationMember.objects.count() == 2


# --- Groups ----------------------------------------------------------------------------


def test_group_create_makes_the_creator_owner(user, other_user, sent_events):
    carol = UserFactory()
    make_friends(user, other_user, carol)
    conversation = services.conversation_group_create(
        actor=user,
        name="  Team  ",
        member_user_ids=[other_user.id, carol.id, other_user.id, user.id],
        description=" Weekly sync ",
        max_participants=5,
    )
    assert conversation.name == "Team"
    assert conversation.description == "Weekly sync"
    assert conversation.private_pair_key is None
    assert conversation.created_by == user
    assert roles(conversation) == {user.id: OWNER, other_user.id: MEMBER, carol.id: MEMBER}


def test_group_create_emits_conversation_created_to_each_member(
    user, other_user, sent_events, django_capture_on_commit_callbacks
):
    make_friends(user, other_user)
    with django_capture_on_commit_callbacks(execute=True):
        conversation = services.conversation_group_create(
            actor=user, name="Team", member_user_ids=[other_user.id]
        )
    assert types(sent_events) == [
        (f"user.{user.id}", "conversation_created"),
        (f"user.{other_user.id}", "conversation_created"),
        (f"user.{other_user.id}", "notification"),  # added by someone else; not the creator
    ]
    conv = sent_events[1][1]["conversation"]
    assert conv["id"] == conversation.id
    assert conv["name"] == "Team"
    assert conv["members"] == [
        {
            "id": user.id,
            "username": "alice",
            "display_name": "Alice",
            "role": "owner",
            "avatar_url": None,
            "avatar_thumbnail_url": None,
            "is_bot": False,
        },
        {
            "id": other_user.id,
            "username": "bob",
            "display_name": "Bob",
            "role": "member",
            "avatar_url": None,
            "avatar_thumbnail_url": None,
            "is_bot": False,
        },
    ]


def test_group_alone_is_allowed(user):
    conversation = services.conversation_group_create(actor=user, name="Notes to self")
    assert roles(conversation) == {user.id: OWNER}


@pytest.mark.parametrize("name", ["", "   ", "x" * 101, None, 5])
def test_group_name_must_be_1_to_100_characters(user, name):
    with pytest.raises(ValidationError) as exc:
        services.conversation_group_create(actor=user, name=name)
    assert "name" in exc.value.message_dict


def test_group_name_of_100_characters_is_fine(user):
    assert services.conversation_group_create(actor=user, name="x" * 100).name == "x" * 100


def test_group_with_non_friend_is_forbidden_and_creates_nothing(user, other_user, sent_events):
    with pytest.raises(PermissionDenied):
        services.conversation_group_create(actor=user, name="T", member_user_ids=[other_user.id])
    assert not Conversation.objects.exists()


def test_group_with_blocked_friend_is_forbidden(user, other_user):
    make_friends(user, other_user)
    block(other_user, user)
    with pytest.raises(PermissionDenied):
        services.conversation_group_create(actor=user, name="T", member_user_ids=[other_user.id])


def test_group_with_unknown_user_is_not_found(user):
    with pytest.raises(Http404):
        services.conversation_group_create(actor=user, name="T", member_user_ids=[424242])


@pytest.mark.parametrize("ids", ["1,2", [1, "2"], [True], [0], [-3], {"a": 1}])
def test_group_member_ids_must_be_a_list_of_ids(user, ids):
    with pytest.raises(ValidationError):
        services.conversation_group_create(actor=user, name="T", member_user_ids=ids)


@pytest.mark.parametrize("cap", [0, 1, -5, services.MAX_PARTICIPANTS_LIMIT + 1, "3", 2.5])
def test_group_cap_must_be_sensible(user, cap):
    with pytest.raises(ValidationError) as exc:
        services.conversation_group_create(actor=user, name="T", max_participants=cap)
    assert "max_participants" in exc.value.message_dict


def test_group_cap_below_initial_members_is_invalid(user, other_user):
    carol = UserFactory()
    make_friends(user, other_user, carol)
    with pytest.raises(ValidationError):
        services.conversation_group_create(
            actor=user, name="T", member_user_ids=[other_user.id, carol.id], max_participants=2
        )


# --- Update and delete -----------------------------------------------------------------


def test_admin_updates_group_and_members_hear_it(
    user, other_user, sent_events, django_capture_on_commit_callbacks
):
    conversation = group_with(user, other_user, name="Old")
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_update(
            actor=user,
            conversation_id=conversation.id,
            name=" New ",
            description="About",
            is_public=True,
            max_participants=10,
        )
    conversation.refresh_from_db()
    assert (conversation.name, conversation.description) == ("New", "About")
    assert conversation.is_public is True
    assert conversation.max_participants == 10
    assert types(sent_events) == [
        (f"conversation.{conversation.id}", "new_message"),  # the system line of the rename
        (f"conversation.{conversation.id}", "conversation_updated"),
    ]
    assert sent_events[0][1]["message"]["system"] == {
        "event": "renamed",
        "actor_id": user.id,
        "name": "New",
    }
    payload = sent_events[1][1]["conversation"]
    assert payload["name"] == "New"
    assert payload["last_message"]["content"] == "Alice renamed the group to New"
    assert payload["is_public"] is True
    assert "unread_count" not in payload  # per-user fields do not go to the whole group
    assert "last_read_message_id" not in payload


def test_update_without_change_emits_nothing(user, sent_events, django_capture_on_commit_callbacks):
    conversation = group_with(user, name="Same")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.conversation_update(actor=user, conversation_id=conversation.id, name="Same")
    assert callbacks == []


def test_update_can_lift_the_cap(user):
    conversation = group_with(user, max_participants=5)
    services.conversation_update(actor=user, conversation_id=conversation.id, max_participants=None)
    conversation.refresh_from_db()
    assert conversation.max_participants is None


def test_member_cannot_update(user, other_user):
    conversation = group_with(user, other_user)
    with pytest.raises(PermissionDenied):
        services.conversation_update(actor=other_user, conversation_id=conversation.id, name="X")


def test_stranger_cannot_update(user, other_user):
    conversation = group_with(user)
    with pytest.raises(Http404):
        services.conversation_update(actor=other_user, conversation_id=conversation.id, name="X")


def test_direct_chat_cannot_be_updated(user, other_user):
    conversation = direct_conversation(user, other_user)
    with pytest.raises(ValidationError):
        services.conversation_update(actor=user, conversation_id=conversation.id, name="X")


def test_cap_below_member_count_is_invalid(user, other_user):
    conversation = group_with(user, other_user, UserFactory())
    with pytest.raises(ValidationError) as exc:
        services.conversation_update(
            actor=user, conversation_id=conversation.id, max_participants=2
        )
    assert "max_participants" in exc.value.message_dict


def test_unknown_update_field_is_invalid(user):
    conversation = group_with(user)
    with pytest.raises(ValidationError):
        services.conversation_update(actor=user, conversation_id=conversation.id, type="direct")


def test_failed_update_emits_nothing(user, sent_events, django_capture_on_commit_callbacks):
    conversation = group_with(user, name="Keep")
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError),
    ):
        services.conversation_update(
            actor=user, conversation_id=conversation.id, description="ok", name=""
        )
    assert callbacks == []
    conversation.refresh_from_db()
    assert conversation.name == "Keep"


def test_admin_deletes_group_and_every_member_hears_it(
    user, other_user, sent_events, django_capture_on_commit_callbacks
):
    conversation = group_with(user, other_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_delete(actor=user, conversation_id=conversation.id)
    assert not Conversation.objects.filter(id=conversation.id).exists()
    assert sent_events == [
        (f"user.{user.id}", {"type": "conversation_deleted", "conversation_id": conversation.id}),
        (
            f"user.{other_user.id}",
            {"type": "conversation_deleted", "conversation_id": conversation.id},
        ),
    ]


def test_member_cannot_delete_and_nothing_is_sent(
    user, other_user, sent_events, django_capture_on_commit_callbacks
):
    conversation = group_with(user, other_user)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(PermissionDenied),
    ):
        services.conversation_delete(actor=other_user, conversation_id=conversation.id)
    assert callbacks == []
    assert Conversation.objects.filter(id=conversation.id).exists()


def test_direct_chat_cannot_be_deleted(user, other_user):
    conversation = direct_conversation(user, other_user)
    with pytest.raises(ValidationError):
        services.conversation_delete(actor=user, conversation_id=conversation.id)


def test_delete_unknown_conversation_is_not_found(user):
    with pytest.raises(Http404):
        services.conversation_delete(actor=user, conversation_id=987654)


# --- Members ---------------------------------------------------------------------------


def test_admin_adds_friends_and_everyone_hears_it(
    user, other_user, sent_events, django_capture_on_commit_callbacks
):
    carol = UserFactory()
    make_friends(user, carol)
    conversation = group_with(user, other_user)
    conversation.last_seq, conversation.last_message_id = 7, None
    conversation.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_members_add(
            actor=user, conversation_id=conversation.id, user_ids=[carol.id, other_user.id]
        )
    assert roles(conversation)[carol.id] == MEMBER
    # Nothing unread: not the history before, nor the system line "Alice added Carol" (8).
    assert ConversationMember.objects.get(user=carol).last_read_seq == 8
    assert types(sent_events) == [
        (f"conversation.{conversation.id}", "member_added"),
        (f"conversation.{conversation.id}", "new_message"),  # "Alice added Carol"
        (f"user.{carol.id}", "conversation_created"),
        (f"user.{carol.id}", "notification"),  # only the new member: bob was in already
    ]
    assert sent_events[1][1]["message"]["system"] == {
        "event": "added",
        "actor_id": user.id,
        "user_id": carol.id,
    }
    assert sent_events[0][1] == {
        "type": "member_added",
        "conversation_id": conversation.id,
        "user_id": carol.id,
    }
    created = sent_events[2][1]["conversation"]
    assert created["member_ids"] == [user.id, other_user.id, carol.id]
    assert created["unread_count"] == 0


def test_adding_only_existing_members_changes_nothing(
    user, other_user, django_capture_on_commit_callbacks
):
    conversation = group_with(user, other_user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.conversation_members_add(
            actor=user, conversation_id=conversation.id, user_ids=[other_user.id]
        )
    assert callbacks == []


def test_member_cannot_add(user, other_user):
    carol = UserFactory()
    make_friends(other_user, carol)
    conversation = group_with(user, other_user)
    with pytest.raises(PermissionDenied):
        services.conversation_members_add(
            actor=other_user, conversation_id=conversation.id, user_ids=[carol.id]
        )


def test_adding_a_non_friend_is_forbidden(user, other_user, django_capture_on_commit_callbacks):
    conversation = group_with(user)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(PermissionDenied),
    ):
        services.conversation_members_add(
            actor=user, conversation_id=conversation.id, user_ids=[other_user.id]
        )
    assert callbacks == []
    assert roles(conversation) == {user.id: OWNER}


def test_adding_a_blocked_friend_is_forbidden(user, other_user):
    make_friends(user, other_user)
    block(user, other_user)
    conversation = group_with(user)
    with pytest.raises(PermissionDenied):
        services.conversation_members_add(
            actor=user, conversation_id=conversation.id, user_ids=[other_user.id]
        )


def test_adding_an_unknown_user_is_not_found(user):
    conversation = group_with(user)
    with pytest.raises(Http404):
        services.conversation_members_add(
            actor=user, conversation_id=conversation.id, user_ids=[5555555]
        )


def test_adding_nobody_is_invalid(user):
    conversation = group_with(user)
    with pytest.raises(ValidationError):
        services.conversation_members_add(actor=user, conversation_id=conversation.id, user_ids=[])


def test_adding_over_the_cap_is_a_conflict_and_adds_nobody(user, other_user):
    carol, dave = UserFactory(), UserFactory()
    make_friends(user, carol, dave)
    conversation = group_with(user, other_user, max_participants=3)
    with pytest.raises(Conflict):
        services.conversation_members_add(
            actor=user, conversation_id=conversation.id, user_ids=[carol.id, dave.id]
        )
    assert set(roles(conversation)) == {user.id, other_user.id}


def test_adding_to_a_direct_chat_is_invalid(user, other_user):
    carol = UserFactory()
    make_friends(user, carol)
    conversation = direct_conversation(user, other_user)
    with pytest.raises(ValidationError):
        services.conversation_members_add(
            actor=user, conversation_id=conversation.id, user_ids=[carol.id]
        )


def test_admin_removes_a_member(user, other_user, sent_events, django_capture_on_commit_callbacks):
    conversation = group_with(user, other_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_member_remove(
            actor=user, conversation_id=conversation.id, user_id=other_user.id
        )
    assert roles(conversation) == {user.id: OWNER}
    assert sent_events[0][1]["message"]["system"] == {
        "event": "removed",
        "actor_id": user.id,
        "user_id": other_user.id,
    }
    assert sent_events[1:] == [
        (
            f"conversation.{conversation.id}",
            {
                "type": "member_removed",
                "conversation_id": conversation.id,
                "user_id": other_user.id,
            },
        ),
        (
            f"user.{other_user.id}",
            {"type": "removed_from_conversation", "conversation_id": conversation.id},
        ),
    ]


def test_admin_can_remove_another_admin(user, other_user):
    conversation = group_with(user, other_user)
    ConversationMember.objects.filter(user=other_user).update(role=ADMIN)
    services.conversation_member_remove(
        actor=user, conversation_id=conversation.id, user_id=other_user.id
    )
    assert roles(conversation) == {user.id: OWNER}


def test_member_cannot_remove_others(user, other_user):
    carol = UserFactory()
    conversation = group_with(user, other_user, carol)
    with pytest.raises(PermissionDenied):
        services.conversation_member_remove(
            actor=other_user, conversation_id=conversation.id, user_id=carol.id
        )


def test_removing_a_non_member_is_not_found(user):
    conversation = group_with(user)
    with pytest.raises(Http404):
        services.conversation_member_remove(
            actor=user, conversation_id=conversation.id, user_id=UserFactory().id
        )


def test_removing_yourself_is_leaving(user, other_user):
    conversation = group_with(user, other_user)
    services.conversation_member_remove(
        actor=other_user, conversation_id=conversation.id, user_id=other_user.id
    )
    assert roles(conversation) == {user.id: OWNER}


def test_removing_from_a_direct_chat_is_invalid(user, other_user):
    conversation = direct_conversation(user, other_user)
    with pytest.raises(ValidationError):
        services.conversation_member_remove(
            actor=user, conversation_id=conversation.id, user_id=other_user.id
        )


# --- Leaving ---------------------------------------------------------------------------


def test_member_leaves(user, other_user, sent_events, django_capture_on_commit_callbacks):
    conversation = group_with(user, other_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_leave(actor=other_user, conversation_id=conversation.id)
    assert types(sent_events) == [
        (f"conversation.{conversation.id}", "new_message"),  # "Bob left"
        (f"conversation.{conversation.id}", "member_removed"),
        (f"user.{other_user.id}", "removed_from_conversation"),
    ]


def test_owner_leaving_hands_ownership_to_the_oldest_member(
    user, other_user, sent_events, django_capture_on_commit_callbacks
):
    carol = UserFactory()
    conversation = group_with(user, other_user, carol)
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_leave(actor=user, conversation_id=conversation.id)
    assert roles(conversation) == {other_user.id: OWNER, carol.id: MEMBER}
    group = f"conversation.{conversation.id}"
    assert types(sent_events) == [
        (group, "new_message"),  # "Alice left"
        (group, "member_removed"),
        (f"user.{user.id}", "removed_from_conversation"),
        (group, "member_role_changed"),
        (group, "new_message"),  # "Bob is now the owner"
    ]
    assert sent_events[3][1] == {
        "type": "member_role_changed",
        "conversation_id": conversation.id,
        "user_id": other_user.id,
        "role": "owner",
    }
    assert sent_events[4][1]["message"]["system"] == {
        "event": "owner_changed",
        "actor_id": user.id,
        "user_id": other_user.id,
    }


def test_oldest_member_ties_are_broken_by_id(user, other_user):
    carol = UserFactory()
    conversation = group_with(user, carol, other_user)
    ConversationMember.objects.filter(conversation=conversation).update(
        joined_at=ConversationMember.objects.get(user=user).joined_at
    )
    services.conversation_leave(actor=user, conversation_id=conversation.id)
    first = min(
        ConversationMember.objects.filter(conversation=conversation).values_list("id", flat=True)
    )
    assert ConversationMember.objects.get(id=first).role == OWNER


def test_owner_leaving_hands_ownership_to_the_oldest_admin_before_older_members(user, other_user):
    carol = UserFactory()
    conversation = group_with(user, carol, other_user)
    ConversationMember.objects.filter(user=other_user).update(role=ADMIN)
    services.conversation_leave(actor=user, conversation_id=conversation.id)
    assert roles(conversation) == {carol.id: MEMBER, other_user.id: OWNER}


def test_admin_leaving_changes_no_role(user, other_user):
    carol = UserFactory()
    conversation = group_with(user, carol, other_user)
    ConversationMember.objects.filter(user=other_user).update(role=ADMIN)
    services.conversation_leave(actor=other_user, conversation_id=conversation.id)
    assert roles(conversation) == {user.id: OWNER, carol.id: MEMBER}


def test_last_member_leaving_deletes_the_group(
    user, sent_events, django_capture_on_commit_callbacks
):
    conversation = group_with(user)
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_leave(actor=user, conversation_id=conversation.id)
    assert not Conversation.objects.filter(id=conversation.id).exists()
    assert sent_events == [
        (
            f"user.{user.id}",
            {"type": "removed_from_conversation", "conversation_id": conversation.id},
        )
    ]


def test_leaving_a_direct_chat_is_invalid(user, other_user):
    conversation = direct_conversation(user, other_user)
    with pytest.raises(ValidationError):
        services.conversation_leave(actor=user, conversation_id=conversation.id)


def test_stranger_cannot_leave(user, other_user):
    conversation = group_with(user)
    with pytest.raises(Http404):
        services.conversation_leave(actor=other_user, conversation_id=conversation.id)


# --- Public rooms ----------------------------------------------------------------------


def test_anyone_joins_a_public_room(
    user, other_user, sent_events, django_capture_on_commit_callbacks
):
    room = public_room_with(user, name="Lobby")
    room.last_seq, room.last_message_id = 12, None
    room.save()
    with django_capture_on_commit_callbacks(execute=True):
        _, joined = services.conversation_join(actor=other_user, conversation_id=room.id)
    assert joined is True
    assert roles(room) == {user.id: OWNER, other_user.id: MEMBER}
    # Nothing unread: neither the history nor the system line "Bob joined" (13).
    assert ConversationMember.objects.get(user=other_user).last_read_seq == 13
    assert ConversationMember.objects.get(user=user).last_read_seq == 0  # not caught up before
    assert types(sent_events) == [
        (f"conversation.{room.id}", "member_added"),
        (f"conversation.{room.id}", "new_message"),
        (f"user.{other_user.id}", "conversation_created"),
    ]
    assert sent_events[1][1]["message"]["system"] == {"event": "joined", "actor_id": other_user.id}
    assert sent_events[0][1] == {
        "type": "member_added",
        "conversation_id": room.id,
        "user_id": other_user.id,
    }


def test_joining_twice_changes_nothing(user, other_user, django_capture_on_commit_callbacks):
    room = public_room_with(user, other_user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _, joined = services.conversation_join(actor=other_user, conversation_id=room.id)
    assert joined is False
    assert callbacks == []


def test_joining_a_private_group_is_not_found(user, other_user):
    conversation = group_with(user)
    with pytest.raises(Http404):
        services.conversation_join(actor=other_user, conversation_id=conversation.id)


def test_joining_a_direct_chat_is_not_found(user, other_user):
    conversation = direct_conversation(user, UserFactory())
    with pytest.raises(Http404):
        services.conversation_join(actor=other_user, conversation_id=conversation.id)


def test_joining_a_full_room_is_a_conflict(user, other_user, django_capture_on_commit_callbacks):
    room = public_room_with(user, UserFactory(), max_participants=2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Conflict):
        services.conversation_join(actor=other_user, conversation_id=room.id)
    assert callbacks == []


@pytest.mark.needs_services
@pytest.mark.django_db(transaction=True)
def test_concurrent_joins_never_exceed_the_cap(user):
    room = public_room_with(user, max_participants=3)
    joiners = UserFactory.create_batch(6)
    results = run_concurrently(
        *[
            (lambda u=u: services.conversation_join(actor=u, conversation_id=room.id))
            for u in joiners
        ]
    )
    assert sum(1 for r in results if isinstance(r, tuple)) == 2
    assert sum(1 for r in results if isinstance(r, Conflict)) == 4
    assert ConversationMember.objects.filter(conversation=room).count() == 3


@pytest.mark.needs_services
@pytest.mark.django_db(transaction=True)
def test_concurrent_adds_and_joins_never_exceed_the_cap(user):
    room = public_room_with(user, max_participants=3)
    friends = UserFactory.create_batch(3)
    make_friends(user, *friends)
    joiners = UserFactory.create_batch(3)
    calls = [
        lambda f=f: services.conversation_members_add(
            actor=user, conversation_id=room.id, user_ids=[f.id]
        )
        for f in friends
    ] + [lambda u=u: services.conversation_join(actor=u, conversation_id=room.id) for u in joiners]
    results = run_concurrently(*calls)
    assert not [r for r in results if isinstance(r, BaseException) and not isinstance(r, Conflict)]
    assert ConversationMember.objects.filter(conversation=room).count() == 3


@pytest.mark.needs_services
@pytest.mark.django_db(transaction=True)
def test_concurrent_leaves_of_owner_and_admin_keep_an_owner(user, other_user):
    carol = UserFactory()
    conversation = group_with(user, other_user, carol)
    ConversationMember.objects.filter(user=other_user).update(role=ADMIN)
    run_concurrently(
        lambda: services.conversation_leave(actor=user, conversation_id=conversation.id),
        lambda: services.conversation_leave(actor=other_user, conversation_id=conversation.id),
    )
    assert roles(conversation) == {carol.id: OWNER}


# --- Moderation ------------------------------------------------------------------------


def test_moderator_removes_the_owner_and_the_oldest_member_takes_over(user, other_user):
    moderator = staff_with("conversations.delete_conversationmember")
    conversation = group_with(user, other_user)
    services.conversation_member_moderate_remove(
        actor=moderator, conversation_id=conversation.id, user_id=user.id
    )
    assert roles(conversation) == {other_user.id: OWNER}


def test_moderator_deletes_a_direct_chat(
    user, other_user, sent_events, django_capture_on_commit_callbacks
):
    moderator = staff_with("conversations.delete_conversation")
    conversation = direct_conversation(user, other_user)
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_moderate_delete(actor=moderator, conversation_id=conversation.id)
    assert not Conversation.objects.exists()
    assert types(sent_events) == [
        (f"user.{user.id}", "conversation_deleted"),
        (f"user.{other_user.id}", "conversation_deleted"),
    ]


def test_moderation_needs_staff(user, other_user):
    conversation = group_with(user, other_user)
    with pytest.raises(PermissionDenied):
        services.conversation_moderate_delete(actor=other_user, conversation_id=conversation.id)
    with pytest.raises(PermissionDenied):
        services.conversation_member_moderate_remove(
            actor=other_user, conversation_id=conversation.id, user_id=user.id
        )


def test_moderation_needs_the_matching_delete_permission(user, other_user):
    """Staff status alone is not enough: each action asks for the permission the admin
    asks for (the moderators group has neither)."""
    conversation = group_with(user, other_user)
    for actor in (
        UserFactory(is_staff=True),
        staff_with("conversations.delete_conversationmember"),
        staff_with("conversations.delete_conversation", is_active=False),
    ):
        with pytest.raises(PermissionDenied):
            services.conversation_moderate_delete(actor=actor, conversation_id=conversation.id)
    for actor in (UserFactory(is_staff=True), staff_with("conversations.delete_conversation")):
        with pytest.raises(PermissionDenied):
            services.conversation_member_moderate_remove(
                actor=actor, conversation_id=conversation.id, user_id=user.id
            )
    assert roles(conversation) == {user.id: OWNER, other_user.id: "member"}


# --- Events only after commit ----------------------------------------------------------


def test_rolled_back_write_emits_nothing(
    user, other_user, sent_events, django_capture_on_commit_callbacks
):
    make_friends(user, other_user)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        contextlib.suppress(RuntimeError),
        transaction.atomic(),
    ):
        services.conversation_group_create(
            actor=user, name="Doomed", member_user_ids=[other_user.id]
        )
        raise RuntimeError("the surrounding request failed")
    assert callbacks == []
    assert sent_events == []
    assert not Conversation.objects.exists()


def test_new_member_event_carries_the_last_message(
    user, other_user, sent_events, django_capture_on_commit_callbacks
):
    from messaging.models import Message
    from messaging.tests.factories import MessageFactory

    make_friends(user, other_user)
    conversation = group_with(user)
    message = MessageFactory(conversation=conversation, sender=user, content="hello")
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_members_add(
            actor=user, conversation_id=conversation.id, user_ids=[other_user.id]
        )
    created = next(e for g, e in sent_events if e["type"] == "conversation_created")
    line = Message.objects.exclude(id=message.id).get()  # "Alice added Bob"
    assert created["conversation"]["last_message"]["id"] == line.id
    assert created["conversation"]["last_message"]["content"] == "Alice added Bob"
    assert created["conversation"]["unread_count"] == 0
    assert created["conversation"]["last_read_message_id"] == line.id

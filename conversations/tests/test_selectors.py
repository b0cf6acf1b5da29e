import pytest
from django.http import Http404

from accounts.tests.factories import UserFactory
from conversations import selectors
from conversations.tests.factories import direct_conversation, group_with, public_room_with
from messaging.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


def test_list_for_user_is_scoped_and_ordered_by_activity(user, other_user):
    old = group_with(user, name="old")
    direct = direct_conversation(user, other_user)
    group_with(other_user, name="not alice's")
    MessageFactory(conversation=old, sender=user)
    new = group_with(user, name="new")
    ids = [c.id for c in selectors.conversation_list_for_user(user_id=user.id)]
    assert ids == [new.id, old.id, direct.id]


def test_list_for_user_prefetches_members(user, other_user, django_assert_num_queries):
    group_with(user, other_user)
    direct_conversation(user, UserFactory())
    with django_assert_num_queries(2):
        conversations = list(selectors.conversation_list_for_user(user_id=user.id))
        for conversation in conversations:
            [m.user.username for m in conversation.memberships.all()]


def test_detail_for_user_hides_other_conversations(user, other_user):
    mine = group_with(user)
    theirs = public_room_with(other_user)
    assert selectors.conversation_detail_for_user(user_id=user.id, conversation_id=mine.id) == mine
    for conversation_id in (theirs.id, 999999, "abc", None):
        with pytest.raises(Http404):
            selectors.conversation_detail_for_user(user_id=user.id, conversation_id=conversation_id)


def test_public_room_list_search_and_member_count(user, other_user):
    room = public_room_with(user, other_user, name="Jazz", description="smooth")
    public_room_with(user, name="Rock")
    group_with(user, name="Jazz private")
    assert [r.id for r in selectors.public_room_list(search="JAZZ")] == [room.id]
    assert [r.id for r in selectors.public_room_list(search="smoo")] == [room.id]
    assert selectors.public_room_list(search="  ").count() == 2
    assert selectors.public_room_list(search="jazz").get().member_count == 2


def test_public_room_get_only_for_public_groups(user, other_user):
    room = public_room_with(user)
    assert selectors.public_room_get(conversation_id=room.id).member_count == 1
    for hidden in (group_with(user).id, direct_conversation(user, other_user).id, 424242, "x"):
        with pytest.raises(Http404):
            selectors.public_room_get(conversation_id=hidden)


def test_existing_shared_functions_keep_working(user, other_user):
    conversation = group_with(user, other_user)
    assert selectors.conversation_ids_for_user(user.id) == [conversation.id]
    assert sorted(selectors.member_ids(conversation.id)) == sorted([user.id, other_user.id])
    membership = selectors.membership_get(user_id=user.id, conversation_id=conversation.id)
    assert membership.role == "owner"
    assert (
        selectors.conversation_get_for_user(user_id=other_user.id, conversation_id=conversation.id)
        == conversation
    )
    with pytest.raises(Http404):
        selectors.membership_get(user_id=UserFactory().id, conversation_id=conversation.id)
    with pytest.raises(Http404):
        selectors.membership_get(user_id=user.id, conversation_id="abc")

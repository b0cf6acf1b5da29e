import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from accounts.tests.factories import UserFactory
from friends import selectors
from friends.models import Friendship
from friends.tests.factories import AcceptedFriendshipFactory, BlockFactory, FriendshipFactory

pytestmark = pytest.mark.django_db


def test_are_friends_and_friend_ids_both_directions(user, other_user, carol):
    AcceptedFriendshipFactory(requester=user, receiver=other_user)
    AcceptedFriendshipFactory(requester=carol, receiver=user)
    FriendshipFactory(requester=other_user, receiver=carol)
    assert selectors.are_friends(user.pk, other_user.pk)
    assert selectors.are_friends(other_user.pk, user.pk)
    assert not selectors.are_friends(other_user.pk, carol.pk)
    assert selectors.friend_ids(user.pk) == {other_user.pk, carol.pk}
    assert selectors.friend_ids(other_user.pk) == {user.pk}


def test_block_helpers_see_both_directions(user, other_user, carol):
    BlockFactory(blocker=user, blocked=other_user)
    BlockFactory(blocker=carol, blocked=user)
    assert selectors.is_blocked_between(other_user.pk, user.pk)
    assert selectors.is_blocked_between(user.pk, carol.pk)
    assert not selectors.is_blocked_between(other_user.pk, carol.pk)
    assert selectors.blocked_ids_either_way(user.pk) == {other_user.pk, carol.pk}


def test_friend_list_is_accepted_active_friends_alphabetical(user, other_user, carol):
    zed = UserFactory(username="Zed")
    adam = UserFactory(username="adam")
    AcceptedFriendshipFactory(requester=user, receiver=zed)
    AcceptedFriendshipFactory(requester=adam, receiver=user)
    AcceptedFriendshipFactory(requester=user, receiver=UserFactory(is_active=False))
    FriendshipFactory(requester=user, receiver=other_user)  # pending
    FriendshipFactory(requester=carol, receiver=user, status=Friendship.Status.REJECTED)
    AcceptedFriendshipFactory(requester=other_user, receiver=carol)  # not mine
    assert list(selectors.friend_list_for_user(user=user)) == [adam, zed]


def test_request_lists_by_direction(user, other_user, carol):
    incoming_old = FriendshipFactory(requester=other_user, receiver=user)
    incoming_new = FriendshipFactory(requester=carol, receiver=user)
    outgoing = FriendshipFactory(requester=user, receiver=UserFactory())
    FriendshipFactory(requester=UserFactory(), receiver=user, status=Friendship.Status.REJECTED)
    AcceptedFriendshipFactory(requester=UserFactory(), receiver=user)
    FriendshipFactory(requester=UserFactory(is_active=False), receiver=user)
    FriendshipFactory(requester=user, receiver=UserFactory(is_active=False))
    assert list(selectors.request_list_for_user(user=user)) == [incoming_new, incoming_old]
    assert list(selectors.request_list_for_user(user=user, direction="outgoing")) == [outgoing]


@pytest.mark.parametrize("direction", ["", "INCOMING", "both", "sideways"])
def test_request_list_refuses_unknown_direction(user, direction):
    with pytest.raises(ValidationError) as exc:
        selectors.request_list_for_user(user=user, direction=direction)
    assert "direction" in exc.value.message_dict


def test_block_list_is_only_whom_i_block(user, other_user, carol):
    mine = BlockFactory(blocker=user, blocked=other_user)
    BlockFactory(blocker=carol, blocked=user)  # private to carol
    assert list(selectors.block_list_for_user(user=user)) == [mine]


def test_user_lookups(user):
    banned = UserFactory(username="gone", is_active=False)
    assert selectors.user_get_by_username(username="ALICE") == user
    with pytest.raises(Http404):
        selectors.user_get_by_username(username="gone")
    assert selectors.user_get_by_id(user_id=str(banned.pk)) == banned
    for bad in ["x", None, 0, 2**64, True, [1]]:
        with pytest.raises(Http404):
            selectors.user_get_by_id(user_id=bad)


def test_pending_request_get_checks_role(user, other_user):
    request = FriendshipFactory(requester=user, receiver=other_user)
    assert selectors.pending_request_get(request_id=request.pk, receiver_id=other_user.pk)
    with pytest.raises(Http404):
        selectors.pending_request_get(request_id=request.pk, receiver_id=user.pk)

"""Reads over the social graph. Other apps ask these questions; they never query friends' models."""

from django.db.models import Q

from .models import Block, Friendship


def are_friends(user_a_id: int, user_b_id: int) -> bool:
    return Friendship.objects.filter(
        Q(requester_id=user_a_id, receiver_id=user_b_id)
        | Q(requester_id=user_b_id, receiver_id=user_a_id),
        status=Friendship.Status.ACCEPTED,
    ).exists()


def friend_ids(user_id: int) -> set[int]:
    """Ids of everyone `user_id` is friends with."""
    rows = Friendship.objects.filter(
        Q(requester_id=user_id) | Q(receiver_id=user_id), status=Friendship.Status.ACCEPTED
    ).values_list("requester_id", "receiver_id")
    return {b if a == user_id else a for a, b in rows}


def is_blocked_between(user_a_id: int, user_b_id: int) -> bool:
    """True when either user blocks the other."""
    return Block.objects.filter(
        Q(blocker_id=user_a_id, blocked_id=user_b_id)
        | Q(blocker_id=user_b_id, blocked_id=user_a_id)
    ).exists()


def blocked_ids_either_way(user_id: int) -> set[int]:
    """Everyone `user_id` blocks or is blocked by."""
    rows = Block.objects.filter(Q(blocker_id=user_id) | Q(blocked_id=user_id)).values_list(
        "blocker_id", "blocked_id"
    )
    return {b if a == user_id else a for a, b in rows}

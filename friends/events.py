"""Payloads of the friends app's real-time events, built with the REST serializers.

Services pass them to `chat_project.realtime`, which sends them after commit.
"""

from typing import Any

from friends.api.serializers import FriendRequestSerializer
from friends.models import Friendship


def _request_data(friendship: Friendship, *, viewer_id: int) -> dict[str, Any]:
    """The REST representation as `viewer_id`, the one recipient, sees it (emails)."""
    data = FriendRequestSerializer(friendship, context={"viewer_id": viewer_id}).data
    # Plain dicts all the way down: the channel layer serialises with msgpack.
    return {key: dict(value) if isinstance(value, dict) else value for key, value in data.items()}


def friend_request(friendship: Friendship) -> dict[str, Any]:
    """To the receiver: someone asked to be their friend (the requester's email is not
    shown: they are not friends yet)."""
    request = _request_data(friendship, viewer_id=friendship.receiver_id)
    return {"type": "friend_request", "request": request}


def friend_request_accepted(friendship: Friendship) -> dict[str, Any]:
    """To the requester: their request was accepted (status is now "accepted", so the
    two are friends and each may see the other's email)."""
    request = _request_data(friendship, viewer_id=friendship.requester_id)
    return {"type": "friend_request_accepted", "request": request}


def friend_request_cancelled(request_id: int) -> dict[str, Any]:
    """To the receiver: the requester withdrew, so the inbox entry can go."""
    return {"type": "friend_request_cancelled", "request_id": request_id}


def friend_removed(user_id: int) -> dict[str, Any]:
    """To the other party of an ended friendship: drop `user_id` from the friend list."""
    return {"type": "friend_removed", "user_id": user_id}

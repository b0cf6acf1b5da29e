"""Payloads of the accounts app's real-time events, built with the REST serializer.

Services pass them to `chat_project.realtime`, which sends them after commit.
"""

from typing import Any

from accounts.api.serializers import NotificationSerializer, UserPublicSerializer
from accounts.models import Notification, User


def notification(notification: Notification) -> dict[str, Any]:
    """To the recipient's user group (every socket of theirs): a new notification."""
    data = NotificationSerializer(notification).data
    # Plain dicts all the way down: the channel layer serialises with msgpack.
    payload = {
        key: dict(value) if isinstance(value, dict) else value for key, value in data.items()
    }
    return {"type": "notification", "notification": payload}


def notifications_read(notification_ids: list[int]) -> dict[str, Any]:
    """To the recipient's user group: these notifications were settled elsewhere (another
    tab, or the thing they announced was answered), so every bell drops them."""
    return {"type": "notifications_read", "notification_ids": notification_ids}


def user_updated(user: User) -> dict[str, Any]:
    """To everyone who can see `user` (conversations.avatars.user_audience_groups): how
    they look now — name and avatar, never the email."""
    return {"type": "user_updated", "user": dict(UserPublicSerializer(user).data)}

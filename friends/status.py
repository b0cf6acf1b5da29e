"""A user's status (online / away / do not disturb / invisible) and "last seen", shared
with friends exactly as presence is: `selectors.presence_audience` (friends, never across
a block). The rule of what friends see is `accounts.status`.

friends owns it, not accounts, because who may see it is a friends fact; the columns
are on `accounts.User` (one row read with the user, no join on the hot paths).

Events, after commit:
- `status_changed` to the user's own group: their other devices follow, and each socket
  knows at once whether "do not disturb" holds (`alert` on `new_message`);
- `user_online` (with the new `status`) or `user_offline` (going invisible) to each
  friend's group, only while the user is connected: offline is offline whatever the
  status.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Status, User
from accounts.status import shown_last_seen, shown_status
from chat_project import realtime
from chat_project.api import iso_datetime

from . import selectors

STATUSES = tuple(Status.values)
#: Unchanged fields of `user_status_set`.
UNCHANGED = object()


def presence_event(
    user_id: int, *, status: str | None, last_seen: datetime | None = None
) -> dict[str, Any]:
    """`user_online` (`status` online/away/dnd) or `user_offline` (`status` None: offline
    or invisible; `last_seen` when shown)."""
    if status is None:
        return {
            "type": "user_offline",
            "user_id": user_id,
            "status": "offline",
            "last_seen": iso_datetime(last_seen),
        }
    return {"type": "user_online", "user_id": user_id, "status": status, "last_seen": None}


def presence_event_for(user: Any, *, online: bool) -> dict[str, Any]:
    """What friends hear about `user` now that they are `online` (or went offline)."""
    if not online:
        return presence_event(
            user.pk, status=None, last_seen=shown_last_seen(user.status, user.last_seen_at)
        )
    return presence_event(user.pk, status=shown_status(user.status, user.idle))


def own_status(user: User) -> dict[str, Any]:
    """The user's own view (REST body and the `status_changed` event)."""
    return {
        "status": user.status,
        "idle": user.idle,
        "shown_as": shown_status(user.status, user.idle) or "offline",
        "last_seen": iso_datetime(user.last_seen_at),
    }


@transaction.atomic
def user_status_set(*, actor: User, status: object = UNCHANGED, idle: object = UNCHANGED) -> User:
    """Choose a status and/or report idleness (the web UI, after N minutes without input)."""
    user = User.objects.select_for_update().get(pk=actor.pk)
    before = shown_status(user.status, user.idle)
    fields = []
    if status is not UNCHANGED:
        if status not in STATUSES:
            raise ValidationError({"status": [f"One of {', '.join(STATUSES)}."]})
        user.status = str(status)
        fields.append("status")
    if idle is not UNCHANGED:
        if not isinstance(idle, bool):
            raise ValidationError({"idle": ["true or false."]})
        user.idle = idle
        fields.append("idle")
    if not fields:
        return user
    user.save(update_fields=fields)
    actor.status, actor.idle = user.status, user.idle
    realtime.broadcast_on_commit(
        realtime.user_group(user.pk), {"type": "status_changed", **own_status(user)}
    )
    after = shown_status(user.status, user.idle)
    if after != before:
        transaction.on_commit(lambda: _tell_friends(user))
    return user


def _tell_friends(user: User) -> None:
    """Only a connected user's status is news: offline stays offline."""
    if not realtime.is_online(user.pk):
        return
    # Invisible: `user_offline` without "last seen" (it would tell when they went dark).
    event = presence_event_for(user, online=True)
    for friend_id in selectors.presence_audience(user.pk):
        realtime.send_now(realtime.user_group(friend_id), event)


def user_went_offline(*, user_id: int, at: datetime | None = None) -> dict[str, Any] | None:
    """The user's last socket closed: record "last seen" (not while invisible) and return
    the `user_offline` event for friends (None for an unknown user)."""
    at = at or timezone.now()
    user = User.objects.filter(pk=user_id).only("id", "status", "last_seen_at").first()
    if user is None:
        return None
    if user.status != Status.INVISIBLE:
        User.objects.filter(pk=user_id).update(last_seen_at=at)
        user.last_seen_at = at
    return presence_event_for(user, online=False)


def statuses_of(user_ids: list[int]) -> dict[int, str | None]:
    """What friends see of these connected users (None: invisible), one query."""
    rows = User.objects.filter(pk__in=user_ids).values_list("id", "status", "idle")
    return {uid: shown_status(status, idle) for uid, status, idle in rows}

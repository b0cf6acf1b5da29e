"""What friends see of a user's status: the one rule, used by REST, events and the socket.

The stored `User.status` is a choice (`online` = automatic, `away`, `dnd`, `invisible`);
`User.idle` is the web UI's report that nobody touched it for a while. Friends see
`online`, `away` or `dnd` while the user has an open socket, and nothing (offline) when
they are invisible. "Last seen" is hidden while invisible: an invisible user's friends
should not learn when they really left.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .models import Status

#: What friends see while the user is connected (`None`: they look offline).
SHOWN = ("online", "away", "dnd")


def shown_status(status: str, idle: bool) -> str | None:
    """The status friends see while the user is connected; None when invisible."""
    if status == Status.INVISIBLE:
        return None
    if status == Status.DND:
        return "dnd"
    if status == Status.AWAY or idle:
        return "away"
    return "online"


def shown_last_seen(status: str, last_seen_at: datetime | None) -> datetime | None:
    return None if status == Status.INVISIBLE else last_seen_at


def is_dnd(user: Any) -> bool:
    """Do not disturb: no alert of any kind (desktop, push, email)."""
    return getattr(user, "status", None) == Status.DND

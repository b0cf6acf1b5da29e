"""Names of the groups events are addressed to.

A group is what a socket listens to: `user.<id>` (every socket of one user),
`conversation.<id>` (every member socket of a conversation) and `session.<hash>` (the
sockets one browser session opened, closed again at logout).
"""

from __future__ import annotations

import hashlib

USER_PREFIX = "user."
CONVERSATION_PREFIX = "conversation."
SESSION_PREFIX = "session."


def user_group(user_id: int) -> str:
    return f"{USER_PREFIX}{user_id}"


def conversation_group(conversation_id: int) -> str:
    return f"{CONVERSATION_PREFIX}{conversation_id}"


def session_group(session_key: str) -> str:
    """A hash, not the key itself: group names end up in Redis channel names and logs,
    and a session key is a credential."""
    digest = hashlib.sha256(session_key.encode()).hexdigest()[:40]
    return f"{SESSION_PREFIX}{digest}"


def conversation_id_of(group: str) -> int | None:
    """The conversation a `conversation.<id>` group names, else None."""
    if group.startswith(CONVERSATION_PREFIX):
        tail = group[len(CONVERSATION_PREFIX) :]
        if tail.isdigit():
            return int(tail)
    return None

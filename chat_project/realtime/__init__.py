"""Real time: the one package that moves events between processes and onto sockets.

It imports no app. Services call `broadcast_on_commit(group, event)` with a payload they
built; the event is published once on the bus (Redis pub/sub, or memory without Redis)
and each process's hub writes it to its own member sockets. Events leave only after the
write commits, so a rolled-back write never produces one.

- `groups`     group names (`user.<id>`, `conversation.<id>`, `session.<hash>`)
- `broadcast`  sending: after commit, from sync or async code; closing a user's sockets
- `bus`        the cross-process transport and its wire format
- `hub`        the per-process delivery hub, socket outboxes and back-pressure
- `ordering`   `new_message` back in `seq` order, once per conversation and process
- `presence`   who is online and who views a room (Redis store or memory store)
"""

from .broadcast import (
    broadcast_on_commit,
    broadcast_to_users_on_commit,
    disconnect_session,
    disconnect_user_on_commit,
    send_async,
    send_now,
)
from .groups import conversation_group, session_group, user_group
from .hub import get_hub, overloaded_for
from .presence import (
    is_online,
    online_user_ids,
    online_user_ids_async,
    open_socket_count,
    presence_connect,
    presence_disconnect,
    presence_linger,
    presence_refresh,
    presence_sweep,
    presence_ttl,
    viewer_join,
    viewer_leave,
)

__all__ = [
    "broadcast_on_commit",
    "broadcast_to_users_on_commit",
    "conversation_group",
    "disconnect_session",
    "disconnect_user_on_commit",
    "get_hub",
    "is_online",
    "online_user_ids",
    "online_user_ids_async",
    "open_socket_count",
    "overloaded_for",
    "presence_connect",
    "presence_disconnect",
    "presence_linger",
    "presence_refresh",
    "presence_sweep",
    "presence_ttl",
    "send_async",
    "send_now",
    "session_group",
    "user_group",
    "viewer_join",
    "viewer_leave",
]

"""State changes for accounts, one module per part:

* `users` — an account's life: registration, password, profile, deactivation, sessions;
* `auth` — logging in: credentials within the login limits, JWT pairs, their rotation and
  revocation, WebSocket tickets;
* `moderation` — bans and the audit log every moderation service writes;
* `notifications` — notifications, created by the services of every app;
* `push` — the browsers (devices) that receive web push (sending: `accounts.push`).

Callers use this package, never its modules: `from accounts import services;
services.user_register(...)`. The names below are its whole public surface.
"""

from .auth import (
    auth_login,
    token_pair_for,
    token_refresh,
    token_revoke,
    user_authenticate,
    user_tokens_revoke_all,
    ws_ticket_consume,
    ws_ticket_issue,
)
from .moderation import REASON_MAX_LENGTH, moderation_log_write, user_ban, user_unban
from .notifications import (
    NOTIFICATION_NOT_FOUND,
    notification_create,
    notification_mark_read,
    notifications_create,
    notifications_mark_all_read,
    notifications_settle,
)
from .push import (
    PUSH_SUBSCRIPTION_NOT_FOUND,
    push_sessions_ended,
    push_subscribe,
    push_unsubscribe,
)
from .users import (
    use_user_audience,
    user_announce,
    user_deactivate,
    user_password_change,
    user_profile_update,
    user_reactivate,
    user_register,
    user_sessions_end,
)

__all__ = [
    "NOTIFICATION_NOT_FOUND",
    "PUSH_SUBSCRIPTION_NOT_FOUND",
    "REASON_MAX_LENGTH",
    "auth_login",
    "moderation_log_write",
    "notification_create",
    "notification_mark_read",
    "notifications_create",
    "notifications_mark_all_read",
    "notifications_settle",
    "push_sessions_ended",
    "push_subscribe",
    "push_unsubscribe",
    "token_pair_for",
    "token_refresh",
    "token_revoke",
    "use_user_audience",
    "user_announce",
    "user_authenticate",
    "user_ban",
    "user_deactivate",
    "user_password_change",
    "user_profile_update",
    "user_reactivate",
    "user_register",
    "user_sessions_end",
    "user_tokens_revoke_all",
    "user_unban",
    "ws_ticket_consume",
    "ws_ticket_issue",
]

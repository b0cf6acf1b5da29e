"""State changes for accounts, one module per part:

* `users` — an account's life: registration, password, profile, deactivation, sessions;
* `auth` — logging in: credentials within the login limits, JWT pairs, their rotation and
  revocation, WebSocket tickets;
* `moderation` — bans and the audit log every moderation service writes;
* `notifications` — notifications, created by the services of every app.

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
from .bots import (
    BOT_NOT_FOUND,
    TOKEN_NOT_FOUND,
    TOKEN_PREFIX,
    api_token_authenticate,
    bot_create,
    bot_delete,
    bot_get_managed,
    bot_token_create,
    bot_token_revoke,
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
    "BOT_NOT_FOUND",
    "NOTIFICATION_NOT_FOUND",
    "REASON_MAX_LENGTH",
    "TOKEN_NOT_FOUND",
    "TOKEN_PREFIX",
    "api_token_authenticate",
    "auth_login",
    "bot_create",
    "bot_delete",
    "bot_get_managed",
    "bot_token_create",
    "bot_token_revoke",
    "moderation_log_write",
    "notification_create",
    "notification_mark_read",
    "notifications_create",
    "notifications_mark_all_read",
    "notifications_settle",
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

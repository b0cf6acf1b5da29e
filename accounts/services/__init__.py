"""State changes for accounts, one module per part:

* `users` — an account's life: registration, password, profile, deactivation, sessions;
* `auth` — logging in: credentials within the login limits, JWT pairs, their rotation and
  revocation, WebSocket tickets;
* `moderation` — bans, suspensions, moderator notes and the audit log every moderation
  service writes;
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
from .moderation import (
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    SANCTION_MAX,
    check_can_sanction,
    clean_reason,
    clean_until,
    moderation_log_write,
    moderator_note_add,
    user_ban,
    user_suspend,
    user_unban,
    user_unsuspend,
)
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
    "NOTE_MAX_LENGTH",
    "NOTIFICATION_NOT_FOUND",
    "REASON_MAX_LENGTH",
    "SANCTION_MAX",
    "auth_login",
    "check_can_sanction",
    "clean_reason",
    "clean_until",
    "moderation_log_write",
    "moderator_note_add",
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
    "user_suspend",
    "user_tokens_revoke_all",
    "user_unban",
    "user_unsuspend",
    "ws_ticket_consume",
    "ws_ticket_issue",
]

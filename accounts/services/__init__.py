"""State changes for accounts, one module per part:

* `users` — an account's life: registration, password, profile, deactivation, sessions;
* `auth` — logging in: credentials within the login limits, JWT pairs, their rotation and
  revocation, WebSocket tickets;
* `moderation` — bans and the audit log every moderation service writes;
* `notifications` — notifications, created by the services of every app;
* `push` — the browsers (devices) that receive web push (sending: `accounts.push`).
* `two_factor` — TOTP authenticators and recovery codes (optional; staff need one for
  the admin);
* `erasure` — an account deleted by its owner becomes a tombstone.
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
from .erasure import (
    DELETED_NAME,
    check_password_confirmation,
    tombstone_username,
    user_erase,
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
    notification_to_self,
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
from .two_factor import (
    RECOVERY_CODE_COUNT,
    otp_verify,
    pending_totp,
    recovery_codes_left,
    recovery_codes_reset,
    totp_enrol_confirm,
    totp_enrol_start,
    two_factor_disable,
    two_factor_enabled,
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
    "DELETED_NAME",
    "NOTE_MAX_LENGTH",
    "NOTIFICATION_NOT_FOUND",
    "PUSH_SUBSCRIPTION_NOT_FOUND",
    "REASON_MAX_LENGTH",
    "RECOVERY_CODE_COUNT",
    "SANCTION_MAX",
    "TOKEN_NOT_FOUND",
    "TOKEN_PREFIX",
    "api_token_authenticate",
    "auth_login",
    "bot_create",
    "bot_delete",
    "bot_get_managed",
    "bot_token_create",
    "bot_token_revoke",
    "check_can_sanction",
    "check_password_confirmation",
    "clean_reason",
    "clean_until",
    "moderation_log_write",
    "moderator_note_add",
    "notification_create",
    "notification_mark_read",
    "notification_to_self",
    "notifications_create",
    "notifications_mark_all_read",
    "notifications_settle",
    "otp_verify",
    "pending_totp",
    "push_sessions_ended",
    "push_subscribe",
    "push_unsubscribe",
    "recovery_codes_left",
    "recovery_codes_reset",
    "token_pair_for",
    "token_refresh",
    "token_revoke",
    "tombstone_username",
    "totp_enrol_confirm",
    "totp_enrol_start",
    "two_factor_disable",
    "two_factor_enabled",
    "use_user_audience",
    "user_announce",
    "user_authenticate",
    "user_ban",
    "user_deactivate",
    "user_erase",
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

"""State changes for messages, one module per concern:

* `store` — the message store's business rules: send, edit, delete/redact, read markers
  (its docstring has the invariants: gapless `seq`, idempotent `client_id`, soft delete);
* `send_write` — the write of a send: PostgreSQL's one statement, SQLite's steps;
* `mentions` — `@username` parsing and mention notifications;
* `reports` — message and user reports and the moderators' handling of them;
* `checks` — input and access checks they share.

Callers use this package, never its modules: `from messaging import services;
services.message_send(...)`. The names below are its whole public surface.
"""

from messaging.models import Message  # callers reach the model through services (tests do)

from .checks import CLIENT_ID_MAX_LENGTH, MESSAGE_NOT_FOUND
from .mentions import MENTION_MAX_NAMES, MENTION_RE, mentioned_names
from .reports import (
    ALREADY_REPORTED,
    REPORT_NOT_FOUND,
    REPORT_REASON_MAX_LENGTH,
    message_report,
    report_ban_user,
    report_dismiss,
    report_redact_message,
    report_resolve,
    user_report,
)
from .store import (
    REDACT_PERMISSIONS,
    message_delete,
    message_edit,
    message_mark_read,
    message_redact,
    message_send,
    message_send_clean,
    message_send_window,
)

__all__ = [
    "ALREADY_REPORTED",
    "CLIENT_ID_MAX_LENGTH",
    "MENTION_MAX_NAMES",
    "MENTION_RE",
    "MESSAGE_NOT_FOUND",
    "REDACT_PERMISSIONS",
    "REPORT_NOT_FOUND",
    "REPORT_REASON_MAX_LENGTH",
    "Message",
    "mentioned_names",
    "message_delete",
    "message_edit",
    "message_mark_read",
    "message_redact",
    "message_report",
    "message_send",
    "message_send_clean",
    "message_send_window",
    "report_ban_user",
    "report_dismiss",
    "report_redact_message",
    "report_resolve",
    "user_report",
]

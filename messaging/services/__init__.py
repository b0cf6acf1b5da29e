"""State changes for messages, one module per concern:

* `store` — the message store's business rules: send, edit, delete/redact, read markers
  (its docstring has the invariants: gapless `seq`, idempotent `client_id`, soft delete);
* `send_write` — the write of a send: PostgreSQL's one statement, SQLite's steps;
* `content` — text as stored: rendered HTML and mentions (messaging.formatting);
* `changes` — the per-conversation change numbers the catch-up reads by;
* `reactions` — emoji reactions on messages;
* `pins` — pinned messages;
* `mentions` — `@username` parsing and mention notifications;
* `reports` — message and user reports and the moderators' handling of them;
* `checks` — input and access checks they share;
* `attachments` — uploads, attaching them to messages, their moderation and purge;
* `typed` — messages of another type than text that a higher app posts (a transfer).

Callers use this package, never its modules: `from messaging import services;
services.message_send(...)`. The names below are its whole public surface.
"""

from messaging.models import Message  # callers reach the model through services (tests do)

from .attachments import (
    MAX_ATTACHMENTS,
    REMOVE_ATTACHMENT_PERMISSIONS,
    UPLOAD_NOT_FOUND,
    attachment_delete,
    attachment_remove,
    attachment_upload,
    attachments_purge,
    storage_used,
    user_uploads_purge,
)
from .checks import (
    CLIENT_ID_MAX_LENGTH,
    CLIENT_ID_PLACEHOLDER,
    MESSAGE_NOT_FOUND,
    REPLY_TO_INVALID,
)
from .mentions import MENTION_MAX_NAMES, MENTION_RE, mentioned_names
from .pins import message_pin, message_unpin
from .reactions import EMOJI_INVALID, clean_emoji, reaction_add, reaction_remove
from .reports import (
    ALREADY_REPORTED,
    REPORT_NOT_FOUND,
    REPORT_REASON_MAX_LENGTH,
    message_report,
    report_ban_user,
    report_case,
    report_dismiss,
    report_mute_user,
    report_redact_message,
    report_resolve,
    report_suspend_user,
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
    message_unredact,
)
from .typed import message_payload_update, message_post, system_line_post
from .webhooks import (
    WEBHOOK_NOT_FOUND,
    webhook_create,
    webhook_get_live,
    webhook_post,
    webhook_revoke,
    webhook_revoke_by_staff,
)

__all__ = [
    "ALREADY_REPORTED",
    "CLIENT_ID_MAX_LENGTH",
    "CLIENT_ID_PLACEHOLDER",
    "EMOJI_INVALID",
    "MAX_ATTACHMENTS",
    "MENTION_MAX_NAMES",
    "MENTION_RE",
    "MESSAGE_NOT_FOUND",
    "REDACT_PERMISSIONS",
    "REMOVE_ATTACHMENT_PERMISSIONS",
    "REPLY_TO_INVALID",
    "REPORT_NOT_FOUND",
    "REPORT_REASON_MAX_LENGTH",
    "UPLOAD_NOT_FOUND",
    "WEBHOOK_NOT_FOUND",
    "Message",
    "attachment_delete",
    "attachment_remove",
    "attachment_upload",
    "attachments_purge",
    "clean_emoji",
    "mentioned_names",
    "message_delete",
    "message_edit",
    "message_mark_read",
    "message_payload_update",
    "message_pin",
    "message_post",
    "message_redact",
    "message_report",
    "message_send",
    "message_send_clean",
    "message_send_window",
    "message_unpin",
    "message_unredact",
    "reaction_add",
    "reaction_remove",
    "report_ban_user",
    "report_case",
    "report_dismiss",
    "report_mute_user",
    "report_redact_message",
    "report_resolve",
    "report_suspend_user",
    "storage_used",
    "system_line_post",
    "user_report",
    "user_uploads_purge",
    "webhook_create",
    "webhook_get_live",
    "webhook_post",
    "webhook_revoke",
    "webhook_revoke_by_staff",
]

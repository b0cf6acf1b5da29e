"""Reads over messages that carry permission: only conversations the user is in, one module
per part:

* `messages` — one message, a conversation's history, search, and the rows and instances a
  representation reads;
* `activity` — the change feed (catch-up), reactions, pins, read positions, unread
  mentions;
* `staff` — what staff may read in the admin.

"Missing" and "not yours" give the same 404, for messages and for conversations. Deleted
messages keep their place in history (the serializer blanks their text) but never match a
search: their original text is kept for moderation only.

Callers use this package, never its modules: `from messaging import selectors`.
"""

from .activity import (
    CHANGES_DEFAULT_LIMIT,
    CHANGES_MAX_LIMIT,
    message_changes,
    pinned_messages,
    reaction_list_for_user,
    reaction_summaries,
    read_positions,
    unread_mention_counts,
)
from .messages import (
    HISTORY_DEFAULT_LIMIT,
    HISTORY_MAX_LIMIT,
    MESSAGE_ROW_FIELDS,
    RECENT_MESSAGES,
    REPRESENTATION_RELATED,
    SEARCH_DEFAULT_LIMIT,
    SEARCH_MAX_LIMIT,
    SEARCH_MAX_QUERY_LENGTH,
    ContentSearchVector,
    around_split,
    message_get_for_user,
    message_history,
    message_history_queryset,
    message_rows,
    message_search,
    recent_messages,
    reply_to_has_attachments,
    with_representation,
)
from .staff import (
    PRIVATE_PLACEHOLDER,
    REPORT_CONTEXT_RADIUS,
    message_list_for_staff,
    report_case,
    report_case_file,
    report_context_for_staff,
    staff_can_read_messages_q,
)
from .webhooks import webhook_list_for_admin

__all__ = [
    "CHANGES_DEFAULT_LIMIT",
    "CHANGES_MAX_LIMIT",
    "HISTORY_DEFAULT_LIMIT",
    "HISTORY_MAX_LIMIT",
    "MESSAGE_ROW_FIELDS",
    "PRIVATE_PLACEHOLDER",
    "RECENT_MESSAGES",
    "REPORT_CONTEXT_RADIUS",
    "REPRESENTATION_RELATED",
    "SEARCH_DEFAULT_LIMIT",
    "SEARCH_MAX_LIMIT",
    "SEARCH_MAX_QUERY_LENGTH",
    "ContentSearchVector",
    "around_split",
    "message_changes",
    "message_get_for_user",
    "message_history",
    "message_history_queryset",
    "message_list_for_staff",
    "message_rows",
    "message_search",
    "pinned_messages",
    "reaction_list_for_user",
    "reaction_summaries",
    "read_positions",
    "recent_messages",
    "reply_to_has_attachments",
    "report_case",
    "report_case_file",
    "report_context_for_staff",
    "staff_can_read_messages_q",
    "unread_mention_counts",
    "webhook_list_for_admin",
    "with_representation",
]

"""State changes of conversations: direct chats, groups, public rooms and their members,
one module per part:

* `direct` — direct chats: one per pair of friends, created on first use;
* `groups` — groups and public rooms: create, update, delete;
* `members` — add, join, remove, leave;
* `moderation` — the admin site's deletes and removals, a superuser opening a private
  conversation;
* `membership` — the steps they share: a membership starting and ending, a conversation
  going, and who is told;
* `checks` — the input and access checks they share, and the row lock.

Rules that hold whatever the caller (REST, web UI, admin):
- a direct chat links two friends who do not block each other, exists once per pair
  (the unique `private_pair_key`) and is fixed: no rename, no member changes, no leaving,
  no deleting; both users are plain `member`s.
- a group has at least one `admin` while it has members: the creator is admin; when the last
  admin goes, the oldest remaining member (joined_at, id) becomes admin; when the last member
  goes, the group is deleted.
- `max_participants` is never exceeded: every change of membership locks the conversation
  row first, so concurrent joins and adds are serialised.
- a new member starts with nothing unread (its read marker is set to the conversation's
  last message): joining a busy room should not greet you with hundreds of unread messages.

Callers use this package, never its modules: `from conversations import services;
services.conversation_join(...)`. The names below are its whole public surface.
"""

from .checks import (
    DESCRIPTION_MAX_LENGTH,
    MAX_PARTICIPANTS_LIMIT,
    NAME_MAX_LENGTH,
    NOT_A_GROUP,
    NOT_A_MEMBER,
    NOT_ADMIN,
    NOT_FRIENDS,
    ROOM_FULL,
)
from .direct import conversation_direct_get_or_create
from .groups import (
    UPDATABLE_FIELDS,
    conversation_delete,
    conversation_group_create,
    conversation_update,
)
from .members import (
    conversation_join,
    conversation_leave,
    conversation_member_remove,
    conversation_members_add,
)
from .moderation import (
    STAFF_ACCESS_DURATION,
    conversation_member_moderate_remove,
    conversation_moderate_delete,
    conversation_staff_open,
)

__all__ = [
    "DESCRIPTION_MAX_LENGTH",
    "MAX_PARTICIPANTS_LIMIT",
    "NAME_MAX_LENGTH",
    "NOT_ADMIN",
    "NOT_A_GROUP",
    "NOT_A_MEMBER",
    "NOT_FRIENDS",
    "ROOM_FULL",
    "STAFF_ACCESS_DURATION",
    "UPDATABLE_FIELDS",
    "conversation_delete",
    "conversation_direct_get_or_create",
    "conversation_group_create",
    "conversation_join",
    "conversation_leave",
    "conversation_member_moderate_remove",
    "conversation_member_remove",
    "conversation_members_add",
    "conversation_moderate_delete",
    "conversation_staff_open",
    "conversation_update",
]

"""State changes of conversations: direct chats, groups, public rooms and their members,
one module per part:

* `direct` — direct chats: one per pair of friends, created on first use;
* `groups` — groups and public rooms: create, update, delete;
* `members` — add, join, remove, leave;
* `administration` — roles, the hand-over of ownership, bans;
* `invites` — invite links: make, revoke, join through one;
* `moderation` — the admin site's deletes and removals, a superuser opening a private
  conversation;
* `notifications` — a member's alert settings (level, mute) of a conversation;
* `membership` — the steps they share: a membership starting and ending, a conversation
  going, and who is told;
* `sanctions` — moderators' mutes (in a conversation or everywhere, for a time);
* `checks` — the input and access checks they share, and the row lock.

Rules that hold whatever the caller (REST, web UI, admin):
- a direct chat links two friends who do not block each other, exists once per pair
  (the unique `private_pair_key`) and is fixed: no rename, no member changes, no leaving,
  no deleting; both users are plain `member`s.
- a group has exactly one `owner` while it has members (a partial unique constraint and
  these services): the creator is owner; when the owner goes, the oldest admin (joined_at,
  id), else the oldest member, becomes owner; when the last member goes, the group is
  deleted. Owner > admin > member: the owner changes roles, hands over and deletes the
  group; admins add, remove and ban members (an admin only by the owner), rename, make
  invite links; nobody acts on the owner.
- a banned user cannot join, be added or use a link until an admin lifts the ban.
- membership, role and name changes write a system line into the history
  (`conversations.system_lines`, written by messaging).
- `max_participants` is never exceeded: every change of membership locks the conversation
  row first, so concurrent joins and adds are serialised.
- a new member starts with nothing unread (its read marker is set to the conversation's
  last message): joining a busy room should not greet you with hundreds of unread messages.

Callers use this package, never its modules: `from conversations import services;
services.conversation_join(...)`. The names below are its whole public surface.
"""

from .administration import (
    ASSIGNABLE_ROLES,
    conversation_ban,
    conversation_member_role_set,
    conversation_ownership_transfer,
    conversation_unban,
)
from .bots import conversation_bot_add, conversation_bot_remove
from .checks import (
    BANNED,
    DESCRIPTION_MAX_LENGTH,
    MAX_PARTICIPANTS_LIMIT,
    NAME_MAX_LENGTH,
    NOT_A_GROUP,
    NOT_A_MEMBER,
    NOT_ADMIN,
    NOT_FRIENDS,
    NOT_OWNER,
    ROOM_FULL,
)
from .direct import conversation_direct_get_or_create
from .groups import (
    UPDATABLE_FIELDS,
    conversation_delete,
    conversation_group_create,
    conversation_update,
)
from .invites import (
    INVITE_MAX_LIFETIME,
    INVITE_MAX_USES,
    INVITE_MIN_LIFETIME,
    INVITE_NOT_FOUND,
    check_usable,
    conversation_invite_create,
    conversation_invite_join,
    conversation_invite_revoke,
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
from .notifications import (
    FOREVER,
    UNCHANGED,
    conversation_notifications_set,
    notification_settings,
)
from .sanctions import (
    MUTE_NOT_FOUND,
    active_mute,
    check_not_muted,
    muted_message,
    user_mute,
    user_unmute,
)

__all__ = [
    "ASSIGNABLE_ROLES",
    "BANNED",
    "DESCRIPTION_MAX_LENGTH",
    "FOREVER",
    "INVITE_MAX_LIFETIME",
    "INVITE_MAX_USES",
    "INVITE_MIN_LIFETIME",
    "INVITE_NOT_FOUND",
    "MAX_PARTICIPANTS_LIMIT",
    "MUTE_NOT_FOUND",
    "NAME_MAX_LENGTH",
    "NOT_ADMIN",
    "NOT_A_GROUP",
    "NOT_A_MEMBER",
    "NOT_FRIENDS",
    "NOT_OWNER",
    "ROOM_FULL",
    "STAFF_ACCESS_DURATION",
    "UNCHANGED",
    "UPDATABLE_FIELDS",
    "active_mute",
    "check_not_muted",
    "check_usable",
    "conversation_ban",
    "conversation_bot_add",
    "conversation_bot_remove",
    "conversation_delete",
    "conversation_direct_get_or_create",
    "conversation_group_create",
    "conversation_invite_create",
    "conversation_invite_join",
    "conversation_invite_revoke",
    "conversation_join",
    "conversation_leave",
    "conversation_member_moderate_remove",
    "conversation_member_remove",
    "conversation_member_role_set",
    "conversation_members_add",
    "conversation_moderate_delete",
    "conversation_notifications_set",
    "conversation_ownership_transfer",
    "conversation_staff_open",
    "conversation_unban",
    "conversation_update",
    "muted_message",
    "notification_settings",
    "user_mute",
    "user_unmute",
]

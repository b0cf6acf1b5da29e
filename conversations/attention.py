"""Who is alerted by a new message: the one rule (`should_alert`).

Every channel that interrupts a person asks it: the web UI's desktop notification (the
socket marks each `new_message` with `alert`, messaging.consumers.socket), web push for
users without an open socket, email digests. Unread counts never depend on it: a muted
conversation keeps counting, it just stops interrupting.

The rule, in order:
1. never for one's own message, nor for a system line ("Alice joined");
2. never while the user is on "do not disturb" (`accounts.status`);
3. never while the conversation is muted (`muted_until` in the future);
4. the membership's level: `all` alerts for everything, `mentions` only when the user is
   mentioned, `nothing` never. A null level is the default of the conversation's kind:
   direct chats and groups `all`, public rooms `mentions` (a busy room must not ring).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from accounts.status import is_dnd

from .models import Conversation, ConversationMember, NotificationLevel

LEVELS = tuple(NotificationLevel.values)
#: "Muted until I unmute": stored as a date no one reaches.
MUTED_FOREVER = datetime(9999, 12, 31, tzinfo=UTC)


def default_level(*, type: str, is_public: bool) -> str:
    """The level of a membership that never chose one."""
    if type == Conversation.Type.GROUP and is_public:
        return NotificationLevel.MENTIONS
    return NotificationLevel.ALL


@dataclass(frozen=True, slots=True)
class MemberAttention:
    """What a membership says about alerts, without the ORM (the socket keeps these)."""

    level: str
    muted_until: datetime | None = None
    #: The level was chosen (False: the kind's default).
    chosen: bool = False


def attention_of(
    membership: ConversationMember | MemberAttention,
) -> MemberAttention:
    if isinstance(membership, MemberAttention):
        return membership
    conversation = membership.conversation
    default = default_level(type=conversation.type, is_public=conversation.is_public)
    return MemberAttention(
        level=membership.notification_level or default,
        muted_until=membership.muted_until,
        chosen=membership.notification_level is not None,
    )


def attention_from_row(
    *, type: str, is_public: bool, level: str | None, muted_until: datetime | None
) -> MemberAttention:
    """From plain columns (lists, the socket's connect query)."""
    return MemberAttention(
        level=level or default_level(type=type, is_public=is_public),
        muted_until=muted_until,
        chosen=level is not None,
    )


def is_muted(muted_until: datetime | None, now: datetime | None = None) -> bool:
    return muted_until is not None and muted_until > (now or timezone.now())


def _message_facts(message: Any) -> tuple[int | None, str]:
    """(sender id, message type) of a `messaging.Message` or its representation."""
    if isinstance(message, Mapping):
        return message.get("sender_id"), str(message.get("message_type") or "")
    return message.sender_id, str(message.message_type)


def should_alert(
    user: Any,
    membership: ConversationMember | MemberAttention,
    message: Any,
    mentioned: bool,
    *,
    now: datetime | None = None,
) -> bool:
    """Whether `message` should interrupt `user` (desktop notification, push, email).

    `user`: an `accounts.User` (its `pk` and `status`); `membership`: the user's
    `ConversationMember` with its conversation loaded, or a `MemberAttention`; `message`:
    a `messaging.Message` or its REST representation; `mentioned`: the message mentions
    the user (`message.mention_ids`). No query.
    """
    sender_id, message_type = _message_facts(message)
    if sender_id == user.pk or message_type == "system":
        return False
    if is_dnd(user):
        return False
    attention = attention_of(membership)
    if is_muted(attention.muted_until, now):
        return False
    if attention.level == NotificationLevel.ALL:
        return True
    return attention.level == NotificationLevel.MENTIONS and mentioned

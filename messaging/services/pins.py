"""Pins: messages kept at hand at the top of a conversation (the room's rules, a plan).

* Who: in a group, its admins; in a direct chat, either of the two (nobody administers
  one). Others → 403, non-members → 404, a direct chat where either blocks the other → 403.
* Pinning a pinned message, or unpinning one that is not, changes nothing and sends no
  event. A deleted message cannot be pinned (400), and deleting one unpins it (its
  `message_deleted` says so: there is no separate `message_unpinned`).
* At most `PINS_MAX_PER_CONVERSATION` pinned messages per conversation → 400. The count
  is taken after the change holds the conversation's lock (`changes`), so two pins racing
  for the last place cannot both get it.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from chat_project import realtime
from conversations.models import Conversation
from messaging import events
from messaging.models import Message

from .changes import record_change
from .checks import check_not_blocked, membership_for_message


def _may_pin(actor: User, message_id: int) -> Message:
    """The message, locked, if the actor may pin or unpin it."""
    message, membership = membership_for_message(actor=actor, message_id=message_id, lock=True)
    conversation = membership.conversation
    if conversation.type == Conversation.Type.GROUP and not membership.manages:
        raise PermissionDenied("Only the admins of a group can pin or unpin messages.")
    check_not_blocked(conversation, actor.id)
    return message


@transaction.atomic
def message_pin(*, actor: User, message_id: int) -> tuple[Message, bool]:
    """Pin a message: (the message, whether it was pinned now). Members get
    `message_pinned`."""
    message = _may_pin(actor, message_id)
    if message.is_deleted:
        raise ValidationError("A deleted message cannot be pinned.", code="deleted")
    if message.pinned_at is not None:
        return message, False
    message.pinned_at = timezone.now()
    message.pinned_by = actor
    record_change(message, "pinned_at", "pinned_by")
    cap = settings.PINS_MAX_PER_CONVERSATION
    pinned = Message.objects.filter(
        conversation_id=message.conversation_id, pinned_at__isnull=False
    ).count()
    if pinned > cap:
        raise ValidationError(
            f"A conversation can have at most {cap} pinned messages: unpin one first.",
            code="too_many_pins",
        )
    realtime.broadcast_on_commit(
        realtime.conversation_group(message.conversation_id),
        events.pin("message_pinned", message=message, user_id=actor.id),
    )
    return message, True


@transaction.atomic
def message_unpin(*, actor: User, message_id: int) -> bool:
    """Unpin a message; whether it was pinned (then members get `message_unpinned`)."""
    message = _may_pin(actor, message_id)
    if message.pinned_at is None:
        return False
    message.pinned_at = message.pinned_by = None
    record_change(message, "pinned_at", "pinned_by")
    realtime.broadcast_on_commit(
        realtime.conversation_group(message.conversation_id),
        events.pin("message_unpinned", message=message, user_id=actor.id),
    )
    return True

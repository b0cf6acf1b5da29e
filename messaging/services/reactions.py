"""Reactions: a member puts an emoji on a message, or takes theirs away.

* One per (message, emoji, user), a database fact (`messaging_reaction_unique`); adding
  one you already have, or removing one you do not have, changes nothing and sends no
  event (both are idempotent).
* At most `REACTION_MAX_EMOJI_PER_MESSAGE` different emoji per message; an emoji already
  on it can always be added to.
* The message row is locked first (as edits and deletions lock it), so the reactions of
  one message are counted one change at a time: every `count` in an answer or event is
  exact. The change then takes the conversation's next change number (`changes`).
* Not a member → 404; a deleted message → 400; adding in a direct chat where either
  blocks the other → 403 (taking yours away is always allowed).
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from accounts.models import User
from chat_project import realtime
from messaging import events
from messaging.emoji import EMOJI_MAX_CODE_POINTS, is_emoji
from messaging.models import Message, Reaction

from .changes import record_change
from .checks import check_not_blocked, membership_for_message

EMOJI_INVALID = (
    f"Exactly one emoji is required (at most {EMOJI_MAX_CODE_POINTS} code points), not text "
    "or a :shortcode:."
)


def clean_emoji(emoji: object) -> str:
    if not is_emoji(emoji):
        raise ValidationError({"emoji": [EMOJI_INVALID]})
    assert isinstance(emoji, str)
    return emoji


def _reacted(message: Message) -> None:
    if message.is_deleted:
        raise ValidationError("A deleted message cannot be reacted to.", code="deleted")


def _change(kind: str, message: Message, *, emoji: str, user_id: int, count: int) -> dict:
    record_change(message)
    payload = events.reaction(kind, message=message, emoji=emoji, user_id=user_id, count=count)
    realtime.broadcast_on_commit(realtime.conversation_group(message.conversation_id), payload)
    return payload


@transaction.atomic
def reaction_add(*, actor: User, message_id: int, emoji: str) -> tuple[dict[str, Any], bool]:
    """Add the actor's `emoji` to a message: (the change as `reaction_added` describes
    it, whether it is new). Members get `reaction_added` when it is."""
    emoji = clean_emoji(emoji)
    message, membership = membership_for_message(actor=actor, message_id=message_id, lock=True)
    _reacted(message)
    check_not_blocked(membership.conversation, actor.id)
    present = {
        row[0]: row[1:]
        for row in Reaction.objects.filter(message_id=message.id)
        .values("emoji")
        .annotate(count=Count("id"), mine=Count("id", filter=Q(user_id=actor.id)))
        .values_list("emoji", "count", "mine")
    }
    count, mine = present.get(emoji, (0, 0))
    if mine:
        return events.reaction(
            "reaction_added", message=message, emoji=emoji, user_id=actor.id, count=count
        ), False
    cap = settings.REACTION_MAX_EMOJI_PER_MESSAGE
    if emoji not in present and len(present) >= cap:
        raise ValidationError(
            {"emoji": [f"A message can have at most {cap} different emoji: use one it has."]}
        )
    try:
        with transaction.atomic():
            Reaction.objects.create(message=message, user=actor, emoji=emoji)
    except IntegrityError:
        # The row lock above serialises adds to one message, so a second identical add
        # finds the first one; the constraint is what makes "one" true whatever the path.
        count = Reaction.objects.filter(message_id=message.id, emoji=emoji).count()
        return events.reaction(
            "reaction_added", message=message, emoji=emoji, user_id=actor.id, count=count
        ), False
    return _change("reaction_added", message, emoji=emoji, user_id=actor.id, count=count + 1), True


@transaction.atomic
def reaction_remove(*, actor: User, message_id: int, emoji: str) -> bool:
    """Take the actor's `emoji` off a message; whether there was one to take (then
    members get `reaction_removed`)."""
    emoji = clean_emoji(emoji)
    message, _membership = membership_for_message(actor=actor, message_id=message_id, lock=True)
    _reacted(message)
    removed, _ = Reaction.objects.filter(message_id=message.id, user=actor, emoji=emoji).delete()
    if not removed:
        return False
    count = Reaction.objects.filter(message_id=message.id, emoji=emoji).count()
    _change("reaction_removed", message, emoji=emoji, user_id=actor.id, count=count)
    return True

"""A member's alert settings of one conversation: level and mute (conversations.attention).

Only the member's own devices hear about a change (`notification_settings_changed` to
their user group): it is nobody else's business, and each socket keeps the settings to
mark its `new_message` frames with `alert`.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import User
from chat_project import realtime
from chat_project.ids import id_or_404
from conversations import events, selectors
from conversations.attention import LEVELS, MUTED_FOREVER, attention_of
from conversations.models import ConversationMember

#: `muted_until` as a client may send it: "until I unmute".
FOREVER = "forever"
#: The fields of `conversation_notifications_set` a caller leaves out.
UNCHANGED = object()


def clean_muted_until(value: object, now: datetime) -> datetime | None:
    """An ISO instant, "forever" or None; a past instant unmutes (None)."""
    if value is None:
        return None
    if value == FOREVER:
        return MUTED_FOREVER
    parsed: datetime | None = value if isinstance(value, datetime) else None
    if parsed is None:
        try:  # a well-formed but impossible date ("2030-13-45T00:00Z") raises
            parsed = parse_datetime(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValidationError(
                {"muted_until": ['An ISO 8601 date and time, "forever" or null.']}
            )
    when: datetime = parsed
    if timezone.is_naive(when):
        raise ValidationError({"muted_until": ["Give a time zone (e.g. Z or +02:00)."]})
    if when <= now:
        return None
    return min(when, MUTED_FOREVER)


@transaction.atomic
def conversation_notifications_set(
    *,
    actor: User,
    conversation_id: int,
    level: object = UNCHANGED,
    muted_until: object = UNCHANGED,
) -> ConversationMember:
    """Set the actor's level (None = the kind's default) and/or mute of a conversation."""
    conversation_id = id_or_404(conversation_id, selectors.NOT_FOUND)
    member = selectors.membership_get(user_id=actor.pk, conversation_id=conversation_id)
    fields = []
    if level is not UNCHANGED:
        if level is not None and level not in LEVELS:
            raise ValidationError({"level": [f"One of {', '.join(LEVELS)} or null."]})
        member.notification_level = level
        fields.append("notification_level")
    if muted_until is not UNCHANGED:
        member.muted_until = clean_muted_until(muted_until, timezone.now())
        fields.append("muted_until")
    if fields:
        member.save(update_fields=fields)
        realtime.broadcast_on_commit(
            realtime.user_group(actor.pk), events.notification_settings_changed(member)
        )
    return member


def notification_settings(member: ConversationMember) -> dict:
    """The member's settings as REST and the event show them."""
    attention = attention_of(member)
    return {
        "conversation_id": member.conversation_id,
        "notification_level": attention.level,
        "notification_level_chosen": attention.chosen,
        "muted_until": attention.muted_until,
    }

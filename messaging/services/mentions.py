"""Mentions: `@username` of a member of the conversation (not the sender, not across a block
either way) notifies that member once per message, on send or on the edit that adds it
(`accounts.services.notifications_create`; the partial unique constraint on mention
notifications makes "once" a database fact). Who is mentioned is found when the text is
rendered (`content.render_content`: outside code and link text) and kept on the message
(`mention_ids`); this module has the name rule and sends the notifications.
"""

from accounts import services as accounts_services
from accounts.models import Notification, User
from friends.selectors import blocked_ids_either_way
from messaging.formatting import MENTION_RE
from messaging.models import Message

#: Distinct names looked at per message: a wall of @s costs one bounded query.
MENTION_MAX_NAMES = 50


def mentioned_names(text: str) -> set[str]:
    """Lower-cased candidate usernames in `text`; a trailing '.'/'-' may end the sentence."""
    names: set[str] = set()
    for match in MENTION_RE.finditer(text):
        name = match.group(1).lower()
        names.add(name)
        trimmed = name.rstrip(".-")
        if trimmed != name and len(trimmed) >= 3:
            names.add(trimmed)
        if len(names) >= MENTION_MAX_NAMES:
            break
    return names


def notify_mentions(*, actor: User, message: Message) -> list[int]:
    """`mention` notifications for the members the message mentions (`mention_ids`, found
    when its text was rendered: messaging.services.content), see the module docstring.
    Returns who was notified now (not who an earlier version of the message notified)."""
    member_ids = set(message.mention_ids) - {actor.id}
    if member_ids:
        member_ids -= blocked_ids_either_way(actor.id)
    if not member_ids:
        return []
    created = accounts_services.notifications_create(
        actor=actor,
        recipient_ids=sorted(member_ids),
        type=Notification.Type.MENTION,
        conversation_id=message.conversation_id,
        message_id=message.id,
    )
    return [notification.recipient_id for notification in created]

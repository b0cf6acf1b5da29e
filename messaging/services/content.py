"""A message's text as it is stored: the source, its HTML and whom it mentions.

Rendering happens when a message is written (send and edit), never when it is read: a
history page serves stored HTML. Mentions need the conversation's members, looked up
only when the text has an `@` that could name one (one query over the members; the send
path pays nothing for text without one).
"""

from django.db.models.functions import Lower

from conversations.models import ConversationMember
from messaging.formatting import Rendered, render

from .mentions import mentioned_names


def mentionable_members(conversation_id: int, text: str) -> dict[str, int]:
    """Lower-cased username -> id of the active members `text` may name with `@`."""
    if "@" not in text:
        return {}
    names = mentioned_names(text)
    if not names:
        return {}
    return dict(
        ConversationMember.objects.filter(conversation_id=conversation_id, user__is_active=True)
        .annotate(username_lower=Lower("user__username"))
        .filter(username_lower__in=names)
        .values_list("username_lower", "user_id")
    )


def render_content(conversation_id: int, text: str) -> Rendered:
    """`text` (already cleaned) rendered for the conversation it is written in."""
    return render(text, mentionable_members(conversation_id, text))

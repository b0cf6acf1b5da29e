"""Bots in groups: an admin brings in a webhook's bot, and it goes when the webhook does.

A person's own bots are added like friends (`conversation_members_add`, whose invite
check lets the actor's bots through); these two serve `messaging`'s webhooks, whose bot
exists only for the webhook.
"""

from django.db import transaction

from accounts.models import User
from chat_project import realtime
from chat_project.exceptions import Conflict
from conversations import events, system_lines
from conversations.models import Conversation, ConversationMember

from .checks import ROOM_FULL, Role, locked_membership, require_admin, require_group
from .membership import announce_created, new_member, remove_member


@transaction.atomic
def conversation_bot_add(*, actor: User, conversation_id: int, bot: User) -> Conversation:
    """An admin of the group brings `bot` in as a member (a system line says so)."""
    conversation, membership = locked_membership(actor=actor, conversation_id=conversation_id)
    require_group(conversation)
    require_admin(membership)
    cap = conversation.max_participants
    if cap is not None and conversation.memberships.count() >= cap:
        raise Conflict(ROOM_FULL, code="conversation_full")
    new_member(conversation, bot.id, Role.MEMBER).save()
    realtime.broadcast_on_commit(
        realtime.conversation_group(conversation.id), events.member_added(conversation.id, bot.id)
    )
    system_lines.post(
        conversation_id=conversation.id, event=system_lines.Event.ADDED, actor=actor, user=bot
    )
    announce_created(conversation.id, [bot.id])
    return conversation


@transaction.atomic
def conversation_bot_remove(*, actor: User, conversation_id: int, bot: User) -> None:
    """Take a bot out of a group (its webhook was revoked); nothing if it is not in."""
    membership = (
        ConversationMember.objects.select_related("user", "conversation")
        .filter(conversation_id=conversation_id, user_id=bot.id)
        .first()
    )
    if membership is None:
        return
    conversation = Conversation.objects.select_for_update().get(id=conversation_id)
    sender = actor if conversation.memberships.filter(user_id=actor.id).exists() else bot
    remove_member(
        conversation, membership, event=system_lines.Event.REMOVED, actor=actor, sender=sender
    )

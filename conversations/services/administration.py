"""A group's administration: roles, the hand-over of ownership, bans.

Who may do what (owner > admin > member): the owner changes roles and hands ownership
over; an admin removes and bans members, the owner admins too; nobody acts on the owner.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from accounts.models import User
from conversations import system_lines
from conversations.models import ConversationBan

from .checks import (
    Role,
    existing_users,
    locked_membership,
    member_of,
    require_admin,
    require_group,
    require_outranks,
    require_owner,
)
from .membership import remove_member, role_changed

#: The roles `conversation_member_role_set` gives; the owner is made by a hand-over.
ASSIGNABLE_ROLES = (Role.ADMIN.value, Role.MEMBER.value)
REASON_MAX_LENGTH = 500
NOT_BANNED = "This user is not banned from this conversation."


@transaction.atomic
def conversation_member_role_set(
    *, actor: User, conversation_id: int, user_id: int, role: str
) -> None:
    """The owner promotes a member to admin or demotes an admin; the same role again
    changes nothing. Everyone in the conversation hears `member_role_changed`."""
    if role not in ASSIGNABLE_ROLES:
        raise ValidationError({"role": ["Must be admin or member (hand ownership over instead)."]})
    conversation, membership = locked_membership(actor=actor, conversation_id=conversation_id)
    require_group(conversation)
    require_owner(membership)
    target = member_of(conversation, user_id)
    if target.id == membership.id:
        raise ValidationError({"role": ["Hand ownership over to change your own role."]})
    if target.role == role:
        return
    role_changed(conversation.id, target, role)
    system_lines.post(
        conversation_id=conversation.id,
        event=system_lines.Event.ROLE_CHANGED,
        actor=actor,
        user=target.user,
        role=role,
    )


@transaction.atomic
def conversation_ownership_transfer(*, actor: User, conversation_id: int, user_id: int) -> None:
    """The owner makes another member the owner and stays on as an admin."""
    conversation, membership = locked_membership(actor=actor, conversation_id=conversation_id)
    require_group(conversation)
    require_owner(membership)
    target = member_of(conversation, user_id)
    if target.id == membership.id:
        raise ValidationError({"user_id": ["You are the owner already."]})
    role_changed(conversation.id, membership, Role.ADMIN)  # first: one owner at a time
    role_changed(conversation.id, target, Role.OWNER)
    system_lines.post(
        conversation_id=conversation.id,
        event=system_lines.Event.OWNER_CHANGED,
        actor=actor,
        user=target.user,
    )


@transaction.atomic
def conversation_ban(
    *, actor: User, conversation_id: int, user_id: int, reason: str = ""
) -> ConversationBan:
    """An admin bans someone: a member is removed (an admin only by the owner), and
    nobody banned can join again, be added back or use an invite link until unbanned.
    Banning someone who already left works too (a room's troll who left); again: no-op."""
    reason = reason.strip() if isinstance(reason, str) else ""
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": [f"At most {REASON_MAX_LENGTH} characters."]})
    conversation, membership = locked_membership(actor=actor, conversation_id=conversation_id)
    require_group(conversation)
    require_admin(membership)
    if user_id == actor.id:
        raise ValidationError({"user_id": ["You cannot ban yourself: leave instead."]})
    (user,) = existing_users([user_id])
    target = conversation.memberships.filter(user_id=user_id).first()
    if target is not None:
        require_outranks(membership, target)
    ban, _created = ConversationBan.objects.get_or_create(
        conversation=conversation, user=user, defaults={"banned_by": actor, "reason": reason}
    )
    if target is not None:
        remove_member(conversation, target, event=system_lines.Event.BANNED, actor=actor)
    return ban


@transaction.atomic
def conversation_unban(*, actor: User, conversation_id: int, user_id: int) -> None:
    """An admin lifts a ban; the user may come back the usual ways (they are not re-added)."""
    conversation, membership = locked_membership(actor=actor, conversation_id=conversation_id)
    require_group(conversation)
    require_admin(membership)
    deleted, _ = ConversationBan.objects.filter(conversation=conversation, user_id=user_id).delete()
    if not deleted:
        raise Http404(NOT_BANNED)

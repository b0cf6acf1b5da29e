"""Invite links: an admin makes a link to a group (`/invite/<code>/`) that lets whoever
holds it join, until it expires, is used up or is revoked.

A link is as good as its creator: it stops working once they are no longer an admin of
the group, and someone who blocks them, or whom they block, cannot use it. A banned user
cannot either, and the group's `max_participants` holds as for any other way in.
"""

import secrets
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from chat_project.exceptions import Conflict, Gone, Refused
from conversations import selectors, system_lines
from conversations.models import MANAGING_ROLES, Conversation, ConversationInvite
from friends import selectors as friends_selectors

from .checks import (
    ROOM_FULL,
    check_not_banned,
    lock,
    locked_membership,
    require_admin,
    require_group,
)
from .members import admit

#: Bounds of what a link may ask for (`expires_in` in seconds, `max_uses`).
INVITE_MIN_LIFETIME = timedelta(minutes=5)
INVITE_MAX_LIFETIME = timedelta(days=30)
INVITE_MAX_USES = 1000
INVITE_NOT_FOUND = "Invite not found."
INVITE_REVOKED = "This invite link was revoked."
INVITE_EXPIRED = "This invite link has expired."
INVITE_USED_UP = "This invite link has been used as many times as it allows."
INVITE_BLOCKED = "You cannot join through this link."


@transaction.atomic
def conversation_invite_create(
    *,
    actor: User,
    conversation_id: int,
    expires_in: int | None = None,
    max_uses: int | None = None,
) -> ConversationInvite:
    """An admin makes a link; `expires_in` seconds (None: never), `max_uses` (None: any)."""
    if expires_in is not None and not (
        INVITE_MIN_LIFETIME.total_seconds() <= expires_in <= INVITE_MAX_LIFETIME.total_seconds()
    ):
        raise ValidationError(
            {"expires_in": ["Between 5 minutes and 30 days (in seconds), or null for never."]}
        )
    if max_uses is not None and not 1 <= max_uses <= INVITE_MAX_USES:
        raise ValidationError({"max_uses": [f"Between 1 and {INVITE_MAX_USES}, or null."]})
    conversation, membership = locked_membership(actor=actor, conversation_id=conversation_id)
    require_group(conversation)
    require_admin(membership)
    invite = ConversationInvite(
        conversation=conversation,
        code=secrets.token_urlsafe(12),
        created_by=actor,
        expires_at=None if expires_in is None else timezone.now() + timedelta(seconds=expires_in),
        max_uses=max_uses,
    )
    invite.full_clean()
    invite.save()
    return invite


@transaction.atomic
def conversation_invite_revoke(*, actor: User, conversation_id: int, code: str) -> None:
    """An admin revokes a link of their group; a revoked one cannot be revoked again (404)."""
    conversation, membership = locked_membership(actor=actor, conversation_id=conversation_id)
    require_admin(membership)
    revoked = ConversationInvite.objects.filter(
        conversation=conversation, code=code, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if not revoked:
        raise Http404(INVITE_NOT_FOUND)


def check_usable(invite: ConversationInvite) -> None:
    """A link that is over says why: revoked (also: its creator is no admin any more),
    expired, used up -> 410 with a code."""
    if (
        invite.revoked_at is not None
        or not invite.conversation.memberships.filter(
            user_id=invite.created_by_id, role__in=MANAGING_ROLES
        ).exists()
    ):
        raise Gone(INVITE_REVOKED, code="invite_revoked")
    if invite.expires_at is not None and invite.expires_at <= timezone.now():
        raise Gone(INVITE_EXPIRED, code="invite_expired")
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        raise Gone(INVITE_USED_UP, code="invite_used_up")


@transaction.atomic
def conversation_invite_join(*, actor: User, code: str) -> tuple[Conversation, bool]:
    """Join the group of a usable link; returns (conversation, joined). A member already
    in is let through without using the link up."""
    try:
        conversation_id = ConversationInvite.objects.values_list("conversation_id", flat=True).get(
            code=code
        )
    except ConversationInvite.DoesNotExist as exc:
        raise Http404(INVITE_NOT_FOUND) from exc
    conversation = lock(conversation_id)  # joins queue here: uses and the cap hold
    invite = ConversationInvite.objects.select_related("conversation").get(code=code)
    if conversation.memberships.filter(user_id=actor.id).exists():
        return selectors.conversation_get_for_user(
            user_id=actor.id, conversation_id=conversation_id
        ), False
    check_usable(invite)
    check_not_banned(conversation.id, [actor.id], yourself=True)
    if friends_selectors.is_blocked_between(actor.id, invite.created_by_id):
        raise Refused(INVITE_BLOCKED, code="blocked")
    members = conversation.memberships.count()
    if conversation.max_participants is not None and members >= conversation.max_participants:
        raise Conflict(ROOM_FULL, code="conversation_full")
    admit(conversation, actor, event=system_lines.Event.INVITE_JOINED, empty=False)
    invite.uses += 1
    invite.save(update_fields=["uses"])
    return conversation, True

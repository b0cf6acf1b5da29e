"""Setting and clearing avatars of users and of groups/rooms, and telling who sees them.

The files and URLs are `chat_project.avatars`; the keys live on `accounts.User.avatar`
and `Conversation.avatar`. The user's avatar services live here, not in accounts,
because `user_updated` goes to everyone who can see the user — friends and the members
of every conversation they are in — and conversations is the lowest app that knows both
(the layering lets a higher app's service maintain a lower app's field).

Both kinds count against the per-user upload rate (`THROTTLE_UPLOAD`). The old files are
deleted once the change commits; a rolled-back change keeps them.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts import services as accounts_services
from accounts.models import User
from chat_project import avatars, ratelimit, realtime
from friends import selectors as friends_selectors

from . import events, selectors
from .models import Conversation, ConversationMember

USER, CONVERSATION = "u", "c"
NOT_A_GROUP = "A direct chat has no avatar of its own: it shows the other person's."
NOT_ADMIN = "Only an admin of this conversation can do this."


def user_audience_groups(user_id: int) -> list[str]:
    """The groups through which everyone who can see `user_id` hears about them: each
    conversation they are in (its members), the user groups of friends who share none of
    them, and their own user group (their other sockets). Two queries; one publish per
    conversation instead of one per member, so a member of several shared conversations
    may hear it more than once."""
    conversation_ids = list(
        ConversationMember.objects.filter(user_id=user_id).values_list("conversation_id", flat=True)
    )
    friends = friends_selectors.friend_ids(user_id)
    if friends and conversation_ids:
        friends -= set(
            ConversationMember.objects.filter(
                conversation_id__in=conversation_ids, user_id__in=friends
            ).values_list("user_id", flat=True)
        )
    return [
        *(realtime.conversation_group(cid) for cid in conversation_ids),
        *(realtime.user_group(uid) for uid in sorted(friends | {user_id})),
    ]


def _count_upload(user_id: int) -> None:
    ratelimit.hit(f"upload:{user_id}", settings.THROTTLE_RATES["upload"])


def user_avatar_set(*, actor: User, file: UploadedFile) -> User:
    """Your avatar from an image (cropped to its centre square, 256 and 64 px); everyone
    who sees you gets `user_updated`. Not a usable image -> ValidationError on `file`."""
    _count_upload(actor.id)
    key = avatars.store(USER, actor.id, file)
    return _user_avatar_change(actor, key)


def user_avatar_clear(*, actor: User) -> User:
    """Back to initials; `user_updated` as for a new one (nothing if there was none)."""
    return _user_avatar_change(actor, "")


@transaction.atomic
def _user_avatar_change(actor: User, key: str) -> User:
    user = User.objects.select_for_update().get(pk=actor.pk)
    old = user.avatar
    if old == key:
        return user
    user.avatar = key
    user.save(update_fields=["avatar"])
    avatars.delete_on_commit(USER, user.id, old)
    accounts_services.user_announce(user)
    actor.avatar = key
    return user


def require_avatar_admin(actor: User, conversation_id: int) -> ConversationMember:
    """Who may change a conversation's avatar, as for every admin-only setting: not a
    member -> 404, a direct chat -> 400, not an admin -> 403 (REST checks it before it
    reads the file)."""
    membership = selectors.membership_get(user_id=actor.id, conversation_id=conversation_id)
    if membership.conversation.type != Conversation.Type.GROUP:
        raise ValidationError(NOT_A_GROUP)
    if not membership.manages:
        raise PermissionDenied(NOT_ADMIN)
    return membership


def conversation_avatar_set(
    *, actor: User, conversation_id: int, file: UploadedFile
) -> Conversation:
    """An admin gives a group or room its avatar; members get `conversation_updated`."""
    require_avatar_admin(actor, conversation_id)  # refused before the image is even decoded
    _count_upload(actor.id)
    key = avatars.store(CONVERSATION, conversation_id, file)
    return _conversation_avatar_change(actor, conversation_id, key)


def conversation_avatar_clear(*, actor: User, conversation_id: int) -> Conversation:
    """An admin removes it; members get `conversation_updated` (nothing if none)."""
    require_avatar_admin(actor, conversation_id)
    return _conversation_avatar_change(actor, conversation_id, "")


@transaction.atomic
def _conversation_avatar_change(actor: User, conversation_id: int, key: str) -> Conversation:
    conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
    require_avatar_admin(actor, conversation_id)  # still an admin, under the lock
    old = conversation.avatar
    if old == key:
        return conversation
    conversation.avatar = key
    conversation.save(update_fields=["avatar", "updated_at"])
    avatars.delete_on_commit(CONVERSATION, conversation.id, old)
    realtime.broadcast_on_commit(
        realtime.conversation_group(conversation.id),
        events.conversation_updated(
            selectors.conversation_with_members(conversation_id=conversation.id)
        ),
    )
    return conversation

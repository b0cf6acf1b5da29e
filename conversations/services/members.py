"""Members of groups: admins add friends, anyone joins a public room, admins remove,
anyone leaves. All or nothing against `max_participants`, under the conversation's lock."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from accounts.models import User
from chat_project import realtime
from chat_project.exceptions import Conflict
from conversations import events, selectors, system_lines
from conversations.models import Conversation, ConversationMember

from .checks import (
    ROOM_FULL,
    Role,
    check_can_invite,
    check_not_banned,
    clean_user_ids,
    existing_users,
    lock,
    locked_membership,
    member_of,
    require_admin,
    require_group,
    require_outranks,
)
from .membership import announce_created, new_member, notify_added, remove_member


@transaction.atomic
def conversation_members_add(
    *, actor: User, conversation_id: int, user_ids: Iterable[int]
) -> Conversation:
    """An admin adds friends; those already in are skipped. All or nothing against the cap."""
    ids = clean_user_ids(user_ids, field="user_ids")
    if not ids:
        raise ValidationError({"user_ids": ["Give at least one user id."]})
    conversation, membership = locked_membership(actor=actor, conversation_id=conversation_id)
    require_group(conversation)
    require_admin(membership)
    users = {u.id: u for u in existing_users(ids)}
    current = set(conversation.memberships.values_list("user_id", flat=True))
    new_ids = [uid for uid in ids if uid not in current]
    check_can_invite(actor, new_ids)
    if not new_ids:
        return conversation
    check_not_banned(conversation.id, new_ids, yourself=False)
    cap = conversation.max_participants
    if cap is not None and len(current) + len(new_ids) > cap:
        raise Conflict(
            f"{ROOM_FULL} {cap - len(current)} place(s) left, {len(new_ids)} asked for.",
            code="conversation_full",
        )
    ConversationMember.objects.bulk_create(
        [new_member(conversation, uid, Role.MEMBER) for uid in new_ids]
    )
    group = realtime.conversation_group(conversation.id)
    for uid in new_ids:
        realtime.broadcast_on_commit(group, events.member_added(conversation.id, uid))
        system_lines.post(
            conversation_id=conversation.id,
            event=system_lines.Event.ADDED,
            actor=actor,
            user=users[uid],
        )
    announce_created(conversation.id, new_ids)
    notify_added(actor, conversation.id, new_ids)
    return conversation


@transaction.atomic
def conversation_join(*, actor: User, conversation_id: int) -> tuple[Conversation, bool]:
    """Join a public room; returns (conversation, joined). Already a member: nothing changes."""
    try:
        conversation_id = int(conversation_id)
    except (TypeError, ValueError) as exc:
        raise Http404(selectors.NOT_FOUND) from exc
    if ConversationMember.objects.filter(
        user_id=actor.id, conversation_id=conversation_id
    ).exists():
        return selectors.conversation_get_for_user(
            user_id=actor.id, conversation_id=conversation_id
        ), False
    conversation = lock(conversation_id)
    if conversation.type != Conversation.Type.GROUP or not conversation.is_public:
        raise Http404(selectors.NOT_FOUND)
    members = conversation.memberships.count()
    if conversation.memberships.filter(user_id=actor.id).exists():  # joined while we waited
        return conversation, False
    check_not_banned(conversation.id, [actor.id], yourself=True)
    if conversation.max_participants is not None and members >= conversation.max_participants:
        raise Conflict(ROOM_FULL, code="conversation_full")
    admit(conversation, actor, event=system_lines.Event.JOINED, empty=members == 0)
    return conversation, True


def admit(conversation: Conversation, user: User, *, event: str, empty: bool) -> None:
    """`user` comes into a locked group by themselves (a public room, an invite link)."""
    role = Role.OWNER if empty else Role.MEMBER  # defensive: a group never lacks an owner
    new_member(conversation, user.id, role).save()
    realtime.broadcast_on_commit(
        realtime.conversation_group(conversation.id), events.member_added(conversation.id, user.id)
    )
    system_lines.post(conversation_id=conversation.id, event=event, actor=user)
    announce_created(conversation.id, [user.id])


@transaction.atomic
def conversation_member_remove(*, actor: User, conversation_id: int, user_id: int) -> None:
    """An admin removes members, the owner admins too; anyone removes themselves (that is
    leaving)."""
    if user_id == actor.id:
        conversation_leave(actor=actor, conversation_id=conversation_id)
        return
    conversation, membership = locked_membership(actor=actor, conversation_id=conversation_id)
    require_group(conversation)
    require_admin(membership)
    target = member_of(conversation, user_id)
    require_outranks(membership, target)
    remove_member(conversation, target, event=system_lines.Event.REMOVED, actor=actor)


@transaction.atomic
def conversation_leave(*, actor: User, conversation_id: int) -> None:
    """Leave a group; the owner hands over to the oldest admin (else the oldest member),
    the last one deletes it."""
    conversation, membership = locked_membership(actor=actor, conversation_id=conversation_id)
    require_group(conversation)
    remove_member(conversation, membership, event=system_lines.Event.LEFT, actor=actor)

"""Groups and public rooms: created by their owner with friends, updated by admins, deleted
by the owner."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from conversations import system_lines
from conversations.models import Conversation, ConversationMember

from .checks import (
    Role,
    check_can_invite,
    clean_description,
    clean_max_participants,
    clean_name,
    clean_user_ids,
    existing_users,
    locked_membership,
    require_admin,
    require_group,
    require_owner,
)
from .membership import (
    announce_created,
    announce_updated,
    delete_conversation,
    new_member,
    notify_added,
)


@transaction.atomic
def conversation_group_create(
    *,
    actor: User,
    name: str,
    member_user_ids: Iterable[int] = (),
    description: str = "",
    is_public: bool = False,
    max_participants: int | None = None,
) -> Conversation:
    """A group (or a public room) whose creator is its owner; members are the creator's friends."""
    name = clean_name(name)
    description = clean_description(description)
    ids = clean_user_ids(member_user_ids, field="member_user_ids")
    ids = [uid for uid in ids if uid != actor.id]  # the creator is in anyway
    max_participants = clean_max_participants(max_participants, member_count=1 + len(ids))
    existing_users(ids)
    check_can_invite(actor, ids)

    conversation = Conversation(
        type=Conversation.Type.GROUP,
        name=name,
        description=description,
        is_public=bool(is_public),
        max_participants=max_participants,
        created_by=actor,
    )
    conversation.full_clean()
    conversation.save()
    ConversationMember.objects.bulk_create(
        [
            new_member(conversation, actor.id, Role.OWNER),
            *(new_member(conversation, uid, Role.MEMBER) for uid in ids),
        ]
    )
    announce_created(conversation.id, [actor.id, *ids])
    notify_added(actor, conversation.id, ids)
    return conversation


UPDATABLE_FIELDS = frozenset({"name", "description", "is_public", "max_participants"})


@transaction.atomic
def conversation_update(*, actor: User, conversation_id: int, **fields: object) -> Conversation:
    """Admins rename a group, change its description, visibility or cap."""
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in sorted(unknown)})
    conversation, membership = locked_membership(actor=actor, conversation_id=conversation_id)
    require_group(conversation)
    require_admin(membership)

    changes: dict[str, object] = {}
    if "name" in fields:
        changes["name"] = clean_name(fields["name"])
    if "description" in fields:
        changes["description"] = clean_description(fields["description"])
    if "is_public" in fields:
        if not isinstance(fields["is_public"], bool):
            raise ValidationError({"is_public": ["Must be true or false."]})
        changes["is_public"] = fields["is_public"]
    if "max_participants" in fields:
        changes["max_participants"] = clean_max_participants(
            fields["max_participants"],
            member_count=conversation.memberships.count(),
        )
    changed = [name for name, value in changes.items() if getattr(conversation, name) != value]
    if not changed:
        return conversation
    for name in changed:
        setattr(conversation, name, changes[name])
    conversation.full_clean()
    conversation.save(update_fields=[*changed, "updated_at"])
    if "name" in changed:
        system_lines.post(
            conversation_id=conversation.id,
            event=system_lines.Event.RENAMED,
            actor=actor,
            name=conversation.name,
        )
    announce_updated(conversation.id)
    return conversation


@transaction.atomic
def conversation_delete(*, actor: User, conversation_id: int) -> None:
    """The owner deletes a group with its messages; a direct chat cannot be deleted."""
    conversation, membership = locked_membership(actor=actor, conversation_id=conversation_id)
    require_group(conversation)
    require_owner(membership)
    delete_conversation(conversation)

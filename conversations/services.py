"""State changes of conversations: direct chats, groups, public rooms and their members.

Rules that hold whatever the caller (REST, web UI, admin):
- a direct chat links two friends who do not block each other, exists once per pair
  (the unique `private_pair_key`) and is fixed: no rename, no member changes, no leaving,
  no deleting; both users are plain `member`s.
- a group has at least one `admin` while it has members: the creator is admin; when the last
  admin goes, the oldest remaining member (joined_at, id) becomes admin; when the last member
  goes, the group is deleted.
- `max_participants` is never exceeded: every change of membership locks the conversation
  row first, so concurrent joins and adds are serialised.
- a new member starts with nothing unread (its read marker is set to the conversation's
  last message): joining a busy room should not greet you with hundreds of unread messages.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import ModerationLog, Notification, User
from chat_project import realtime
from chat_project.exceptions import Conflict
from chat_project.permissions import SUPERUSER, require_permission
from friends import selectors as friends_selectors

from . import events, selectors
from .models import Conversation, ConversationMember, StaffAccessGrant

#: The largest `max_participants` a group may ask for (also bounds the column's integer).
MAX_PARTICIPANTS_LIMIT: int = settings.CONVERSATION_MAX_PARTICIPANTS_LIMIT
NAME_MAX_LENGTH = 100
DESCRIPTION_MAX_LENGTH = 1000

Role = ConversationMember.Role

NOT_A_GROUP = "A direct conversation cannot be changed: it always links the same two people."
NOT_ADMIN = "Only an admin of this conversation can do this."
NOT_FRIENDS = "You can only add your friends."
ROOM_FULL = "This conversation is full."
NOT_MODERATOR = "Only moderators can do this."


# --- Helpers ---------------------------------------------------------------------------


def _clean_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValidationError({"name": ["A group needs a name."]})
    name = name.strip()
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": [f"At most {NAME_MAX_LENGTH} characters."]})
    return name


def _clean_description(description: object) -> str:
    if description is None:
        return ""
    if not isinstance(description, str):
        raise ValidationError({"description": ["Must be text."]})
    description = description.strip()
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError({"description": [f"At most {DESCRIPTION_MAX_LENGTH} characters."]})
    return description


def _clean_max_participants(value: object, *, member_count: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({"max_participants": ["Must be a whole number or null."]})
    if value < 2:
        raise ValidationError({"max_participants": ["A group holds at least 2 participants."]})
    if value > MAX_PARTICIPANTS_LIMIT:
        raise ValidationError({"max_participants": [f"At most {MAX_PARTICIPANTS_LIMIT}."]})
    if value < member_count:
        raise ValidationError(
            {"max_participants": [f"The conversation already has {member_count} members."]}
        )
    return value


def _clean_user_ids(user_ids: object, *, field: str) -> list[int]:
    """Distinct ids in the order given; a malformed list is a 400, never a 500."""
    if not isinstance(user_ids, list | tuple | set | frozenset):
        raise ValidationError({field: ["Must be a list of user ids."]})
    cleaned: list[int] = []
    for value in user_ids:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationError({field: ["Must be a list of user ids."]})
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


def _existing_users(user_ids: list[int]) -> list[User]:
    """The active users with these ids; any unknown (or disabled) one is a 404."""
    users = {u.id: u for u in User.objects.filter(id__in=user_ids, is_active=True)}
    missing = [uid for uid in user_ids if uid not in users]
    if missing:
        raise Http404(f"User {missing[0]} not found.")
    return [users[uid] for uid in user_ids]


def _check_can_invite(actor: User, user_ids: Iterable[int]) -> None:
    """Only the actor's friends who do not block (and are not blocked by) the actor."""
    ids = set(user_ids)
    if not ids:
        return
    if ids & friends_selectors.blocked_ids_either_way(actor.id):
        raise PermissionDenied(NOT_FRIENDS)
    if ids - friends_selectors.friend_ids(actor.id):
        raise PermissionDenied(NOT_FRIENDS)


def _lock(conversation_id: int) -> Conversation:
    """The conversation row, locked until commit: membership changes queue up behind it."""
    try:
        return Conversation.objects.select_for_update().get(id=conversation_id)
    except (Conversation.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(selectors.NOT_FOUND) from exc


def _locked_membership(
    *, actor: User, conversation_id: int
) -> tuple[Conversation, ConversationMember]:
    """Lock the conversation if the actor is a member (a stranger gets 404 and never waits
    for or holds the lock), then read the membership under the lock (a role changed while
    waiting counts)."""
    try:
        conversation = Conversation.objects.select_for_update(of=("self",)).get(
            id=conversation_id, memberships__user_id=actor.id
        )
    except (Conversation.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(selectors.NOT_FOUND) from exc
    membership = selectors.membership_get(user_id=actor.id, conversation_id=conversation_id)
    return conversation, membership


def _require_group(conversation: Conversation) -> None:
    if conversation.type != Conversation.Type.GROUP:
        raise ValidationError(NOT_A_GROUP)


def _require_admin(membership: ConversationMember) -> None:
    if membership.role != Role.ADMIN:
        raise PermissionDenied(NOT_ADMIN)


def _new_member(conversation: Conversation, user_id: int, role: str) -> ConversationMember:
    """A membership that starts fully read (see module docstring)."""
    return ConversationMember(
        conversation=conversation,
        user_id=user_id,
        role=role,
        last_read_seq=conversation.last_seq,
        last_read_message_id=conversation.last_message_id,
    )


def _announce_created(conversation_id: int, user_ids: Iterable[int]) -> None:
    """`conversation_created` to each user's group: their sockets subscribe to it."""
    conversation = selectors.conversation_with_members(conversation_id=conversation_id)
    for user_id, event in events.conversation_created_for(conversation, user_ids).items():
        realtime.broadcast_on_commit(realtime.user_group(user_id), event)


def _notify_added(actor: User, conversation_id: int, user_ids: Iterable[int]) -> None:
    """`added_to_conversation` for people someone else put into a group (never the actor)."""
    accounts_services.notifications_create(
        actor=actor,
        recipient_ids=user_ids,
        type=Notification.Type.ADDED_TO_CONVERSATION,
        conversation_id=conversation_id,
    )


def _announce_updated(conversation_id: int) -> None:
    conversation = selectors.conversation_with_members(conversation_id=conversation_id)
    realtime.broadcast_on_commit(
        realtime.conversation_group(conversation_id), events.conversation_updated(conversation)
    )


# --- Direct chats ----------------------------------------------------------------------


@transaction.atomic
def conversation_direct_get_or_create(
    *, actor: User, other_user_id: int
) -> tuple[Conversation, bool]:
    """The one direct chat between two friends, created on first use.

    Safe under concurrent creation: the unique pair key decides, and the loser of the race
    fetches the winner's conversation (after the winner commits, both see the same row).
    """
    if isinstance(other_user_id, bool) or not isinstance(other_user_id, int):
        raise ValidationError({"member_user_ids": ["Must be a list of user ids."]})
    if other_user_id == actor.id:
        raise ValidationError(
            {"member_user_ids": ["You cannot start a direct chat with yourself."]}
        )
    (other,) = _existing_users([other_user_id])
    if friends_selectors.is_blocked_between(actor.id, other.id):
        raise PermissionDenied("You cannot start a direct chat with this user.")
    if not friends_selectors.are_friends(actor.id, other.id):
        raise PermissionDenied("You can only start a direct chat with a friend.")

    key = Conversation.pair_key(actor.id, other.id)
    existing = Conversation.objects.filter(private_pair_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():  # a savepoint: the race's loser keeps a usable transaction
            conversation = Conversation.objects.create(
                type=Conversation.Type.DIRECT, private_pair_key=key, created_by=actor
            )
            ConversationMember.objects.bulk_create(
                [
                    _new_member(conversation, actor.id, Role.MEMBER),
                    _new_member(conversation, other.id, Role.MEMBER),
                ]
            )
    except IntegrityError:
        return Conversation.objects.get(private_pair_key=key), False
    _announce_created(conversation.id, [actor.id, other.id])
    return conversation, True


# --- Groups ----------------------------------------------------------------------------


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
    """A group (or a public room) whose creator is its admin; members are the creator's friends."""
    name = _clean_name(name)
    description = _clean_description(description)
    ids = _clean_user_ids(member_user_ids, field="member_user_ids")
    ids = [uid for uid in ids if uid != actor.id]  # the creator is in anyway
    max_participants = _clean_max_participants(max_participants, member_count=1 + len(ids))
    _existing_users(ids)
    _check_can_invite(actor, ids)

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
            _new_member(conversation, actor.id, Role.ADMIN),
            *(_new_member(conversation, uid, Role.MEMBER) for uid in ids),
        ]
    )
    _announce_created(conversation.id, [actor.id, *ids])
    _notify_added(actor, conversation.id, ids)
    return conversation


UPDATABLE_FIELDS = frozenset({"name", "description", "is_public", "max_participants"})


@transaction.atomic
def conversation_update(*, actor: User, conversation_id: int, **fields: object) -> Conversation:
    """Admins rename a group, change its description, visibility or cap."""
    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise ValidationError({name: ["This field cannot be changed."] for name in sorted(unknown)})
    conversation, membership = _locked_membership(actor=actor, conversation_id=conversation_id)
    _require_group(conversation)
    _require_admin(membership)

    changes: dict[str, object] = {}
    if "name" in fields:
        changes["name"] = _clean_name(fields["name"])
    if "description" in fields:
        changes["description"] = _clean_description(fields["description"])
    if "is_public" in fields:
        if not isinstance(fields["is_public"], bool):
            raise ValidationError({"is_public": ["Must be true or false."]})
        changes["is_public"] = fields["is_public"]
    if "max_participants" in fields:
        changes["max_participants"] = _clean_max_participants(
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
    _announce_updated(conversation.id)
    return conversation


def _delete(conversation: Conversation) -> None:
    """Delete a locked conversation; every member's user group hears about it."""
    user_ids = list(conversation.memberships.values_list("user_id", flat=True))
    conversation_id = conversation.id
    conversation.delete()
    realtime.broadcast_to_users_on_commit(user_ids, events.conversation_deleted(conversation_id))


@transaction.atomic
def conversation_delete(*, actor: User, conversation_id: int) -> None:
    """An admin deletes a group with its messages; a direct chat cannot be deleted."""
    conversation, membership = _locked_membership(actor=actor, conversation_id=conversation_id)
    _require_group(conversation)
    _require_admin(membership)
    _delete(conversation)


# --- Members ---------------------------------------------------------------------------


@transaction.atomic
def conversation_members_add(
    *, actor: User, conversation_id: int, user_ids: Iterable[int]
) -> Conversation:
    """An admin adds friends; those already in are skipped. All or nothing against the cap."""
    ids = _clean_user_ids(user_ids, field="user_ids")
    if not ids:
        raise ValidationError({"user_ids": ["Give at least one user id."]})
    conversation, membership = _locked_membership(actor=actor, conversation_id=conversation_id)
    _require_group(conversation)
    _require_admin(membership)
    _existing_users(ids)
    current = set(conversation.memberships.values_list("user_id", flat=True))
    new_ids = [uid for uid in ids if uid not in current]
    _check_can_invite(actor, new_ids)
    if not new_ids:
        return conversation
    cap = conversation.max_participants
    if cap is not None and len(current) + len(new_ids) > cap:
        raise Conflict(
            f"{ROOM_FULL} {cap - len(current)} place(s) left, {len(new_ids)} asked for.",
            code="conversation_full",
        )
    ConversationMember.objects.bulk_create(
        [_new_member(conversation, uid, Role.MEMBER) for uid in new_ids]
    )
    group = realtime.conversation_group(conversation.id)
    for uid in new_ids:
        realtime.broadcast_on_commit(group, events.member_added(conversation.id, uid))
    _announce_created(conversation.id, new_ids)
    _notify_added(actor, conversation.id, new_ids)
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
    conversation = _lock(conversation_id)
    if conversation.type != Conversation.Type.GROUP or not conversation.is_public:
        raise Http404(selectors.NOT_FOUND)
    members = conversation.memberships.count()
    if conversation.memberships.filter(user_id=actor.id).exists():  # joined while we waited
        return conversation, False
    if conversation.max_participants is not None and members >= conversation.max_participants:
        raise Conflict(ROOM_FULL, code="conversation_full")
    role = Role.ADMIN if members == 0 else Role.MEMBER  # defensive: a group never lacks an admin
    _new_member(conversation, actor.id, role).save()
    realtime.broadcast_on_commit(
        realtime.conversation_group(conversation.id), events.member_added(conversation.id, actor.id)
    )
    _announce_created(conversation.id, [actor.id])
    return conversation, True


def _remove(conversation: Conversation, membership: ConversationMember) -> None:
    """Remove a member from a locked group: hand over admin, or delete the emptied group."""
    user_id, conversation_id = membership.user_id, conversation.id
    membership.delete()
    remaining = list(conversation.memberships.order_by("joined_at", "id"))
    if remaining:  # told while the removed user's sockets still listen to the group
        realtime.broadcast_on_commit(
            realtime.conversation_group(conversation_id),
            events.member_removed(conversation_id, user_id),
        )
    # Every device of the removed user unsubscribes, also when they left by themselves.
    realtime.broadcast_on_commit(
        realtime.user_group(user_id), events.removed_from_conversation(conversation_id)
    )
    if not remaining:
        _delete(conversation)
        return
    if membership.role == Role.ADMIN and not any(m.role == Role.ADMIN for m in remaining):
        heir = remaining[0]
        heir.role = Role.ADMIN
        heir.save(update_fields=["role"])
        _announce_updated(conversation.id)


@transaction.atomic
def conversation_member_remove(*, actor: User, conversation_id: int, user_id: int) -> None:
    """An admin removes anyone; anyone removes themselves (that is leaving)."""
    if user_id == actor.id:
        conversation_leave(actor=actor, conversation_id=conversation_id)
        return
    conversation, membership = _locked_membership(actor=actor, conversation_id=conversation_id)
    _require_group(conversation)
    _require_admin(membership)
    try:
        target = conversation.memberships.get(user_id=user_id)
    except (ConversationMember.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("This user is not a member of the conversation.") from exc
    _remove(conversation, target)


@transaction.atomic
def conversation_leave(*, actor: User, conversation_id: int) -> None:
    """Leave a group; the last admin hands over to the oldest member, the last one deletes it."""
    conversation, membership = _locked_membership(actor=actor, conversation_id=conversation_id)
    _require_group(conversation)
    _remove(conversation, membership)


# --- Moderation (admin site) -----------------------------------------------------------


@transaction.atomic
def conversation_moderate_delete(*, actor: User, conversation_id: int) -> None:
    """A moderator deletes any conversation (direct ones too); its members are told.

    Needs `conversations.delete_conversation` (what the admin's delete asks for)."""
    require_permission(actor, "conversations.delete_conversation", message=NOT_MODERATOR)
    _delete(_lock(conversation_id))


@transaction.atomic
def conversation_member_moderate_remove(*, actor: User, conversation_id: int, user_id: int) -> None:
    """A moderator removes someone from a group, with the same consequences as leaving.

    Needs `conversations.delete_conversationmember` (what the admin's remove asks for)."""
    require_permission(actor, "conversations.delete_conversationmember", message=NOT_MODERATOR)
    conversation = _lock(conversation_id)
    _require_group(conversation)
    try:
        target = conversation.memberships.get(user_id=user_id)
    except (ConversationMember.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("This user is not a member of the conversation.") from exc
    _remove(conversation, target)


#: How long a superuser may read a private conversation they opened.
STAFF_ACCESS_DURATION = timedelta(hours=1)


@transaction.atomic
def conversation_staff_open(*, actor: User, conversation_id: int, reason: str) -> StaffAccessGrant:
    """A superuser opens a private conversation (direct chat or private group) to read its
    messages in the admin, for `STAFF_ACCESS_DURATION`, giving a reason.

    Only active superusers (moderators read private messages only through reports); the
    reason is required and goes into the audit log with the grant. A public room needs no
    opening (its messages are visible anyway) -> ValidationError; unknown id -> Http404.
    """
    require_permission(
        actor, SUPERUSER, message="Only a superuser can open a private conversation."
    )
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise ValidationError({"reason": ["Say why you need to read this conversation."]})
    if len(text) > accounts_services.REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": [
                    "Ensure this field has no more than "
                    f"{accounts_services.REASON_MAX_LENGTH} characters."
                ]
            }
        )
    try:  # not locked: opening must not hold up the conversation's senders
        conversation = Conversation.objects.get(id=conversation_id)
    except (Conversation.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(selectors.NOT_FOUND) from exc
    if conversation.is_public:
        raise ValidationError(
            "This is a public room: its messages are visible without opening it.", code="public"
        )
    grant = StaffAccessGrant(
        conversation=conversation,
        user=actor,
        reason=text,
        expires_at=timezone.now() + STAFF_ACCESS_DURATION,
    )
    grant.full_clean()
    grant.save()
    accounts_services.moderation_log_write(
        actor=actor,
        action=ModerationLog.Action.OPEN_CONVERSATION,
        target_type="conversation",
        target_id=conversation.pk,
        target_repr=f"{conversation.type} {conversation} until {grant.expires_at:%Y-%m-%d %H:%M}Z",
        reason=text,
    )
    return grant

"""The checks the conversation services share: input (names, descriptions, caps, user ids)
and access (the row lock, membership, group, admin, who may be invited).

Every membership change locks the conversation row first (`lock`, `locked_membership`),
so concurrent joins and adds are serialised and `max_participants` is never exceeded.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.models import User
from chat_project.exceptions import Refused
from conversations import selectors
from conversations.models import RANK, Conversation, ConversationBan, ConversationMember
from friends import selectors as friends_selectors

#: The largest `max_participants` a group may ask for (also bounds the column's integer).
MAX_PARTICIPANTS_LIMIT: int = settings.CONVERSATION_MAX_PARTICIPANTS_LIMIT
NAME_MAX_LENGTH = 100
DESCRIPTION_MAX_LENGTH = 1000

NOT_A_GROUP = "A direct conversation cannot be changed: it always links the same two people."
NOT_ADMIN = "Only an admin of this conversation can do this."
NOT_FRIENDS = "You can only add your friends."
ROOM_FULL = "This conversation is full."
NOT_MODERATOR = "Only moderators can do this."
NOT_A_MEMBER = "This user is not a member of the conversation."
NOT_OWNER = "Only the owner of this conversation can do this."
OUTRANKED = "You can only do this to members below your role."
BANNED = "This user is banned from this conversation."
YOU_ARE_BANNED = "You are banned from this conversation."

Role = ConversationMember.Role


def clean_name(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValidationError({"name": ["A group needs a name."]})
    name = name.strip()
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": [f"At most {NAME_MAX_LENGTH} characters."]})
    return name


def clean_description(description: object) -> str:
    if description is None:
        return ""
    if not isinstance(description, str):
        raise ValidationError({"description": ["Must be text."]})
    description = description.strip()
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError({"description": [f"At most {DESCRIPTION_MAX_LENGTH} characters."]})
    return description


def clean_max_participants(value: object, *, member_count: int) -> int | None:
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


def clean_user_ids(user_ids: object, *, field: str) -> list[int]:
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


def existing_users(user_ids: list[int]) -> list[User]:
    """The active users with these ids; any unknown (or disabled) one is a 404."""
    users = {u.id: u for u in User.objects.filter(id__in=user_ids, is_active=True)}
    missing = [uid for uid in user_ids if uid not in users]
    if missing:
        raise Http404(f"User {missing[0]} not found.")
    return [users[uid] for uid in user_ids]


def check_can_invite(actor: User, user_ids: Iterable[int]) -> None:
    """Only the actor's friends who do not block (and are not blocked by) the actor."""
    ids = set(user_ids)
    if not ids:
        return
    if ids & friends_selectors.blocked_ids_either_way(actor.id):
        raise PermissionDenied(NOT_FRIENDS)
    strangers = ids - friends_selectors.friend_ids(actor.id)
    if strangers:  # the actor's own bots come in like friends
        own_bots = User.objects.filter(
            id__in=strangers, is_bot=True, bot_owner_id=actor.id, is_active=True
        ).values_list("id", flat=True)
        if strangers - set(own_bots):
            raise PermissionDenied(NOT_FRIENDS)


def lock(conversation_id: int) -> Conversation:
    """The conversation row, locked until commit: membership changes queue up behind it."""
    try:
        return Conversation.objects.select_for_update().get(id=conversation_id)
    except (Conversation.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(selectors.NOT_FOUND) from exc


def locked_membership(
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


def member_of(conversation: Conversation, user_id: int) -> ConversationMember:
    """`user_id`'s membership of a (locked) conversation, else 404."""
    try:
        return conversation.memberships.get(user_id=user_id)
    except (ConversationMember.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(NOT_A_MEMBER) from exc


def require_group(conversation: Conversation) -> None:
    if conversation.type != Conversation.Type.GROUP:
        raise ValidationError(NOT_A_GROUP)


def require_admin(membership: ConversationMember) -> None:
    """Owner or admin."""
    if not membership.manages:
        raise PermissionDenied(NOT_ADMIN)


def require_owner(membership: ConversationMember) -> None:
    if membership.role != Role.OWNER:
        raise PermissionDenied(NOT_OWNER)


def require_outranks(actor: ConversationMember, target: ConversationMember) -> None:
    """An admin acts on members, the owner on admins and members; nobody on the owner."""
    if RANK[Role(actor.role)] <= RANK[Role(target.role)]:
        raise PermissionDenied(OUTRANKED)


def check_not_banned(conversation_id: int, user_ids: Iterable[int], *, yourself: bool) -> None:
    """A banned user cannot come back (join, be added, use a link) until the ban is lifted."""
    if ConversationBan.objects.filter(
        conversation_id=conversation_id, user_id__in=user_ids
    ).exists():
        raise Refused(YOU_ARE_BANNED if yourself else BANNED, code="banned")

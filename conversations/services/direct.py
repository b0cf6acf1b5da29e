"""Direct chats: one per pair of friends, created on first use, fixed for good."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User
from conversations.models import Conversation, ConversationMember
from friends import selectors as friends_selectors

from .checks import Role, existing_users
from .membership import announce_created, new_member


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
    (other,) = existing_users([other_user_id])
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
                    new_member(conversation, actor.id, Role.MEMBER),
                    new_member(conversation, other.id, Role.MEMBER),
                ]
            )
    except IntegrityError:
        return Conversation.objects.get(private_pair_key=key), False
    announce_created(conversation.id, [actor.id, other.id])
    return conversation, True

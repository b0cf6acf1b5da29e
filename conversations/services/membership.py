"""The steps the conversation services share: how a membership starts (fully read) and
ends (an heir for the last admin, no empty group), how a conversation goes, and who is
told (events after commit, notifications). The rules are the package's docstring."""

from collections.abc import Iterable

from accounts import services as accounts_services
from accounts.models import Notification, User
from chat_project import realtime
from conversations import events, selectors, system_lines
from conversations.models import Conversation, ConversationMember

from .checks import Role


def new_member(conversation: Conversation, user_id: int, role: str) -> ConversationMember:
    """A membership that starts fully read: a busy room greets nobody with a backlog."""
    return ConversationMember(
        conversation=conversation,
        user_id=user_id,
        role=role,
        last_read_seq=conversation.last_seq,
        last_read_message_id=conversation.last_message_id,
    )


def announce_created(conversation_id: int, user_ids: Iterable[int]) -> None:
    """`conversation_created` to each user's group: their sockets subscribe to it."""
    conversation = selectors.conversation_with_members(conversation_id=conversation_id)
    for user_id, event in events.conversation_created_for(conversation, user_ids).items():
        realtime.broadcast_on_commit(realtime.user_group(user_id), event)


def notify_added(actor: User, conversation_id: int, user_ids: Iterable[int]) -> None:
    """`added_to_conversation` for people someone else put into a group (never the actor)."""
    accounts_services.notifications_create(
        actor=actor,
        recipient_ids=user_ids,
        type=Notification.Type.ADDED_TO_CONVERSATION,
        conversation_id=conversation_id,
    )


def announce_updated(conversation_id: int) -> None:
    conversation = selectors.conversation_with_members(conversation_id=conversation_id)
    realtime.broadcast_on_commit(
        realtime.conversation_group(conversation_id), events.conversation_updated(conversation)
    )


def delete_conversation(conversation: Conversation) -> None:
    """Delete a locked conversation; every member's user group hears about it."""
    user_ids = list(conversation.memberships.values_list("user_id", flat=True))
    conversation_id = conversation.id
    conversation.delete()
    realtime.broadcast_to_users_on_commit(user_ids, events.conversation_deleted(conversation_id))


def role_changed(conversation_id: int, member: ConversationMember, role: str) -> None:
    """Give a (locked) member a new role; the conversation hears `member_role_changed`."""
    member.role = role
    member.save(update_fields=["role"])
    realtime.broadcast_on_commit(
        realtime.conversation_group(conversation_id),
        events.member_role_changed(conversation_id, member.user_id, role),
    )


def remove_member(
    conversation: Conversation,
    membership: ConversationMember,
    *,
    event: str,
    actor: User,
    sender: User | None = None,
) -> None:
    """Remove a member from a locked group, with its system line (`event`, done by `actor`,
    posted as `sender`, a member); the owner's going hands ownership to the oldest admin,
    else the oldest member; the last one's going deletes the group."""
    user_id, conversation_id = membership.user_id, conversation.id
    remaining = list(
        conversation.memberships.exclude(id=membership.id)
        .select_related("user")
        .order_by("joined_at", "id")
    )
    if remaining:  # written while the member still belongs, so it may be their own line
        system_lines.post(
            conversation_id=conversation_id,
            event=event,
            actor=actor,
            user=None if event == system_lines.Event.LEFT else membership.user,
            sender=sender,
        )
    membership.delete()
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
        delete_conversation(conversation)
        return
    if membership.role == Role.OWNER:
        admins = [m for m in remaining if m.role == Role.ADMIN]
        heir = (admins or remaining)[0]
        role_changed(conversation_id, heir, Role.OWNER)
        system_lines.post(
            conversation_id=conversation_id,
            event=system_lines.Event.OWNER_CHANGED,
            actor=membership.user,
            user=heir.user,
            sender=heir.user,
        )

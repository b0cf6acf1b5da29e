"""Moderation from the admin site: deleting any conversation, removing a member, and a
superuser opening a private conversation to read it (audit-logged, for an hour)."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import ModerationLog, User
from chat_project.permissions import SUPERUSER, require_permission
from conversations import selectors, system_lines
from conversations.models import Conversation, StaffAccessGrant

from .checks import NOT_MODERATOR, lock, member_of, require_group
from .membership import delete_conversation, remove_member


@transaction.atomic
def conversation_moderate_delete(*, actor: User, conversation_id: int, reason: str = "") -> None:
    """A moderator deletes any conversation (direct ones too); its members are told.

    Needs `conversations.delete_conversation` (what the admin's delete asks for); logged."""
    require_permission(actor, "conversations.delete_conversation", message=NOT_MODERATOR)
    conversation = lock(conversation_id)
    accounts_services.moderation_log_write(
        actor=actor,
        action=ModerationLog.Action.DELETE_CONVERSATION,
        target_type="conversation",
        target_id=conversation.pk,
        target_repr=f"{conversation.type} {conversation}",
        reason=reason,
    )
    delete_conversation(conversation)


@transaction.atomic
def conversation_member_moderate_remove(
    *, actor: User, conversation_id: int, user_id: int, reason: str = ""
) -> None:
    """A moderator removes someone from a group or room, with the same consequences as
    leaving (`removed_from_conversation` to them, `member_removed` to the rest).

    Needs `conversations.delete_conversationmember` (what the admin's remove asks for);
    logged with the reason."""
    require_permission(actor, "conversations.delete_conversationmember", message=NOT_MODERATOR)
    conversation = lock(conversation_id)
    require_group(conversation)
    target = member_of(conversation, user_id)
    accounts_services.moderation_log_write(
        actor=actor,
        action=ModerationLog.Action.REMOVE_MEMBER,
        target_type="conversation",
        target_id=conversation.pk,
        target_repr=f"{target.user.username} from {conversation}",
        subject_user_id=target.user_id,
        reason=reason,
    )
    remove_member(
        conversation, target, event=system_lines.Event.REMOVED, actor=actor, sender=target.user
    )


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

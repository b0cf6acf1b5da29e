"""Reads over conversations that carry permission: "missing" and "not yours" look the same."""

from django.http import Http404

from .models import Conversation, ConversationMember

NOT_FOUND = "Conversation not found."


def conversation_ids_for_user(user_id: int) -> list[int]:
    return list(
        ConversationMember.objects.filter(user_id=user_id).values_list("conversation_id", flat=True)
    )


def member_ids(conversation_id: int) -> list[int]:
    return list(
        ConversationMember.objects.filter(conversation_id=conversation_id).values_list(
            "user_id", flat=True
        )
    )


def membership_get(*, user_id: int, conversation_id: int) -> ConversationMember:
    """The caller's membership (with its conversation), or 404 for missing and not-a-member."""
    try:
        return ConversationMember.objects.select_related("conversation").get(
            user_id=user_id, conversation_id=conversation_id
        )
    except (ConversationMember.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(NOT_FOUND) from exc


def conversation_get_for_user(*, user_id: int, conversation_id: int) -> Conversation:
    return membership_get(user_id=user_id, conversation_id=conversation_id).conversation

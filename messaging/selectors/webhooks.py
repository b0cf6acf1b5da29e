"""A group's incoming webhooks, for its admins."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from conversations.selectors import membership_get
from messaging.models import Webhook


def webhook_list_for_admin(*, user_id: int, conversation_id: int) -> QuerySet[Webhook]:
    """The webhooks not revoked, newest first, with their bots (a member -> 403, a
    stranger -> 404)."""
    membership = membership_get(user_id=user_id, conversation_id=conversation_id)
    if not membership.manages:
        raise PermissionDenied("Only an admin of this conversation can do this.")
    return Webhook.objects.filter(
        conversation_id=conversation_id, revoked_at__isnull=True
    ).select_related("bot")

"""Messages for staff in the admin: whose text they may read, and the conversation around
a reported message."""

from django.db.models import (
    Case,
    F,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)

from chat_project.permissions import require_permission
from conversations.selectors import staff_can_read_q
from messaging.models import Message, Report

#: What staff see instead of the text of a message in a private conversation.
PRIVATE_PLACEHOLDER = "(private conversation — open through a report)"


#: Messages shown before and after a reported message on the report's page.
REPORT_CONTEXT_RADIUS = 5


def staff_can_read_messages_q(*, viewer) -> Q:
    """Messages whose text staff `viewer` may read in the admin: those of public rooms and of
    the private conversations this superuser opened (`conversation_staff_open`)."""
    return staff_can_read_q(viewer=viewer, prefix="conversation__")


def message_list_for_staff(
    *, viewer, queryset: QuerySet[Message] | None = None
) -> QuerySet[Message]:
    """Messages for the admin, each with `staff_text`: its content where `viewer` may read
    it, else None (and then the text is not even read from the database: `content` is
    deferred). Show `PRIVATE_PLACEHOLDER` for None; never show `content` itself."""
    messages = Message.objects.all() if queryset is None else queryset
    return messages.defer("content").annotate(
        staff_text=Case(
            When(staff_can_read_messages_q(viewer=viewer), then=F("content")),
            default=Value(None),
            output_field=TextField(),
        )
    )


def report_context_for_staff(
    *, viewer, report: Report, radius: int = REPORT_CONTEXT_RADIUS
) -> list[Message]:
    """A reported message with up to `radius` messages either side of it (by `seq`), oldest
    first, with their senders: how staff read a private conversation — the part around
    what somebody reported. Empty for a user report or when the message is gone.

    Needs the permission to view reports (moderators, superusers).
    """
    require_permission(
        viewer, "messaging.view_report", message="You are not allowed to read reports."
    )
    if report.message_id is None:
        return []
    anchor = (
        Message.objects.filter(pk=report.message_id).values_list("conversation_id", "seq").first()
    )
    if anchor is None:
        return []
    conversation_id, seq = anchor
    return list(
        Message.objects.filter(
            conversation_id=conversation_id, seq__gte=seq - radius, seq__lte=seq + radius
        )
        .select_related("sender")
        .order_by("seq")
    )

"""Messages for staff in the admin: whose text they may read, and the conversation around
a reported message."""

from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)

from accounts.models import ModerationLog, ModeratorNote
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


def report_case(report: Report) -> QuerySet[Report]:
    """The case a report belongs to: every report of the same target (the same message,
    or the same user for user reports), whatever its status. Several people reporting one
    message are one case, handled once."""
    if report.target_type == Report.TargetType.MESSAGE:
        if report.message_id is None:
            return Report.objects.filter(pk=report.pk)
        return Report.objects.filter(target_type=report.target_type, message_id=report.message_id)
    if report.user_id is None:  # the reported account is gone: nothing to group by
        return Report.objects.filter(pk=report.pk)
    return Report.objects.filter(target_type=report.target_type, user_id=report.user_id)


#: How many rows of each part of a report's case file are shown (links lead to the rest).
CASE_FILE_ROWS = 10


def _status_counts(reports: QuerySet[Report]) -> dict[str, int]:
    counts = dict(reports.values_list("status").annotate(n=Count("id")).order_by())
    return {status: counts.get(status, 0) for status in Report.Status.values}


def report_case_file(*, viewer, report: Report) -> dict[str, Any]:
    """What a moderator needs beside the reported message to decide a report: the other
    reports of its case, the reported user's earlier reports and moderation record
    (sanctions, notes) and the reporter's record (how often their reports were dismissed:
    abusive reporting). A fixed number of queries, whatever the histories' lengths.

    Needs the permission to view reports."""
    require_permission(
        viewer, "messaging.view_report", message="You are not allowed to read reports."
    )
    case = list(report_case(report).select_related("reporter").order_by("id"))
    file: dict[str, Any] = {"case_reports": case}
    if report.user_id is not None:
        about = Report.objects.filter(user_id=report.user_id)
        file["user_report_counts"] = _status_counts(about)
        file["user_reports"] = list(
            about.exclude(pk__in=[r.pk for r in case])
            .select_related("reporter", "user", "message__conversation")
            .order_by("-id")[:CASE_FILE_ROWS]
        )
        file["user_record"] = list(
            ModerationLog.objects.filter(subject_user_id=report.user_id)
            .exclude(target_type="report")
            .select_related("moderator")
            .order_by("-id")[:CASE_FILE_ROWS]
        )
        file["user_notes"] = list(
            ModeratorNote.objects.filter(user_id=report.user_id)
            .select_related("author")
            .order_by("-id")[:CASE_FILE_ROWS]
        )
    made = Report.objects.filter(reporter_id=report.reporter_id)
    file["reporter_counts"] = _status_counts(made)
    file["reporter_reports"] = list(
        made.exclude(pk=report.pk)
        .select_related("reporter", "user", "message__conversation")
        .order_by("-id")[:CASE_FILE_ROWS]
    )
    return file

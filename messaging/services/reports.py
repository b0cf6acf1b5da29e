"""Reports: users report messages they can see, or other users; one open report per
reporter and target. Reports of one target are one *case*: moderators resolve or dismiss
it, or act on it (redact the message, ban, suspend or mute the user), which closes every
open report of the case and tells each reporter the outcome; every moderator action lands
in the audit log (`accounts.ModerationLog`).
"""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import ModerationLog, Notification, User
from accounts.selectors import USER_NOT_FOUND
from chat_project import ratelimit
from chat_project.exceptions import Conflict
from chat_project.ids import id_or_404
from chat_project.permissions import require_permission
from conversations import services as conversations_services
from messaging.models import Report
from messaging.selectors import report_case

from .checks import membership_for_message
from .store import message_redact

REPORT_REASON_MAX_LENGTH = 1000
REPORT_NOT_FOUND = "Report not found."
ALREADY_REPORTED = "You already have an open report about this."
#: What reporters are told (`report_handled` notifications): never the sanction itself.
OUTCOME_ACTION = "action_taken"
OUTCOME_NONE = "no_action"


def _clean_reason(reason: object) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError({"reason": ["Give a reason."]})
    text = reason.strip()
    if len(text) > REPORT_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": [
                    f"Ensure this field has no more than {REPORT_REASON_MAX_LENGTH} characters."
                ]
            }
        )
    return text


def _save_report(report: Report) -> Report:
    """Insert; the partial unique constraints decide "one open report per target" atomically."""
    report.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as exc:
        raise Conflict(ALREADY_REPORTED, code="already_reported") from exc
    return report


def _report_rate_hit(actor: User) -> None:
    ratelimit.hit(f"report:{actor.id}", settings.THROTTLE_RATES["report"])


@transaction.atomic
def message_report(*, actor: User, message_id: int, reason: str) -> Report:
    """Report a message of a conversation the actor is in (else 404); keeps its text.

    Your own message -> ValidationError; an open report by you on it already -> Conflict.
    """
    message, _membership = membership_for_message(actor=actor, message_id=message_id)
    text = _clean_reason(reason)
    if message.sender_id == actor.id:
        raise ValidationError("You cannot report your own message.", code="self_report")
    _report_rate_hit(actor)
    return _save_report(
        Report(
            reporter=actor,
            target_type=Report.TargetType.MESSAGE,
            message=message,
            user_id=message.sender_id,
            conversation_id=message.conversation_id,
            message_text=message.content,
            reason=text,
        )
    )


@transaction.atomic
def user_report(*, actor: User, user_id: int, reason: str) -> Report:
    """Report another (active) user; unknown -> 404, yourself -> ValidationError."""
    try:
        target = User.objects.get(pk=id_or_404(user_id, USER_NOT_FOUND), is_active=True)
    except User.DoesNotExist as exc:
        raise Http404(USER_NOT_FOUND) from exc
    text = _clean_reason(reason)
    if target.pk == actor.id:
        raise ValidationError("You cannot report yourself.", code="self_report")
    _report_rate_hit(actor)
    return _save_report(
        Report(reporter=actor, target_type=Report.TargetType.USER, user=target, reason=text)
    )


def _handle_report(
    *, actor: User, report_id: int, status: str, action: str, note: str, outcome: str
) -> bool:
    """Close the report's whole case (every open report of its target), log it once, and
    tell each reporter the outcome ("action taken" or "no action", never the sanction).
    False when the report was no longer open."""
    require_permission(actor, "messaging.resolve_report")
    report = _open_report_for_update(report_id)
    if report.status != Report.Status.OPEN:
        return False
    case = list(
        report_case(report)
        .filter(status=Report.Status.OPEN)
        .select_for_update()
        .order_by("id")
        .values_list("id", "reporter_id")
    )
    now = timezone.now()
    Report.objects.filter(pk__in=[pk for pk, _ in case]).update(
        status=status, handled_at=now, handled_by=actor
    )
    others = [f"#{pk}" for pk, _ in case if pk != report.pk]
    label = report_title(report)
    if others:
        label = f"{label} (with {', '.join(others)})"
    accounts_services.moderation_log_write(
        actor=actor,
        action=action,
        target_type="report",
        target_id=report.pk,
        target_repr=label,
        subject_user_id=report.user_id,
        reason=note,
    )
    accounts_services.notifications_create(
        actor=actor,
        recipient_ids=[reporter for _, reporter in case],
        type=Notification.Type.REPORT_HANDLED,
        conversation_id=report.conversation_id,
        message_id=report.message_id,
        outcome=outcome,
    )
    return True


def report_title(report: Report) -> str:
    """A readable name: "Report #2: message by carol in Weekend hike" / "Report #3: user
    dave" (`Report.__str__`; callers select the user and the conversation)."""
    return str(report)


@transaction.atomic
def report_resolve(*, actor: User, report_id: int, note: str = "") -> bool:
    """A moderator closes a report's case as acted upon. False when it was no longer open."""
    return _handle_report(
        actor=actor,
        report_id=report_id,
        status=Report.Status.RESOLVED,
        action=ModerationLog.Action.RESOLVE_REPORT,
        note=note,
        outcome=OUTCOME_ACTION,
    )


@transaction.atomic
def report_dismiss(*, actor: User, report_id: int, note: str = "") -> bool:
    """A moderator closes a report's case as unfounded. False when it was no longer open."""
    return _handle_report(
        actor=actor,
        report_id=report_id,
        status=Report.Status.DISMISSED,
        action=ModerationLog.Action.DISMISS_REPORT,
        note=note,
        outcome=OUTCOME_NONE,
    )


def _open_report_for_update(report_id: int) -> Report:
    try:
        return (
            Report.objects.select_for_update(of=("self",))
            .select_related("user", "message__conversation")
            .get(pk=id_or_404(report_id, REPORT_NOT_FOUND))
        )
    except Report.DoesNotExist as exc:
        raise Http404(REPORT_NOT_FOUND) from exc


@transaction.atomic
def report_redact_message(*, actor: User, report_id: int, note: str = "") -> bool:
    """Redact the reported message (members get `message_deleted`) and resolve its case.

    Needs `messaging.redact_message` and `messaging.resolve_report`. A user report, or one
    whose message is gone, is a ValidationError. Returns whether the report was open.
    """
    require_permission(actor, "messaging.redact_message")
    require_permission(actor, "messaging.resolve_report")
    report = _open_report_for_update(report_id)
    if report.message_id is None:
        raise ValidationError("This report has no message to redact.", code="no_message")
    message_redact(actor=actor, message_id=report.message_id, reason=note or f"report #{report.pk}")
    return report_resolve(actor=actor, report_id=report.pk, note=note)


def _reported_user(report: Report) -> int:
    if report.user_id is None:
        raise ValidationError("This report names no user.", code="no_user")
    return report.user_id


@transaction.atomic
def report_ban_user(*, actor: User, report_id: int, note: str = "") -> bool:
    """Ban the reported user (or the reported message's author) and resolve the case.

    Needs `accounts.ban_user` and `messaging.resolve_report`; see `accounts.services.user_ban`.
    """
    require_permission(actor, "messaging.resolve_report")
    report = _open_report_for_update(report_id)
    accounts_services.user_ban(
        actor=actor, user_id=_reported_user(report), reason=note or f"report #{report.pk}"
    )
    return report_resolve(actor=actor, report_id=report.pk, note=note)


@transaction.atomic
def report_suspend_user(*, actor: User, report_id: int, until: datetime, note: str) -> bool:
    """Suspend the reported user until `until` (`accounts.services.user_suspend`) and
    resolve the case; the reason is required."""
    require_permission(actor, "messaging.resolve_report")
    report = _open_report_for_update(report_id)
    accounts_services.user_suspend(
        actor=actor, user_id=_reported_user(report), until=until, reason=note
    )
    return report_resolve(actor=actor, report_id=report.pk, note=note)


@transaction.atomic
def report_mute_user(
    *, actor: User, report_id: int, until: datetime, note: str, everywhere: bool = False
) -> bool:
    """Mute the reported user until `until`, in the reported message's conversation (or
    everywhere; a user report mutes everywhere), and resolve the case."""
    require_permission(actor, "messaging.resolve_report")
    report = _open_report_for_update(report_id)
    scope = None if everywhere or report.message_id is None else report.conversation_id
    conversations_services.user_mute(
        actor=actor,
        user_id=_reported_user(report),
        until=until,
        reason=note,
        conversation_id=scope,
    )
    return report_resolve(actor=actor, report_id=report.pk, note=note)

"""Moderation of accounts: bans and their lifting, timed suspensions, private moderator
notes, and the audit log every moderation service (of any app) writes inside its own
transaction."""

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import ModerationLog, ModeratorNote, User
from accounts.selectors import USER_NOT_FOUND
from chat_project import realtime
from chat_project.ids import id_or_404
from chat_project.permissions import require_permission

from .auth import user_tokens_revoke_all
from .users import user_deactivate, user_reactivate, user_sessions_end

REASON_MAX_LENGTH = 1000
NOTE_MAX_LENGTH = 2000
#: The longest timed sanction (suspension or mute); longer is a ban.
SANCTION_MAX = timedelta(days=365)


def clean_reason(reason: object, *, field: str = "reason", limit: int = REASON_MAX_LENGTH) -> str:
    """A required reason: stripped, not empty, within `limit` (ValidationError naming
    `field`). Sanctions need one: it is what the audit log and the next moderator read."""
    text = reason.strip() if isinstance(reason, str) else ""
    if not text:
        raise ValidationError({field: ["Give a reason."]})
    if len(text) > limit:
        raise ValidationError({field: [f"Ensure this field has no more than {limit} characters."]})
    return text


def clean_until(until: object, *, now: datetime) -> datetime:
    """When a timed sanction ends: an aware datetime in the future, within SANCTION_MAX."""
    if not isinstance(until, datetime) or timezone.is_naive(until):
        raise ValidationError({"until": ["Give the end as a date and time."]})
    if until <= now:
        raise ValidationError({"until": ["The end must be in the future."]})
    if until - now > SANCTION_MAX:
        raise ValidationError({"until": ["At most a year; longer is a ban."]})
    return until


def moderation_log_write(
    *,
    actor: User,
    action: str,
    target_type: str,
    target_id: int,
    target_repr: str = "",
    reason: str = "",
    subject_user_id: int | None = None,
) -> ModerationLog:
    """Append one audit-log row; called by every moderation service inside its transaction.

    `subject_user_id` is the user the action is about (defaults to the target for a user
    target), so a user's whole record is one read."""
    if subject_user_id is None and target_type == "user":
        subject_user_id = target_id
    entry = ModerationLog(
        moderator=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_repr=str(target_repr)[:200],
        subject_user_id=subject_user_id,
        reason=(reason or "").strip()[:REASON_MAX_LENGTH],
    )
    entry.full_clean()
    entry.save()
    return entry


def _lock_target(user_id: int) -> User:
    try:
        return User.objects.select_for_update().get(pk=id_or_404(user_id, USER_NOT_FOUND))
    except User.DoesNotExist as exc:
        raise Http404(USER_NOT_FOUND) from exc


def _check_can_moderate(actor: User, target: User, what: str = "ban or unban") -> None:
    if target.pk == actor.pk:
        raise ValidationError(f"You cannot {what} yourself.", code="self")
    if (target.is_staff or target.is_superuser) and not actor.is_superuser:
        raise PermissionDenied(f"Only a superuser can {what} staff.")


def check_can_sanction(actor: User, target: User, what: str) -> None:
    """The rule every sanction shares (other apps' too): not yourself, staff only by a
    superuser."""
    _check_can_moderate(actor, target, what)


def _log(actor: User, action: str, target: User, reason: str) -> None:
    moderation_log_write(
        actor=actor,
        action=action,
        target_type="user",
        target_id=target.pk,
        target_repr=target.username,
        reason=reason,
    )


@transaction.atomic
def user_ban(*, actor: User, user_id: int, reason: str = "") -> bool:
    """Ban: deactivate, revoke every refresh token, close every socket, end every session.

    Needs `accounts.ban_user`. Returns False (and logs nothing) when already banned.
    """
    require_permission(actor, "accounts.ban_user")
    target = _lock_target(user_id)
    _check_can_moderate(actor, target)
    if not target.is_active:
        return False
    user_deactivate(user=target, actor=actor)
    user_sessions_end(user=target)
    _log(actor, ModerationLog.Action.BAN_USER, target, reason)
    return True


@transaction.atomic
def user_unban(*, actor: User, user_id: int, reason: str = "") -> bool:
    """Lift a ban: the user can log in again (old tokens and sessions stay dead)."""
    require_permission(actor, "accounts.ban_user")
    target = _lock_target(user_id)
    _check_can_moderate(actor, target)
    if target.is_active:
        return False
    user_reactivate(user=target, actor=actor)
    _log(actor, ModerationLog.Action.UNBAN_USER, target, reason)
    return True


def _when(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


@transaction.atomic
def user_suspend(*, actor: User, user_id: int, until: datetime, reason: str) -> User:
    """Suspend until `until`: every socket closes (`account_suspended`), every refresh
    token and session ends, and logging in, minting tokens and opening sockets are refused
    with the end time until then. Lifts by itself at `until`; a new suspension replaces a
    running one. Needs `accounts.suspend_user`; a reason is required."""
    require_permission(actor, "accounts.suspend_user")
    now = timezone.now()
    until = clean_until(until, now=now)
    text = clean_reason(reason)
    target = _lock_target(user_id)
    _check_can_moderate(actor, target, "suspend")
    target.suspended_until = until
    target.save(update_fields=["suspended_until"])
    user_tokens_revoke_all(user=target)
    user_sessions_end(user=target)
    realtime.disconnect_user_on_commit(target.pk, "account_suspended")
    moderation_log_write(
        actor=actor,
        action=ModerationLog.Action.SUSPEND_USER,
        target_type="user",
        target_id=target.pk,
        target_repr=f"{target.username} until {_when(until)}",
        reason=text,
    )
    return target


@transaction.atomic
def user_unsuspend(*, actor: User, user_id: int, reason: str) -> bool:
    """Lift a running suspension early. False (nothing logged) when none is running."""
    require_permission(actor, "accounts.suspend_user")
    text = clean_reason(reason)
    target = _lock_target(user_id)
    _check_can_moderate(actor, target, "suspend")
    if not target.suspended_at(timezone.now()):
        return False
    target.suspended_until = None
    target.save(update_fields=["suspended_until"])
    _log(actor, ModerationLog.Action.UNSUSPEND_USER, target, text)
    return True


@transaction.atomic
def moderator_note_add(*, actor: User, user_id: int, text: str) -> ModeratorNote:
    """A private note on a user for other moderators (never shown to the user). Needs
    `accounts.add_moderatornote`; logged (the note itself is the log's reason)."""
    require_permission(actor, "accounts.add_moderatornote")
    body = clean_reason(text, field="text", limit=NOTE_MAX_LENGTH)
    target = _lock_target(user_id)
    note = ModeratorNote(user=target, author=actor, text=body)
    note.full_clean()
    note.save()
    _log(actor, ModerationLog.Action.NOTE_USER, target, body)
    return note

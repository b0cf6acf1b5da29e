"""Moderation of accounts: bans and their lifting, and the audit log every moderation
service (of any app) writes inside its own transaction."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from accounts.models import ModerationLog, User
from accounts.selectors import USER_NOT_FOUND
from chat_project.ids import id_or_404
from chat_project.permissions import require_permission

from .users import user_deactivate, user_reactivate, user_sessions_end

REASON_MAX_LENGTH = 1000


def moderation_log_write(
    *,
    actor: User,
    action: str,
    target_type: str,
    target_id: int,
    target_repr: str = "",
    reason: str = "",
) -> ModerationLog:
    """Append one audit-log row; called by every moderation service inside its transaction."""
    entry = ModerationLog(
        moderator=actor,
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_repr=str(target_repr)[:200],
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


def _check_can_moderate(actor: User, target: User) -> None:
    if target.pk == actor.pk:
        raise ValidationError("You cannot ban or unban yourself.", code="self")
    if (target.is_staff or target.is_superuser) and not actor.is_superuser:
        raise PermissionDenied("Only a superuser can ban or unban staff.")


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

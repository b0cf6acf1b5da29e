"""Erasing an account's personal data when its owner deletes it.

The row stays, as a tombstone: messages, reactions, reports and the ledger point at it,
and history must keep reading "Deleted user" where the person wrote. What made it a
person is gone: username (replaced by `deleted-<id>`, a prefix registration refuses),
email, display name, bio, avatar files, password (unusable), second-factor devices, the
notifications they received. The account can no longer log in; every refresh token is
blacklisted, every session ended, every socket closed. The higher apps end friendships
and memberships first (`leaving.services.account_delete`), with their usual events.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ModerationLog, Notification, User
from chat_project import avatars, realtime

from .auth import user_tokens_revoke_all
from .moderation import moderation_log_write
from .two_factor import two_factor_devices_delete
from .users import user_announce, user_sessions_end

DELETED_NAME = "Deleted user"
TOMBSTONE_PREFIX = "deleted-"
WRONG_PASSWORD = "The password is incorrect."


def tombstone_username(user_id: int) -> str:
    return f"{TOMBSTONE_PREFIX}{user_id}"


def check_password_confirmation(*, user: User, password: str) -> None:
    """The owner typed their password: a stolen session alone cannot delete an account."""
    if user.deleted_at is not None or not user.check_password(password or ""):
        raise ValidationError({"password": [WRONG_PASSWORD]}, code="wrong_password")


@transaction.atomic
def user_erase(*, user: User) -> None:
    """Turn a (locked) account into its tombstone; see the module docstring."""
    if user.deleted_at is not None:
        return
    former_username = user.username
    if user.avatar:
        avatars.delete_on_commit("u", user.pk, user.avatar)
    user.username = tombstone_username(user.pk)
    user.display_name = DELETED_NAME
    user.email = ""
    user.bio = ""
    user.avatar = ""
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.deleted_at = timezone.now()
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    Notification.objects.filter(recipient=user).delete()
    two_factor_devices_delete(user=user)
    user_tokens_revoke_all(user=user)
    user_sessions_end(user=user)
    realtime.disconnect_user_on_commit(user.pk, "account_deleted")
    # Whoever still sees them (a direct chat's other side) redraws them as "Deleted user".
    user_announce(user)
    moderation_log_write(
        actor=user,
        action=ModerationLog.Action.DELETE_ACCOUNT,
        target_type="user",
        target_id=user.pk,
        # Moderators may need to know who left (open reports name them); nothing else stays.
        target_repr=former_username,
    )

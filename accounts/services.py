"""State changes for accounts: registration, tokens, passwords, profile, moderation,
notifications and the moderation audit log.

JWT plumbing is simplejwt's (rotation and the blacklist app); these functions
only decide *when* tokens are issued or revoked, so REST, the web UI and the
admin share one behaviour.
"""

import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from chat_project import realtime
from chat_project.exceptions import Throttled
from chat_project.permissions import require_permission

from . import events
from .authentication import revoke_access_token
from .backends import UsernameOrEmailBackend
from .email_address import email_change_request
from .login_guard import LoginRefused
from .models import ModerationLog, Notification, User
from .tokens import access_token_lifetime

WS_TICKET_PREFIX = "wsticket:"


def _validate_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


@transaction.atomic
def user_register(*, username: str, password: str, email: str = "", site_url: str = "") -> User:
    """Create an account. An `email` is not attached here: its owner is mailed a link
    (or, when it already has an account, a notice), so the answer never tells whether
    the address is taken (`accounts.email_address`)."""
    user = User(username=username.strip())
    user.full_clean(exclude=["password"])
    _validate_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent registration won the race
        raise ValidationError({"username": ["A user with that username already exists."]}) from exc
    if (email or "").strip():
        email_change_request(user=user, email=email, site_url=site_url)
    return user


def token_pair_for(user: User) -> dict[str, Any]:
    refresh = RefreshToken.for_user(user)
    return {
        "access_token": str(refresh.access_token),
        "refresh_token": str(refresh),
        "token_type": "bearer",
        "expires_in": int(access_token_lifetime().total_seconds()),
    }


def user_authenticate(*, username: str, password: str, client_ip: str) -> User:
    """The user these credentials belong to, within the login limits of
    `accounts.login_guard` (Throttled past them). A disabled account is told so only with
    the right password. REST login and the web login form both come here.

    The backend is called directly: `django.contrib.auth.authenticate()` would turn a
    refused try into "invalid credentials" and lose its wait."""
    backend = UsernameOrEmailBackend()
    try:
        user = backend.authenticate(None, username=username, password=password, client_ip=client_ip)
    except LoginRefused as exc:
        raise Throttled(wait=exc.wait, detail=str(exc)) from exc
    if user is None:
        candidate = User.objects.filter(username__iexact=username).first() or (
            User.objects.filter(email__iexact=username).first() if "@" in username else None
        )
        if candidate is not None and not candidate.is_active and candidate.check_password(password):
            raise AuthenticationFailed("This account is disabled.", code="account_disabled")
        raise AuthenticationFailed("Invalid username or password.", code="invalid_credentials")
    user.backend = f"{UsernameOrEmailBackend.__module__}.{UsernameOrEmailBackend.__name__}"
    return user


def auth_login(*, username: str, password: str, client_ip: str) -> dict[str, Any]:
    """Tokens for valid credentials (see `user_authenticate`)."""
    return token_pair_for(
        user_authenticate(username=username, password=password, client_ip=client_ip)
    )


def token_refresh(*, refresh_token: str) -> dict[str, Any]:
    """Rotate: a new pair for a valid refresh token, which is blacklisted at once."""
    serializer = TokenRefreshSerializer(data={"refresh": refresh_token})
    try:
        serializer.is_valid(raise_exception=True)
    except TokenError as exc:
        raise AuthenticationFailed(str(exc), code="token_not_valid") from exc
    data = serializer.validated_data
    return {
        "access_token": data["access"],
        "refresh_token": data.get("refresh", refresh_token),
        "token_type": "bearer",
        "expires_in": int(access_token_lifetime().total_seconds()),
    }


def token_revoke(*, refresh_token: str, access_token: Any = None) -> None:
    """Logout: the refresh token is blacklisted and, when the request carried one, the
    access token is refused from now on too (accounts/authentication.py)."""
    try:
        RefreshToken(refresh_token).blacklist()  # type: ignore[arg-type]  # a str token is decoded
    except TokenError as exc:
        raise AuthenticationFailed(str(exc), code="token_not_valid") from exc
    if access_token is not None:
        revoke_access_token(access_token)


def user_tokens_revoke_all(*, user: User) -> int:
    """Blacklist every outstanding refresh token of the user; returns how many were live."""
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    revoked = [BlacklistedToken(token=token) for token in outstanding]
    BlacklistedToken.objects.bulk_create(revoked, ignore_conflicts=True)
    return len(revoked)


@transaction.atomic
def user_password_change(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise ValidationError({"old_password": ["The current password is incorrect."]})
    try:
        password_validation.validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    user_tokens_revoke_all(user=user)
    realtime.disconnect_user_on_commit(user.id, "password_changed")


@transaction.atomic
def user_profile_update(*, user: User, site_url: str = "", **fields: Any) -> User:
    """Change profile fields. A new `email` only takes effect once confirmed through the
    link mailed to it (`accounts.email_address`); `""` removes the address at once."""
    allowed = {"display_name", "bio", "email", "avatar"}
    for name in fields:
        if name not in allowed:
            raise ValidationError({name: ["This field cannot be changed here."]})
    email = fields.pop("email", None)
    if isinstance(email, str):
        if not email.strip() or email.strip().lower() == user.email.lower():
            fields["email"] = email  # removed, or the same address in other letter case
        else:
            email_change_request(user=user, email=email, site_url=site_url)
    for name, value in fields.items():
        setattr(user, name, value.strip() if isinstance(value, str) else value)
    user.full_clean(exclude=["password"])
    if fields:
        user.save(update_fields=list(fields))
    return user


@transaction.atomic
def user_deactivate(*, user: User, actor: User | None = None) -> None:
    """Ban: the account can no longer log in, its tokens die and its sockets close."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    user_tokens_revoke_all(user=user)
    realtime.disconnect_user_on_commit(user.id, "account_disabled")


@transaction.atomic
def user_reactivate(*, user: User, actor: User | None = None) -> None:
    user.is_active = True
    user.save(update_fields=["is_active"])


def user_sessions_end(*, user: User) -> int:
    """Delete every Django session (web UI, admin) logged in as `user`; returns how many.

    Sessions are signed blobs, so the database cannot filter them by user: the live ones
    are decoded one by one. That is fine for a rare moderator action.
    """
    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            ended.append(session.pk)
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)


# --- Moderation ----------------------------------------------------------------------------

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
        return User.objects.select_for_update().get(pk=user_id)
    except (User.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404("User not found.") from exc


def _check_can_moderate(actor: User, target: User) -> None:
    if target.pk == actor.pk:
        raise ValidationError("You cannot ban or unban yourself.", code="self")
    if (target.is_staff or target.is_superuser) and not actor.is_superuser:
        raise PermissionDenied("Only a superuser can ban or unban staff.")


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
    moderation_log_write(
        actor=actor,
        action=ModerationLog.Action.BAN_USER,
        target_type="user",
        target_id=target.pk,
        target_repr=target.username,
        reason=reason,
    )
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
    moderation_log_write(
        actor=actor,
        action=ModerationLog.Action.UNBAN_USER,
        target_type="user",
        target_id=target.pk,
        target_repr=target.username,
        reason=reason,
    )
    return True


# --- Notifications -------------------------------------------------------------------------

NOTIFICATION_NOT_FOUND = "Notification not found."


def notifications_create(
    *,
    actor: User,
    recipient_ids: Iterable[int],
    type: str,
    conversation_id: int | None = None,
    message_id: int | None = None,
) -> list[Notification]:
    """One notification per recipient (never the actor), each pushed live after commit.

    Called inside the causing service's transaction, so a rolled-back cause leaves neither
    a notification nor an event. Mentions already notified for this message are skipped
    (an edit that keeps a mention does not notify again).
    """
    ids = list(dict.fromkeys(uid for uid in recipient_ids if uid != actor.pk))
    if type not in Notification.Type.values:
        raise ValidationError({"type": ["Unknown notification type."]})
    if type == Notification.Type.MENTION and ids:
        done = set(
            Notification.objects.filter(
                type=type, message_id=message_id, recipient_id__in=ids
            ).values_list("recipient_id", flat=True)
        )
        ids = [uid for uid in ids if uid not in done]
    if not ids:
        return []
    created = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=uid,
                actor=actor,
                type=type,
                conversation_id=conversation_id,
                message_id=message_id,
            )
            for uid in ids
        ]
    )
    for notification in created:
        notification.actor = actor
        realtime.broadcast_on_commit(
            realtime.user_group(notification.recipient_id), events.notification(notification)
        )
    return created


def notification_create(
    *,
    actor: User,
    recipient_id: int,
    type: str,
    conversation_id: int | None = None,
    message_id: int | None = None,
) -> Notification | None:
    created = notifications_create(
        actor=actor,
        recipient_ids=[recipient_id],
        type=type,
        conversation_id=conversation_id,
        message_id=message_id,
    )
    return created[0] if created else None


@transaction.atomic
def notification_mark_read(*, actor: User, notification_id: int) -> Notification:
    """Mark one of the actor's notifications read; someone else's is not found."""
    try:
        notification = Notification.objects.select_related("actor").get(
            pk=int(notification_id), recipient=actor
        )
    except (Notification.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404(NOTIFICATION_NOT_FOUND) from exc
    if not notification.is_read:
        notification.is_read = True
        notification.save(update_fields=["is_read"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor: User) -> int:
    """Mark every unread notification of the actor read; returns how many changed."""
    return Notification.objects.filter(recipient=actor, is_read=False).update(is_read=True)


def ws_ticket_issue(*, user: User) -> dict[str, Any]:
    """A single-use ticket for `?ticket=` on the WebSocket, kept in the shared cache."""
    ticket = secrets.token_urlsafe(32)
    cache.set(WS_TICKET_PREFIX + ticket, user.id, timeout=settings.WS_TICKET_SECONDS)
    return {"ticket": ticket, "expires_in": settings.WS_TICKET_SECONDS}


def ws_ticket_consume(*, ticket: str) -> int | None:
    """The user id of a valid ticket, exactly once: whoever deletes the key wins it."""
    if not ticket or len(ticket) > 128:
        return None
    key = WS_TICKET_PREFIX + ticket
    user_id = cache.get(key)
    if user_id is None or not cache.delete(key):
        return None
    return int(user_id)

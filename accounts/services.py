"""State changes for accounts: registration, tokens, passwords, profile, moderation.

JWT plumbing is simplejwt's (rotation and the blacklist app); these functions
only decide *when* tokens are issued or revoked, so REST, the web UI and the
admin share one behaviour.
"""

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from chat_project import realtime

from .models import User

WS_TICKET_PREFIX = "wsticket:"


def _validate_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


@transaction.atomic
def user_register(*, username: str, password: str, email: str = "") -> User:
    user = User(username=username.strip(), email=(email or "").strip())
    user.full_clean(exclude=["password"])
    _validate_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # a concurrent registration won the race
        raise ValidationError({"username": ["A user with that username already exists."]}) from exc
    return user


def token_pair_for(user: User) -> dict[str, Any]:
    refresh = RefreshToken.for_user(user)
    return {
        "access_token": str(refresh.access_token),
        "refresh_token": str(refresh),
        "token_type": "bearer",
        "expires_in": int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()),
    }


def auth_login(*, username: str, password: str) -> dict[str, Any]:
    """Tokens for valid credentials; a disabled account is told so only with the right password."""
    user = authenticate(username=username, password=password)
    if user is None:
        candidate = User.objects.filter(username__iexact=username).first() or (
            User.objects.filter(email__iexact=username).first() if "@" in username else None
        )
        if candidate is not None and not candidate.is_active and candidate.check_password(password):
            raise AuthenticationFailed("This account is disabled.", code="account_disabled")
        raise AuthenticationFailed("Invalid username or password.", code="invalid_credentials")
    return token_pair_for(user)


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
        "expires_in": int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()),
    }


def token_revoke(*, refresh_token: str) -> None:
    try:
        RefreshToken(refresh_token).blacklist()
    except TokenError as exc:
        raise AuthenticationFailed(str(exc), code="token_not_valid") from exc


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
def user_profile_update(*, user: User, **fields: Any) -> User:
    allowed = {"display_name", "bio", "email", "avatar"}
    for name, value in fields.items():
        if name not in allowed:
            raise ValidationError({name: ["This field cannot be changed here."]})
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

"""Logging in and what it hands out: credentials within the login limits, JWT pairs,
their rotation and revocation, single-use WebSocket tickets.

JWT plumbing is simplejwt's (rotation and the blacklist app); these functions only decide
*when* tokens are issued or revoked, so REST, the web UI and the admin share one behaviour.
"""

import secrets
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.authentication import revoke_access_token, suspended_message
from accounts.backends import UsernameOrEmailBackend
from accounts.login_guard import LoginRefused
from accounts.models import User
from accounts.tokens import access_token_lifetime
from chat_project.exceptions import Throttled

from .two_factor import INVALID_CODE, otp_verify, two_factor_enabled

WS_TICKET_PREFIX = "wsticket:"


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
        if candidate is not None and candidate.check_password(password):
            if not candidate.is_active:
                raise AuthenticationFailed("This account is disabled.", code="account_disabled")
            if candidate.suspended_at(timezone.now()):
                raise AuthenticationFailed(suspended_message(candidate), code="account_suspended")
        raise AuthenticationFailed("Invalid username or password.", code="invalid_credentials")
    user.backend = f"{UsernameOrEmailBackend.__module__}.{UsernameOrEmailBackend.__name__}"
    return user


OTP_REQUIRED = (
    "This account uses two-factor sign-in: send `otp`, a code from its authenticator app "
    "or a recovery code."
)


def auth_login(
    *, username: str, password: str, client_ip: str, otp: str | None = None
) -> dict[str, Any]:
    """Tokens for valid credentials (see `user_authenticate`) and, when the account has
    two-factor sign-in on, a valid one-time code (400 naming `otp` when missing or wrong:
    asked only after the right password)."""
    user = user_authenticate(username=username, password=password, client_ip=client_ip)
    if two_factor_enabled(user):
        if not (otp or "").strip():
            raise ValidationError({"otp": [OTP_REQUIRED]}, code="otp_required")
        if otp_verify(user=user, code=otp or "") is None:
            raise ValidationError({"otp": [INVALID_CODE]}, code="invalid_otp")
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

"""An account's life: registration, password, profile, deactivation and its sessions."""

from collections.abc import Callable
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import events
from accounts.email_address import email_change_request
from accounts.language import language_codes
from accounts.models import User
from chat_project import realtime

from .auth import user_tokens_revoke_all
from .push import push_sessions_ended


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
    if user.username.lower().startswith("deleted-"):  # the tombstones' names (erasure.py)
        raise ValidationError({"username": ["Usernames starting with 'deleted-' are reserved."]})
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
def _own_devices(user_id: int) -> list[str]:
    return [realtime.user_group(user_id)]


_audience: Callable[[int], list[str]] = _own_devices


def use_user_audience(audience: Callable[[int], list[str]]) -> None:
    """Who sees a person is known higher up (friends, co-members): conversations hands in
    its `user_audience_groups` at start-up (`conversations.apps`), as accounts cannot
    import it. Until then only the user's own devices hear of a change."""
    global _audience
    _audience = audience


def user_announce(user: User) -> None:
    """After commit, `user_updated` (name and avatar as everyone sees them) to everyone
    who can see `user`: the one way a change of how someone looks goes out live."""
    event = events.user_updated(user)
    for group in _audience(user.id):
        realtime.broadcast_on_commit(group, event)


@transaction.atomic
def user_profile_update(*, user: User, site_url: str = "", **fields: Any) -> User:
    """Change profile fields. A new `email` only takes effect once confirmed through the
    link mailed to it (`accounts.email_address`); `""` removes the address at once."""
    allowed = {
        "display_name",
        "bio",
        "email",
        "avatar",
        "language",
        "push_previews",
        "email_digest",
    }
    for name in fields:
        if name not in allowed:
            raise ValidationError({name: ["This field cannot be changed here."]})
    if "language" in fields and fields["language"] not in ["", *language_codes()]:
        raise ValidationError({"language": ["Not one of the available languages."]})
    email = fields.pop("email", None)
    if isinstance(email, str):
        if not email.strip() or email.strip().lower() == user.email.lower():
            fields["email"] = email  # removed, or the same address in other letter case
        else:
            email_change_request(user=user, email=email, site_url=site_url)
    shown_before = user.display_name
    for name, value in fields.items():
        setattr(user, name, value.strip() if isinstance(value, str) else value)
    user.full_clean(exclude=["password"])
    if fields:
        user.save(update_fields=list(fields))
    if user.display_name != shown_before:
        user_announce(user)
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
    push_sessions_ended(user=user, session_keys=ended)
    return len(ended)

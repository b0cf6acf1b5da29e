"""Who an access token names, before anything is read from the database.

simplejwt's `JWTAuthentication` loads the user on every request to check three facts the
token alone cannot prove: the user still exists, is active, and still has the password the
token was issued for (the token carries a hash of it: `CHECK_REVOKE_TOKEN`). A ban or a
password change therefore refuses every earlier access token at once.

The lean send path (messaging/api/send.py) checks the same three facts in the statement
that stores the message instead of with a query of its own: `TokenActor` is what a
verified token says, `TOKEN_ACTOR_VALID_SQL` is the check as SQL, and `authenticate` is
the ordinary check, used when the statement refused the actor and the exact 401 is needed.
There is no cache, so there is no delay either: a ban or password change that has
committed refuses the next send.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from django.conf import settings
from django.utils import timezone
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import Token
from rest_framework_simplejwt.utils import get_md5_hash_password

from chat_project.ids import MAX_ID

from .authentication import JWTAuthentication
from .models import User

_jwt = JWTAuthentication()

#: True where the user row matches a `TokenActor` (user table alias `u`; parameters
#: `%(actor_id)s` and `%(actor_digest)s`): the checks of `JWTAuthentication.get_user`.
TOKEN_ACTOR_VALID_SQL = (
    "u.id = %(actor_id)s AND u.is_active AND upper(md5(u.password)) = %(actor_digest)s"
    " AND (u.suspended_until IS NULL OR u.suspended_until <= %(now)s)"
)


@dataclass(frozen=True, slots=True)
class TokenActor:
    """The user a valid access token names, not yet checked against the user row."""

    id: int
    #: The token's hash of the user's password (`get_md5_hash_password`).
    password_digest: str
    token: Token

    @property
    def pk(self) -> int:
        return self.id


def supported() -> bool:
    """Whether `TokenActor`'s checks are simplejwt's, under the current settings."""
    return (
        api_settings.USER_ID_FIELD == "id"
        and api_settings.CHECK_USER_IS_ACTIVE
        and api_settings.CHECK_REVOKE_TOKEN
    )


def token_actor(raw_token: bytes) -> TokenActor | None:
    """The actor of an access token `JWTAuthentication` accepts as a token (signature,
    expiry, type; no query), or None when it would refuse the token itself."""
    try:
        token = _jwt.get_validated_token(raw_token)
    except InvalidToken:
        return None
    user_id = token.get(api_settings.USER_ID_CLAIM)
    digest = token.get(api_settings.REVOKE_TOKEN_CLAIM)
    # simplejwt writes the id as a string; anything but plain digits is left to it.
    if isinstance(user_id, str) and user_id.isascii() and user_id.isdigit():
        user_id = int(user_id)
    if type(user_id) is not int or not 1 <= user_id <= MAX_ID or type(digest) is not str:
        return None
    return TokenActor(id=user_id, password_digest=digest, token=token)


def actor_is_valid(actor: TokenActor, user: User | None) -> bool:
    """`TOKEN_ACTOR_VALID_SQL` in Python, for a user row read some other way."""
    return (
        user is not None
        and user.pk == actor.id
        and user.is_active
        and not user.suspended_at(timezone.now())
        and get_md5_hash_password(user.password) == actor.password_digest
    )


def authenticate(actor: TokenActor) -> User:
    """`JWTAuthentication.get_user` for the actor's token: the user, or the exact
    `AuthenticationFailed` (401) a request with this token gets from DRF."""
    return cast(User, _jwt.get_user(actor.token))


def access_token_lifetime() -> timedelta:
    """`SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]`, typed."""
    return cast(timedelta, settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"])

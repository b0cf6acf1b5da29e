"""Bot accounts and their API tokens.

A bot is a `User` with `is_bot`: it has no usable password, so it never logs in; it
authenticates with long-lived API tokens (`accounts.authentication.BotTokenAuthentication`)
and goes through the same services, permissions and rate limits as a person. A person
makes bots for themselves (they own them and manage their tokens); staff holding
`accounts.add_apitoken` manage every bot's tokens (the admin).
"""

import hashlib
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import ApiToken, User
from chat_project import realtime
from chat_project.permissions import has_permission

#: Every token starts with it, so a leaked one is recognisable (secret scanners, logs).
TOKEN_PREFIX = "chatbot_"
BOT_NOT_FOUND = "No such bot of yours."
TOKEN_NOT_FOUND = "No such token of this bot."
#: How many bots one person may own, and live tokens one bot may have.
MAX_BOTS_PER_OWNER = 20
MAX_TOKENS_PER_BOT = 10


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _manages(actor: User, bot: User) -> bool:
    return bot.bot_owner_id == actor.id or has_permission(actor, "accounts.add_apitoken")


def bot_get_managed(*, actor: User, bot_id: int) -> User:
    """The bot `actor` may manage; a bot of someone else is as missing as no bot."""
    try:
        bot = User.objects.get(id=bot_id, is_bot=True)
    except (User.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(BOT_NOT_FOUND) from exc
    if not _manages(actor, bot):
        raise Http404(BOT_NOT_FOUND)
    return bot


@transaction.atomic
def bot_create(
    *, actor: User | None, username: str, display_name: str = "", owner: User | None = None
) -> User:
    """A new bot account owned by `owner` (default: the actor; None: staff's)."""
    if actor is not None and actor.is_bot:
        raise PermissionDenied("A bot cannot create bots.")
    owner = actor if owner is None else owner
    if owner is not None and owner.bots.filter(is_active=True).count() >= MAX_BOTS_PER_OWNER:
        raise ValidationError({"username": [f"You have {MAX_BOTS_PER_OWNER} bots already."]})
    bot = User(
        username=username.strip(),
        display_name=display_name.strip(),
        is_bot=True,
        bot_owner=owner,
    )
    bot.set_unusable_password()
    bot.full_clean(exclude=["password"])
    try:
        with transaction.atomic():
            bot.save()
    except IntegrityError as exc:  # a concurrent registration won the race
        raise ValidationError({"username": ["A user with that username already exists."]}) from exc
    return bot


@transaction.atomic
def bot_delete(*, actor: User, bot_id: int) -> None:
    """Deactivate a bot: its tokens are revoked and its sockets closed; its messages stay."""
    bot = bot_get_managed(actor=actor, bot_id=bot_id)
    bot.is_active = False
    bot.save(update_fields=["is_active"])
    ApiToken.objects.filter(user=bot, revoked_at__isnull=True).update(revoked_at=timezone.now())
    realtime.disconnect_user_on_commit(bot.id, "account_disabled")


@transaction.atomic
def bot_token_create(*, actor: User, bot_id: int, name: str = "") -> tuple[ApiToken, str]:
    """A new token for the bot; returns it with its secret, which is never shown again."""
    bot = bot_get_managed(actor=actor, bot_id=bot_id)
    if not bot.is_active:
        raise Http404(BOT_NOT_FOUND)
    User.objects.select_for_update().filter(id=bot.id).first()  # count under the lock
    if bot.api_tokens.filter(revoked_at__isnull=True).count() >= MAX_TOKENS_PER_BOT:
        raise ValidationError({"name": [f"This bot has {MAX_TOKENS_PER_BOT} tokens already."]})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=bot,
        name=name.strip(),
        key_hash=token_hash(raw),
        prefix=raw[: len(TOKEN_PREFIX) + 4],
        created_by=actor,
    )
    token.full_clean()
    token.save()
    return token, raw


@transaction.atomic
def bot_token_revoke(*, actor: User, bot_id: int, token_id: int) -> None:
    """Revoke a token: the next request with it is a 401. Revoking twice changes nothing."""
    bot = bot_get_managed(actor=actor, bot_id=bot_id)
    try:
        token = bot.api_tokens.select_for_update().get(id=token_id)
    except (ApiToken.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(TOKEN_NOT_FOUND) from exc
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])


def api_token_authenticate(raw: str) -> User | None:
    """The active bot a token belongs to, or None (unknown, revoked, bot deactivated)."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 128:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=token_hash(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # "Last used" to the minute: no write per request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(id=token.id).update(last_used_at=now)
    return token.user

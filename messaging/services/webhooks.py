"""Incoming webhooks: a group admin makes a URL; whatever posts JSON to it speaks as a bot.

How CI and alerting reach a room. Each webhook has its own bot account (`is_bot`,
display name = the webhook's name), a member of the group while the webhook lives; a
post is an ordinary `message_send` by that bot, so it is stored, rate-limited and
delivered (`new_message`, `sender_is_bot: true`) like any message. The secret is the
URL's last part (Slack, Mattermost); it is stored hashed and shown once.
"""

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import User
from chat_project import ratelimit
from conversations import selectors as conversation_selectors
from conversations import services as conversation_services
from messaging.models import Message, Webhook

from .store import message_send

#: A webhook URL's secret starts with it, so a leaked one is recognisable.
SECRET_PREFIX = "whk_"
WEBHOOK_NOT_FOUND = "No such webhook."
NAME_MAX_LENGTH = 64
#: Live webhooks per group.
MAX_WEBHOOKS_PER_CONVERSATION = 20


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _admin_membership(
    actor: User, conversation_id: int, *, direct: Exception | None = None
) -> None:
    """404 for a stranger, 403 for a member who is no admin, `direct` (default: 400) for
    a direct chat."""
    membership = conversation_selectors.membership_get(
        user_id=actor.id, conversation_id=conversation_id
    )
    if membership.conversation.type != membership.conversation.Type.GROUP:
        raise direct or ValidationError(conversation_services.NOT_A_GROUP)
    if not membership.manages:
        raise PermissionDenied(conversation_services.NOT_ADMIN)


@transaction.atomic
def webhook_create(*, actor: User, conversation_id: int, name: str) -> tuple[Webhook, str]:
    """A new webhook in a group the actor administers, with its bot brought in as a
    member; returns it with its secret (the URL's last part, never shown again)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": ["Give the webhook a name."]})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": [f"At most {NAME_MAX_LENGTH} characters."]})
    _admin_membership(actor, conversation_id)
    live = Webhook.objects.filter(conversation_id=conversation_id, revoked_at__isnull=True)
    if live.count() >= MAX_WEBHOOKS_PER_CONVERSATION:
        raise ValidationError(
            {"name": [f"This group has {MAX_WEBHOOKS_PER_CONVERSATION} webhooks already."]}
        )
    bot = accounts_services.bot_create(
        actor=actor, username=f"hook-{secrets.token_hex(6)}", display_name=name, owner=actor
    )
    conversation_services.conversation_bot_add(
        actor=actor, conversation_id=conversation_id, bot=bot
    )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    webhook = Webhook.objects.create(
        conversation_id=conversation_id,
        bot=bot,
        name=name,
        key_hash=secret_hash(secret),
        prefix=secret[: len(SECRET_PREFIX) + 4],
        created_by=actor,
    )
    return webhook, secret


@transaction.atomic
def webhook_revoke(*, actor: User, conversation_id: int, webhook_id: int) -> None:
    """Revoke: the URL answers 404 from now on and the bot leaves the group (its messages
    stay, shown as a bot's). Revoking twice changes nothing. A direct chat has none: 404."""
    _admin_membership(actor, conversation_id, direct=Http404(WEBHOOK_NOT_FOUND))
    try:
        webhook = Webhook.objects.select_for_update().get(
            id=webhook_id, conversation_id=conversation_id
        )
    except (Webhook.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(WEBHOOK_NOT_FOUND) from exc
    if webhook.revoked_at is not None:
        return
    webhook.revoked_at = timezone.now()
    webhook.save(update_fields=["revoked_at"])
    conversation_services.conversation_bot_remove(
        actor=actor, conversation_id=conversation_id, bot=webhook.bot
    )
    accounts_services.user_deactivate(user=webhook.bot, actor=actor)


def webhook_revoke_by_staff(*, webhook: Webhook) -> None:
    """The admin's revoke: the URL stops working; the bot is deactivated (a staff member
    need not be in the group, so it stays listed there, posting nothing)."""
    with transaction.atomic():
        if webhook.revoked_at is None:
            Webhook.objects.filter(id=webhook.id).update(revoked_at=timezone.now())
            accounts_services.user_deactivate(user=webhook.bot)


def webhook_get_live(*, secret: str) -> Webhook:
    """The live webhook of a URL secret, or 404 (unknown, revoked: no hint which)."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 128:
        raise Http404(WEBHOOK_NOT_FOUND)
    webhook = (
        Webhook.objects.select_related("bot")
        .filter(key_hash=secret_hash(secret), revoked_at__isnull=True)
        .first()
    )
    if webhook is None or not webhook.bot.is_active:
        raise Http404(WEBHOOK_NOT_FOUND)
    return webhook


def webhook_post(*, secret: str, text: str) -> Message:
    """Post `text` as the webhook's bot. An unknown or revoked secret is a 404, whatever
    was wrong (no hint which secrets exist); over WEBHOOK rate -> Throttled."""
    webhook = webhook_get_live(secret=secret)
    ratelimit.hit(f"webhook:{webhook.id}", settings.THROTTLE_RATES["webhook"])
    try:
        message, _ = message_send(
            actor=webhook.bot, conversation_id=webhook.conversation_id, content=text
        )
    except ValidationError as exc:  # the body's field is `text`, not `content`
        if hasattr(exc, "error_dict") and "content" in exc.error_dict:
            raise ValidationError({"text": exc.error_dict.pop("content")}) from exc
        raise
    now = timezone.now()
    if webhook.last_used_at is None or (now - webhook.last_used_at).total_seconds() > 60:
        Webhook.objects.filter(id=webhook.id).update(last_used_at=now)
    return message

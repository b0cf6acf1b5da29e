"""Web push subscriptions: a browser of the user subscribes, the user removes devices.

Sending is `accounts.push`; these services only keep the rows. A subscription is the
`PushSubscription.toJSON()` of the browser: an endpoint at the browser vendor's push
service (checked against `PUSH_ENDPOINT_HOSTS`, accounts.push.endpoint_allowed) and the
two keys the payload is encrypted to, checked for their exact sizes so a push can never
fail on them later.
"""

import binascii
import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from accounts.models import PushSubscription, User
from accounts.push import endpoint_allowed, push_enabled
from chat_project.exceptions import Conflict
from chat_project.vapid import b64url_decode

PUSH_SUBSCRIPTION_NOT_FOUND = "Push subscription not found."


def _key(value: str, *, field: str, size: int) -> str:
    try:
        raw = b64url_decode(value.strip())
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != size or (field == "p256dh" and raw[0] != 4):
        what = "an uncompressed P-256 public key" if field == "p256dh" else "a 16-byte secret"
        raise ValidationError({field: [f"Must be {what}, base64url."]})
    return value.strip()


def session_hash(session_key: str | None) -> str:
    """What a subscription keeps of the web session that made it (never the key itself:
    whoever reads the table must not be able to use the sessions)."""
    return hashlib.sha256(session_key.encode()).hexdigest() if session_key else ""


@transaction.atomic
def push_subscribe(
    *,
    user: User,
    endpoint: str,
    p256dh: str,
    auth: str,
    user_agent: str = "",
    session_key: str | None = None,
) -> tuple[PushSubscription, bool]:
    """Record (or refresh) this browser's subscription for `user`; returns (row, created).

    The same endpoint again updates its keys (a browser that re-subscribed) and moves it to
    `user` when another account had it (one browser, one person notified). Past
    `PUSH_MAX_DEVICES` the user's least recently used device is dropped.
    """
    if not push_enabled():
        raise Conflict("Push is not configured on this server.", code="push_disabled")
    if not endpoint_allowed(endpoint):
        raise ValidationError({"endpoint": ["Not the URL of a known web push service."]})
    fields = {
        "user": user,
        "p256dh": _key(p256dh, field="p256dh", size=65),
        "auth": _key(auth, field="auth", size=16),
        "user_agent": user_agent[:256],
        "session_hash": session_hash(session_key),
    }
    existing = PushSubscription.objects.select_for_update().filter(endpoint=endpoint).first()
    if existing is not None:
        if existing.user_id != user.pk:
            existing.last_success_at = None
        for name, value in fields.items():
            setattr(existing, name, value)
        existing.save()
        return existing, False
    subscription = PushSubscription(endpoint=endpoint, **fields)
    subscription.full_clean()
    subscription.save()
    keep = settings.PUSH_MAX_DEVICES
    stale = list(
        PushSubscription.objects.filter(user=user)
        .order_by("-last_success_at", "-id")
        .values_list("pk", flat=True)[keep:]
    )
    if stale:
        PushSubscription.objects.filter(pk__in=stale).exclude(pk=subscription.pk).delete()
    return subscription, True


def push_unsubscribe(*, user: User, subscription_id: int) -> None:
    """Remove one of the user's devices; someone else's or a missing one -> Http404."""
    deleted, _ = PushSubscription.objects.filter(pk=subscription_id, user=user).delete()
    if not deleted:
        raise Http404(PUSH_SUBSCRIPTION_NOT_FOUND)


def push_sessions_ended(*, user: User, session_keys: Iterable[str]) -> int:
    """Forget the subscriptions made in web sessions that ended (a logout, a password
    change, a ban): the browser is no longer the person's. Returns how many went."""
    hashes = [session_hash(key) for key in session_keys if key]
    if not hashes:
        return 0
    deleted, _ = PushSubscription.objects.filter(user=user, session_hash__in=hashes).delete()
    return deleted

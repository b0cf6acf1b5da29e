"""Web push to a user's browsers (RFC 8030, encrypted per RFC 8291, signed per RFC 8292).

`deliver(user_id, payload)` sends one JSON payload to each of the user's subscriptions
through pywebpush and keeps the rows true: a 404 or 410 from the push service means the
browser dropped the subscription, so its row goes; a success stamps `last_success_at`.
Network errors and other refusals are logged and swallowed: a push is a best-effort
courtesy that must never fail the task (or, with the immediate task backend, the request)
that asked for it. Which users get a push and with what payload is the callers' business
(`messaging.push`); who may subscribe which endpoint is `services.push`.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests
from django.conf import settings
from django.utils import timezone
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from .models import PushSubscription

logger = logging.getLogger(__name__)

#: HTTP statuses by which a push service says the subscription is gone for good.
GONE = frozenset({404, 410})
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def push_enabled() -> bool:
    """Whether this server has a VAPID key pair (push is off without one)."""
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)


@functools.cache
def _vapid(private_key: str) -> Vapid:
    """The signer of a key, parsed once per process (pywebpush would parse it per push)."""
    return Vapid.from_string(private_key=private_key)


def endpoint_allowed(endpoint: str) -> bool:
    """Whether the server may POST to `endpoint`: https to a host of
    `PUSH_ENDPOINT_HOSTS` ("example.com", or ".example.com" for its subdomains); plain
    http only to a loopback host listed there by name (a local push service in tests).
    Anything else could turn subscribing into a way to make the server call into its own
    network."""
    try:
        parts = urlsplit(endpoint)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return False
    if not host or parts.username or parts.password:
        return False
    listed = False
    for entry in settings.PUSH_ENDPOINT_HOSTS:
        entry = entry.strip().lower()
        if entry.startswith("."):
            listed = listed or host.endswith(entry)
        else:
            listed = listed or host == entry
    if not listed:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and host in LOOPBACK)


@dataclass
class Outcome:
    sent: int = 0
    gone: int = 0
    failed: int = 0


def deliver(user_id: int, payload: dict[str, Any], *, urgency: str = "high") -> Outcome:
    """Send `payload` (JSON) to every subscription of `user_id`; see the module docstring."""
    outcome = Outcome()
    if not push_enabled():
        return outcome
    subscriptions = list(PushSubscription.objects.filter(user_id=user_id))
    if not subscriptions:
        return outcome
    data = orjson.dumps(payload).decode()
    succeeded: list[int] = []
    gone: list[int] = []
    with requests.Session() as session:
        for subscription in subscriptions:
            status = _send(subscription, data, session=session, urgency=urgency)
            if status is not None and status < 300:
                succeeded.append(subscription.pk)
            elif status in GONE:
                gone.append(subscription.pk)
            else:
                outcome.failed += 1
    if gone:
        # Only the rows still holding the endpoint that failed: a browser that subscribed
        # again meanwhile updated its row in place and keeps it.
        for subscription in subscriptions:
            if subscription.pk in gone:
                PushSubscription.objects.filter(
                    pk=subscription.pk, endpoint=subscription.endpoint, p256dh=subscription.p256dh
                ).delete()
    if succeeded:
        PushSubscription.objects.filter(pk__in=succeeded).update(last_success_at=timezone.now())
    outcome.sent, outcome.gone = len(succeeded), len(gone)
    return outcome


def _send(
    subscription: PushSubscription, data: str, *, session: requests.Session, urgency: str
) -> int | None:
    """The push service's HTTP status for one push, or None when it could not be reached."""
    if not endpoint_allowed(subscription.endpoint):  # the allowed hosts changed since
        logger.warning("push: endpoint no longer allowed, subscription %s", subscription.pk)
        return None
    try:
        response = webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=data,
            vapid_private_key=_vapid(settings.VAPID_PRIVATE_KEY),
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            timeout=settings.PUSH_TIMEOUT_SECONDS,
            ttl=settings.PUSH_TTL_SECONDS,
            headers={"Urgency": urgency},
            requests_session=session,
        )
    except WebPushException as exc:
        status = exc.response.status_code if exc.response is not None else None
        if status not in GONE:
            logger.warning("push: refused (%s) for subscription %s", status, subscription.pk)
        return status
    except (requests.RequestException, OSError) as exc:
        logger.warning("push: not delivered to subscription %s: %s", subscription.pk, exc)
        return None
    except Exception:  # unusable key material, a library error: never the caller's failure
        logger.exception("push: could not send to subscription %s", subscription.pk)
        return None
    return int(getattr(response, "status_code", 201))

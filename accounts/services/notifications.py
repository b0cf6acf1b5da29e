"""Notifications: created by the services of every app inside their own transaction (a
rolled-back cause leaves neither the row nor the event), read and marked read by their
recipient."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from accounts import events
from accounts.models import Notification, User
from chat_project import realtime
from chat_project.ids import id_or_404

NOTIFICATION_NOT_FOUND = "Notification not found."


def notifications_create(
    *,
    actor: User,
    recipient_ids: Iterable[int],
    type: str,
    conversation_id: int | None = None,
    message_id: int | None = None,
    outcome: str = "",
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
                outcome=outcome,
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


#: What the system tells a user about their own request (the actor is the user).
SELF_TYPES = {Notification.Type.EXPORT_READY}


def notification_to_self(*, user: User, type: str) -> Notification:
    """A notification about something the user asked for (their export is ready): the one
    kind whose actor is its recipient, pushed live after commit like any other."""
    if type not in SELF_TYPES:
        raise ValidationError({"type": ["Not a notification a user sends themselves."]})
    notification = Notification.objects.create(recipient=user, actor=user, type=type)
    realtime.broadcast_on_commit(realtime.user_group(user.pk), events.notification(notification))
    return notification


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
            pk=id_or_404(notification_id, NOTIFICATION_NOT_FOUND), recipient=actor
        )
    except Notification.DoesNotExist as exc:
        raise Http404(NOTIFICATION_NOT_FOUND) from exc
    if not notification.is_read:
        notification.is_read = True
        notification.save(update_fields=["is_read"])
    return notification


def notifications_settle(*, recipient_id: int, actor_id: int, type: str) -> list[int]:
    """Mark read the recipient's unread notifications of `type` from `actor_id`: the thing
    they announced was answered (a friend request accepted, declined or withdrawn), so they
    must not wait in the bell. Called inside the answering service's transaction; the
    recipient's devices are told after commit."""
    ids = list(
        Notification.objects.filter(
            recipient_id=recipient_id, actor_id=actor_id, type=type, is_read=False
        ).values_list("id", flat=True)
    )
    if ids:
        Notification.objects.filter(id__in=ids).update(is_read=True)
        realtime.broadcast_on_commit(
            realtime.user_group(recipient_id), events.notifications_read(ids)
        )
    return ids


@transaction.atomic
def notifications_mark_all_read(*, actor: User) -> int:
    """Mark every unread notification of the actor read; returns how many changed."""
    return Notification.objects.filter(recipient=actor, is_read=False).update(is_read=True)

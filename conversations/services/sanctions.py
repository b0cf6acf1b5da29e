"""Moderators' sanctions on taking part: a mute (read, but not send) in one conversation
or everywhere, for a time. The send statement refuses a muted sender
(messaging.services.send_write), so a REST send and a WebSocket `send_message` are
refused alike, with the end time."""

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import ModerationLog, User
from accounts.selectors import USER_NOT_FOUND
from chat_project import realtime
from chat_project.exceptions import Refused
from chat_project.ids import id_or_404
from chat_project.permissions import require_permission
from conversations import events, selectors
from conversations.models import Conversation, Mute

MUTE_NOT_FOUND = "Mute not found."


def muted_message(mute: Mute) -> str:
    """What a muted sender is told (REST 403 and the WebSocket `error`, code `muted`)."""
    where = "in this conversation" if mute.conversation_id else "everywhere"
    return f"You are muted {where} until {mute.ends_at:%Y-%m-%d %H:%M} UTC."


def active_mute(*, user_id: int, conversation_id: int | None, now: datetime) -> Mute | None:
    """The mute that stops `user_id` sending in `conversation_id` now (the one ending last),
    else None. With `conversation_id` None: only a mute everywhere."""
    scope = Mute.objects.filter(user_id=user_id, lifted_at__isnull=True, ends_at__gt=now)
    if conversation_id is None:
        scope = scope.filter(conversation__isnull=True)
    else:
        scope = scope.filter(Q(conversation__isnull=True) | Q(conversation_id=conversation_id))
    return scope.order_by("-ends_at").first()


def check_not_muted(*, user_id: int, conversation_id: int) -> None:
    """Refused (403, `muted`) while a mute stops this sender here."""
    mute = active_mute(user_id=user_id, conversation_id=conversation_id, now=timezone.now())
    if mute is not None:
        raise Refused(muted_message(mute), code="muted")


@transaction.atomic
def user_mute(
    *,
    actor: User,
    user_id: int,
    until: datetime,
    reason: str,
    conversation_id: int | None = None,
) -> Mute:
    """Mute `user_id` in one conversation (or everywhere: None) until `until`. They keep
    reading; sends are refused with the end time. Their devices get `muted`. Needs
    `accounts.mute_user`; a reason is required; logged."""
    require_permission(actor, "accounts.mute_user")
    now = timezone.now()
    until = accounts_services.clean_until(until, now=now)
    text = accounts_services.clean_reason(reason)
    try:
        target = User.objects.get(pk=id_or_404(user_id, USER_NOT_FOUND))
    except User.DoesNotExist as exc:
        raise Http404(USER_NOT_FOUND) from exc
    accounts_services.check_can_sanction(actor, target, "mute")
    conversation = None
    if conversation_id is not None:
        try:
            conversation = Conversation.objects.get(
                pk=id_or_404(conversation_id, selectors.NOT_FOUND)
            )
        except Conversation.DoesNotExist as exc:
            raise Http404(selectors.NOT_FOUND) from exc
    mute = Mute(
        user=target, conversation=conversation, ends_at=until, reason=text, created_by=actor
    )
    mute.full_clean()
    mute.save()
    where = f"in {conversation}" if conversation is not None else "everywhere"
    accounts_services.moderation_log_write(
        actor=actor,
        action=ModerationLog.Action.MUTE_USER,
        target_type="user",
        target_id=target.pk,
        target_repr=f"{target.username} {where} until {until:%Y-%m-%d %H:%M} UTC",
        reason=text,
    )
    realtime.broadcast_on_commit(
        realtime.user_group(target.pk), events.muted(conversation_id=conversation_id, until=until)
    )
    return mute


@transaction.atomic
def user_unmute(*, actor: User, mute_id: int, reason: str) -> bool:
    """Lift a mute early. False (nothing logged) when it had ended or was lifted."""
    require_permission(actor, "accounts.mute_user")
    text = accounts_services.clean_reason(reason)
    try:
        mute = (
            Mute.objects.select_for_update()
            .select_related("user")
            .get(pk=id_or_404(mute_id, MUTE_NOT_FOUND))
        )
    except Mute.DoesNotExist as exc:
        raise Http404(MUTE_NOT_FOUND) from exc
    now = timezone.now()
    if mute.lifted_at is not None or mute.ends_at <= now:
        return False
    mute.lifted_at = now
    mute.save(update_fields=["lifted_at"])
    accounts_services.moderation_log_write(
        actor=actor,
        action=ModerationLog.Action.UNMUTE_USER,
        target_type="user",
        target_id=mute.user_id,
        target_repr=f"{mute.user.username} (mute #{mute.pk})",
        reason=text,
    )
    realtime.broadcast_on_commit(
        realtime.user_group(mute.user_id), events.unmuted(conversation_id=mute.conversation_id)
    )
    return True

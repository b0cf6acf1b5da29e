"""Payments between friends: the rules, the ledger posting, and what a payment posts into
the two people's direct chat (the `transfer` message, created with the chat if need be)
and the recipient's notification — all in one transaction, so a refused or failed
payment leaves none of them and announces nothing."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from accounts import services as accounts_services
from accounts.models import Notification, User
from accounts.selectors import USER_NOT_FOUND
from chat_project import ratelimit
from chat_project.exceptions import Conflict, Throttled
from chat_project.ids import id_or_404
from conversations import services as conversations_services
from friends import selectors as friends_selectors
from friends.models import Friendship
from messaging import services as messaging_services
from messaging.models import Message
from payments import currency as money
from payments import ledger, selectors
from payments.models import Transfer

from .announce import announce, message_payload, message_text
from .checks import active_user, clean_idempotency_key, clean_note

SELF = "You cannot send money to yourself."
BLOCKED = "You cannot send money to this user."
NOT_FRIENDS = "You can only send money to a friend."
KEY_REUSED = "This idempotency_key was already used for a different transfer."
TRANSFER_LIMIT = "One transfer may send at most {limit}."


def _recipient(actor: User, to_user_id: int) -> User:
    """The friend to pay: yourself -> 400, unknown or disabled -> 404, a block either way
    -> 403, not friends -> 403 (as a direct chat refuses them).

    Called first thing inside the payment's transaction: it locks the pair's friendship
    row (FOR NO KEY UPDATE) before checking. Every unfriend and block deletes that row
    under its own lock (`friends.services._end_relations`), so none can commit between
    this check and the payment's commit: a payment racing a block either commits before
    it or waits for it and is refused (a block always ends the friendship)."""
    if to_user_id == actor.id:
        raise ValidationError({"to_user_id": [SELF]})
    recipient = active_user(to_user_id)
    friendship = list(
        Friendship.objects.select_for_update(no_key=True)
        .filter(
            Q(requester_id=actor.id, receiver_id=recipient.id)
            | Q(requester_id=recipient.id, receiver_id=actor.id),
            status=Friendship.Status.ACCEPTED,
        )
        .values_list("pk", flat=True)
    )
    if friends_selectors.is_blocked_between(actor.id, recipient.id):
        raise PermissionDenied(BLOCKED)
    if not friendship:
        raise PermissionDenied(NOT_FRIENDS)
    return recipient


def _replay(
    *, actor: User, key: str, to_user_id: int, amount: int, currency: str, note: str
) -> Transfer | None:
    """The transfer this key already made, if the body is the same; another body -> 409."""
    existing = selectors.sender_transfer_with_key(sender_id=actor.id, key=key)
    if existing is None:
        return None
    if (existing.recipient_id, existing.amount, existing.currency, existing.note) != (
        to_user_id,
        amount,
        currency,
        note,
    ):
        raise Conflict(KEY_REUSED, code="idempotency_key_reused")
    return existing


def transfer_window(user_id: int) -> ratelimit.Window:
    """The per-user transfer rate (THROTTLE_TRANSFER)."""
    return ratelimit.Window.of(f"transfer:{user_id}", settings.THROTTLE_RATES["transfer"])


def transfer_send(
    *,
    actor: User,
    to_user_id: int,
    amount: int,
    idempotency_key: str,
    currency: str | None = None,
    note: str = "",
) -> tuple[Transfer, bool]:
    """Pay a friend; returns (transfer, created).

    The same `idempotency_key` with the same body returns the first transfer (created
    False), also when the two requests race and also when the replay would now be refused
    (over the rate, unfriended since); with another body -> Conflict
    `idempotency_key_reused`. Otherwise: bad amount, currency or note -> ValidationError;
    yourself -> ValidationError; unknown or disabled recipient -> Http404; a block either
    way or not friends -> PermissionDenied; over `transfer_limit` or the daily limit ->
    Conflict `limit_exceeded`; more than the balance -> Conflict `insufficient_funds`;
    over THROTTLE_TRANSFER -> Throttled.
    """
    to_id = id_or_404(to_user_id, USER_NOT_FOUND)
    amount = money.clean_amount(amount)
    currency = money.clean_currency(currency)
    note = clean_note(note)
    key = clean_idempotency_key(idempotency_key)

    def replay() -> Transfer | None:
        return _replay(
            actor=actor, key=key, to_user_id=to_id, amount=amount, currency=currency, note=note
        )

    existing = replay()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            # The friend check first, under the friendship row's lock (see `_recipient`).
            recipient = _recipient(actor, to_id)
            limit = money.limit_minor(settings.PAYMENTS_TRANSFER_LIMIT, currency)
            if amount > limit:
                raise Conflict(
                    TRANSFER_LIMIT.format(limit=money.display(limit, currency)),
                    code="limit_exceeded",
                )
            window = transfer_window(actor.id)
            ratelimit.hit(window.key, settings.THROTTLE_RATES["transfer"])
            transfer = _pay(
                actor=actor,
                recipient=recipient,
                key=key,
                amount=amount,
                currency=currency,
                note=note,
            )
    except (IntegrityError, Conflict, PermissionDenied, Throttled):
        # A twin request with the same key that committed first: its transfer is the answer.
        existing = replay()
        if existing is None:
            raise
        return existing, False
    return transfer, True


def _pay(
    *, actor: User, recipient: User, key: str, amount: int, currency: str, note: str
) -> Transfer:
    posted = ledger.post(
        kind=Transfer.Kind.PAYMENT,
        sender_id=actor.id,
        recipient_id=recipient.id,
        amount=amount,
        currency=currency,
        created_by=actor,
        note=note,
        idempotency_key=key,
        daily_limit=money.limit_minor(settings.PAYMENTS_DAILY_LIMIT, currency),
    )
    transfer = posted.transfer
    transfer.sender, transfer.recipient = actor, recipient
    conversation, _ = conversations_services.conversation_direct_get_or_create(
        actor=actor, other_user_id=recipient.id
    )
    message = messaging_services.message_post(
        actor=actor,
        conversation_id=conversation.id,
        content=message_text(transfer),
        message_type=Message.Type.TRANSFER,
        payload=message_payload(transfer, Transfer.Status.COMPLETED),
    )
    Transfer.objects.filter(pk=transfer.pk).update(message=message)
    transfer.message = message
    accounts_services.notification_create(
        actor=actor,
        recipient_id=recipient.id,
        type=Notification.Type.TRANSFER_RECEIVED,
        conversation_id=conversation.id,
        message_id=message.id,
    )
    announce(posted)
    return transfer

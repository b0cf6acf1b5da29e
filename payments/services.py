"""State changes of the ledger: payments between friends, money issued and withdrawn by
staff, reversals. Every balance change goes through `ledger.post` (locks in id order,
checks under the locks, balanced entries) inside one transaction with everything it causes:

* a payment also posts its `transfer` message into the two people's direct chat (created
  on first use) and notifies the recipient — in the same transaction, so a refused or
  failed transfer leaves no message, no notification and no event;
* staff actions check their permission themselves (`payments.issue_money`,
  `payments.reverse_transfer`, with the project's rule: active staff holding it), need a
  reason, and write the moderation audit log.

Events (`wallet_updated` to each user whose balance changed, the chat's `new_message` or
`message_updated`) leave after commit through chat_project.realtime.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from accounts import services as accounts_services
from accounts.models import ModerationLog, Notification, User
from chat_project import ratelimit, realtime
from chat_project.exceptions import Conflict, Throttled
from chat_project.text import BadText, check_text
from conversations import services as conversations_services
from friends import selectors as friends_selectors
from messaging import services as messaging_services
from messaging.models import Message

from . import currency as money
from . import events, ledger, selectors
from .models import IDEMPOTENCY_KEY_MAX_LENGTH, NOTE_MAX_LENGTH, Transfer

USER_NOT_FOUND = "User not found."
SELF = "You cannot send money to yourself."
BLOCKED = "You cannot send money to this user."
NOT_FRIENDS = "You can only send money to a friend."
KEY_REUSED = "This idempotency_key was already used for a different transfer."
TRANSFER_LIMIT = "One transfer may send at most {limit}."
ISSUE_LIMIT = "One issue may be at most {limit}."
REASON_REQUIRED = "Say why: the reason goes into the audit log."
ALREADY_REVERSED = "This transfer was already reversed."
REVERSAL_OF_REVERSAL = "A reversal cannot be reversed: make a new transfer instead."

#: The largest id a user can have (bigint): anything else names nobody.
_MAX_ID = 2**63 - 1


# --- input ---------------------------------------------------------------------------------


def _as_id(value: object, not_found: str = USER_NOT_FOUND) -> int:
    """A plausible id, else the not-found every unknown id gets."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= _MAX_ID:
        raise Http404(not_found)
    return value


def _clean_text(value: object, field: str, max_length: int, *, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: ["Must be a string."]})
    text = value.strip()
    try:
        check_text(text)
    except BadText as exc:
        raise ValidationError({field: [str(exc)]}) from None
    if required and not text:
        raise ValidationError({field: ["This field may not be blank."]})
    if len(text) > max_length:
        raise ValidationError(
            {field: [f"Ensure this field has no more than {max_length} characters."]}
        )
    return text


def clean_note(note: object) -> str:
    return _clean_text(note, "note", NOTE_MAX_LENGTH, required=False)


def clean_reason(reason: object) -> str:
    text = _clean_text(reason, "reason", accounts_services.REASON_MAX_LENGTH, required=False)
    if not text:
        raise ValidationError({"reason": [REASON_REQUIRED]})
    return text


def clean_idempotency_key(key: object) -> str:
    """Any non-empty string of at most 64 characters, kept exactly as sent."""
    if not isinstance(key, str) or not key:
        raise ValidationError({"idempotency_key": ["A non-empty string is required."]})
    try:
        check_text(key)
    except BadText as exc:
        raise ValidationError({"idempotency_key": [str(exc)]}) from None
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH:
        raise ValidationError(
            {
                "idempotency_key": [
                    f"Ensure this field has no more than {IDEMPOTENCY_KEY_MAX_LENGTH} characters."
                ]
            }
        )
    return key


def _active_user(user_id: int) -> User:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise Http404(USER_NOT_FOUND)
    return user


# --- what a transfer shows and announces ---------------------------------------------------


def message_payload(transfer: Transfer, status: str | None = None) -> dict[str, object]:
    """What the `transfer` message of a payment carries (messaging shows it as is)."""
    return {
        "id": transfer.id,
        "amount": transfer.amount,
        "currency": transfer.currency,
        "exponent": money.exponent(transfer.currency),
        "note": transfer.note,
        "status": status or transfer.status,
    }


def _message_text(transfer: Transfer) -> str:
    """The message's text: what a client that does not know `transfer` messages shows."""
    text = f"Sent {money.display(transfer.amount, transfer.currency)}"
    return f"{text}: {transfer.note}" if transfer.note else text


def _announce(posted: ledger.Posted) -> None:
    """`wallet_updated` to every user whose balance the transfer changed, after commit."""
    transfer = posted.transfer
    for user_id in posted.balances:
        if user_id is None:
            continue
        balance = selectors.balance_for_user(user_id=user_id, currency=transfer.currency)
        realtime.broadcast_on_commit(
            realtime.user_group(user_id),
            events.wallet_updated(balance=balance, transfer_id=transfer.id),
        )


# --- payments ------------------------------------------------------------------------------


def _recipient(actor: User, to_user_id: int) -> User:
    """The friend to pay: yourself -> 400, unknown or disabled -> 404, a block either way
    -> 403, not friends -> 403 (as a direct chat refuses them)."""
    if to_user_id == actor.id:
        raise ValidationError({"to_user_id": [SELF]})
    recipient = _active_user(to_user_id)
    if friends_selectors.is_blocked_between(actor.id, recipient.id):
        raise PermissionDenied(BLOCKED)
    if not friends_selectors.are_friends(actor.id, recipient.id):
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
    to_id = _as_id(to_user_id)
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
        recipient = _recipient(actor, to_id)
        limit = money.limit_minor(settings.PAYMENTS_TRANSFER_LIMIT, currency)
        if amount > limit:
            raise Conflict(
                TRANSFER_LIMIT.format(limit=money.display(limit, currency)), code="limit_exceeded"
            )
        window = transfer_window(actor.id)
        ratelimit.hit(window.key, settings.THROTTLE_RATES["transfer"])
        with transaction.atomic():
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
        content=_message_text(transfer),
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
    _announce(posted)
    return transfer


# --- staff: issue, withdraw, reverse -------------------------------------------------------


def _staff_move(
    *, actor: User, user_id: int, amount: int, currency: str | None, reason: str, issue: bool
) -> Transfer:
    accounts_services.require_permission(actor, "payments.issue_money")
    user_id = _as_id(user_id)
    amount = money.clean_amount(amount)
    currency = money.clean_currency(currency)
    reason = clean_reason(reason)
    user = _active_user(user_id)
    limit = money.limit_minor(settings.PAYMENTS_ISSUE_LIMIT, currency)
    if amount > limit:
        raise Conflict(
            ISSUE_LIMIT.format(limit=money.display(limit, currency)), code="limit_exceeded"
        )
    posted = ledger.post(
        kind=Transfer.Kind.ISSUE if issue else Transfer.Kind.WITHDRAWAL,
        sender_id=None if issue else user.id,
        recipient_id=user.id if issue else None,
        amount=amount,
        currency=currency,
        created_by=actor,
        reason=reason,
    )
    transfer = posted.transfer
    amount_text = money.display(amount, currency)
    accounts_services.moderation_log_write(
        actor=actor,
        action=ModerationLog.Action.ISSUE_MONEY if issue else ModerationLog.Action.WITHDRAW_MONEY,
        target_type="transfer",
        target_id=transfer.id,
        target_repr=f"{amount_text} {'to' if issue else 'from'} {user.username}",
        reason=reason,
    )
    _announce(posted)
    return transfer


@transaction.atomic
def money_issue(
    *, actor: User, user_id: int, amount: int, reason: str, currency: str | None = None
) -> Transfer:
    """Money enters the ledger: from the issuer to a user's wallet. Staff with
    `payments.issue_money` only (else PermissionDenied), with a reason (audit log); at most
    PAYMENTS_ISSUE_LIMIT per issue (Conflict `limit_exceeded`); unknown or disabled user ->
    Http404."""
    return _staff_move(
        actor=actor, user_id=user_id, amount=amount, currency=currency, reason=reason, issue=True
    )


@transaction.atomic
def money_withdraw(
    *, actor: User, user_id: int, amount: int, reason: str, currency: str | None = None
) -> Transfer:
    """Money leaves the ledger the way it came: from a user's wallet back to the issuer
    (a payout made outside). As `money_issue`; more than the balance -> Conflict
    `insufficient_funds`."""
    return _staff_move(
        actor=actor, user_id=user_id, amount=amount, currency=currency, reason=reason, issue=False
    )


@transaction.atomic
def transfer_reverse(*, actor: User, transfer_id: int, reason: str) -> Transfer:
    """Undo a transfer with a new, opposite one (never an edit): the money goes back from
    whoever received it. Returns the reversal.

    Staff with `payments.reverse_transfer` only (else PermissionDenied), with a reason
    (audit log). Unknown id -> Http404; a reversal -> ValidationError; reversed already ->
    Conflict `already_reversed`; the recipient no longer holds the amount -> Conflict
    `insufficient_funds`. A payment's message in the chat shows `reversed` from then on.
    """
    accounts_services.require_permission(actor, "payments.reverse_transfer")
    reason = clean_reason(reason)
    try:
        original = Transfer.objects.select_for_update().get(
            pk=_as_id(transfer_id, selectors.TRANSFER_NOT_FOUND)
        )
    except Transfer.DoesNotExist as exc:
        raise Http404(selectors.TRANSFER_NOT_FOUND) from exc
    if original.kind == Transfer.Kind.REVERSAL:
        raise ValidationError(REVERSAL_OF_REVERSAL, code="reversal")
    if Transfer.objects.filter(reverses=original).exists():
        raise Conflict(ALREADY_REVERSED, code="already_reversed")
    posted = ledger.post(
        kind=Transfer.Kind.REVERSAL,
        sender_id=original.recipient_id,
        recipient_id=original.sender_id,
        amount=original.amount,
        currency=original.currency,
        created_by=actor,
        note=f"Reversal of transfer #{original.id}",
        reverses=original,
        reason=reason,
    )
    accounts_services.moderation_log_write(
        actor=actor,
        action=ModerationLog.Action.REVERSE_TRANSFER,
        target_type="transfer",
        target_id=original.id,
        target_repr=f"#{original.id}: {original.kind} of "
        f"{money.display(original.amount, original.currency)}",
        reason=reason,
    )
    if original.message_id is not None:
        messaging_services.message_payload_update(
            message_id=original.message_id,
            payload=message_payload(original, Transfer.Status.REVERSED),
        )
    _announce(posted)
    return posted.transfer

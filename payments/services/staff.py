"""Money in, money out and corrections, by staff: issue, withdraw, reverse. Each checks its
permission itself (`payments.issue_money`, `payments.reverse_transfer`, with the project's
rule: active staff holding it), needs a reason, and writes the moderation audit log in the
same transaction as the ledger rows."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from accounts import services as accounts_services
from accounts.models import ModerationLog, User
from accounts.selectors import USER_NOT_FOUND
from chat_project.exceptions import Conflict
from chat_project.ids import id_or_404
from chat_project.permissions import require_permission
from messaging import services as messaging_services
from payments import currency as money
from payments import ledger, selectors
from payments.models import Transfer

from .announce import announce, message_payload
from .checks import active_user, any_user, clean_reason

ISSUE_LIMIT = "One issue may be at most {limit}."
ALREADY_REVERSED = "This transfer was already reversed."
REVERSAL_OF_REVERSAL = "A reversal cannot be reversed: make a new transfer instead."


def _staff_move(
    *, actor: User, user_id: int, amount: int, currency: str | None, reason: str, issue: bool
) -> Transfer:
    require_permission(actor, "payments.issue_money")
    user_id = id_or_404(user_id, USER_NOT_FOUND)
    amount = money.clean_amount(amount)
    currency = money.clean_currency(currency)
    reason = clean_reason(reason)
    # Money enters only active accounts, but leaves any: a banned or deleted user's wallet
    # keeps its balance (the ledger is never edited), and only a withdrawal empties it.
    user = active_user(user_id) if issue else any_user(user_id)
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
    announce(posted)
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
    (a payout made outside). As `money_issue`, but the user may be inactive (banned) or
    deleted: their money stays in the wallet until staff withdraw it; unknown user ->
    Http404; more than the balance -> Conflict `insufficient_funds`."""
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
    require_permission(actor, "payments.reverse_transfer")
    reason = clean_reason(reason)
    try:
        original = Transfer.objects.select_for_update().get(
            pk=id_or_404(transfer_id, selectors.TRANSFER_NOT_FOUND)
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
    announce(posted)
    return posted.transfer

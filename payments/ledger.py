"""Posting a transfer: the one place where balances change.

`post` is called inside a service's transaction and does the bank's part of every movement
(a payment, an issue, a withdrawal, a reversal) the same way:

1. lock the two wallets — `SELECT ... FOR UPDATE ORDER BY id`, creating missing ones
   first — so every transfer takes its locks in one global order: two transfers that
   share a wallet queue on it instead of deadlocking, whatever their direction;
2. under the locks, check what depends on the balances: the paying user's balance
   (`insufficient_funds`), the sender's daily total (`limit_exceeded`);
3. write the transfer, its two entries (minus on one wallet, plus on the other, so they
   sum to zero) and both new balances.

A refusal raises before anything is written, and the caller's transaction rolls back
whatever came before, so a refused transfer leaves no trace. The database refuses a
negative user balance by itself (`payments_wallet_user_balance_not_negative`).
"""

from dataclasses import dataclass, field

from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from chat_project.exceptions import Conflict

from . import currency as money
from .models import LedgerEntry, Transfer, Wallet
from .selectors import DAY, sent_since

INSUFFICIENT_FUNDS = "Your balance is too low for this transfer."
DAILY_LIMIT = "This transfer would take you over the daily limit of {limit}."
BALANCE_LIMIT = "This transfer would take a balance past what the ledger can hold."


@dataclass
class Posted:
    """What `post` wrote: the transfer, and each user's balance after it (issuer: None)."""

    transfer: Transfer
    balances: dict[int | None, int] = field(default_factory=dict)


def _owner_key(wallet: Wallet) -> int | None:
    return wallet.user_id if wallet.kind == Wallet.Kind.USER else None


def _lock(currency: str, owners: list[int | None]) -> dict[int | None, Wallet]:
    user_ids = [owner for owner in owners if owner is not None]
    condition = Q(kind=Wallet.Kind.USER, user_id__in=user_ids, currency=currency)
    if None in owners:
        condition |= Q(kind=Wallet.Kind.ISSUER, currency=currency)
    # ORDER BY id under FOR UPDATE: PostgreSQL locks the rows in that order.
    return {
        _owner_key(w): w
        for w in Wallet.objects.select_for_update().filter(condition).order_by("id")
    }


def lock_wallets(currency: str, owners: list[int | None]) -> dict[int | None, Wallet]:
    """The wallets of `owners` (user ids; None is the issuer) in `currency`, locked until
    commit in id order; missing ones are created first (a concurrent creation of the same
    wallet is no error: the unique constraints keep one, and both lock it)."""
    wallets = _lock(currency, owners)
    missing = [owner for owner in owners if owner not in wallets]
    if missing:
        Wallet.objects.bulk_create(
            [
                Wallet(
                    kind=Wallet.Kind.USER if owner is not None else Wallet.Kind.ISSUER,
                    user_id=owner,
                    currency=currency,
                )
                for owner in missing
            ],
            ignore_conflicts=True,
        )
        wallets = _lock(currency, owners)
    return wallets


def post(
    *,
    kind: str,
    sender_id: int | None,
    recipient_id: int | None,
    amount: int,
    currency: str,
    created_by: User,
    note: str = "",
    idempotency_key: str | None = None,
    reverses: Transfer | None = None,
    reason: str = "",
    daily_limit: int | None = None,
) -> Posted:
    """Move `amount` minor units of `currency` from `sender_id` to `recipient_id` (None:
    the issuer), inside the caller's transaction.

    Refusals (nothing written): the sender is a user whose balance is below `amount` ->
    Conflict `insufficient_funds`; with `daily_limit`, what the sender sent in the last
    24 hours plus `amount` exceeds it -> Conflict `limit_exceeded`.
    """
    wallets = lock_wallets(currency, [sender_id, recipient_id])
    debit, credit = wallets[sender_id], wallets[recipient_id]
    if debit.kind == Wallet.Kind.USER and debit.balance < amount:
        raise Conflict(INSUFFICIENT_FUNDS, code="insufficient_funds")
    now = timezone.now()
    if daily_limit is not None and sender_id is not None:
        sent = sent_since(user_id=sender_id, currency=currency, since=now - DAY)
        if sent + amount > daily_limit:
            raise Conflict(
                DAILY_LIMIT.format(limit=money.display(daily_limit, currency)),
                code="limit_exceeded",
            )
    if credit.balance + amount > money.MAX_AMOUNT or debit.balance - amount < -money.MAX_AMOUNT:
        raise Conflict(BALANCE_LIMIT, code="limit_exceeded")
    transfer = Transfer.objects.create(
        kind=kind,
        sender_id=sender_id,
        recipient_id=recipient_id,
        amount=amount,
        currency=currency,
        note=note,
        idempotency_key=idempotency_key,
        reverses=reverses,
        created_by=created_by,
        reason=reason,
    )
    debit.balance -= amount
    credit.balance += amount
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                transfer=transfer,
                wallet=debit,
                amount=-amount,
                balance_after=debit.balance,
                counterpart_id=recipient_id,
            ),
            LedgerEntry(
                transfer=transfer,
                wallet=credit,
                amount=amount,
                balance_after=credit.balance,
                counterpart_id=sender_id,
            ),
        ]
    )
    # Relative updates: under the locks they equal the balances computed above; without
    # row locks (SQLite) they still add up, and the CHECK refuses a negative balance.
    Wallet.objects.filter(pk=debit.pk).update(balance=F("balance") - amount, updated_at=now)
    Wallet.objects.filter(pk=credit.pk).update(balance=F("balance") + amount, updated_at=now)
    return Posted(
        transfer=transfer,
        balances={
            owner: wallet.balance
            for owner, wallet in ((sender_id, debit), (recipient_id, credit))
            if owner is not None
        },
    )

"""Reads over the ledger that carry permission: a user sees their own wallets, their own
entries, and only the transfers they are a party to ("missing" and "not yours" are the
same 404)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from . import currency as money
from .models import LedgerEntry, Transfer, Wallet

TRANSFER_NOT_FOUND = "Transfer not found."
HISTORY_DEFAULT_LIMIT = 50
HISTORY_MAX_LIMIT = 100
#: The window of the daily limit (also `ledger.DAY`).
DAY = timedelta(hours=24)


def sent_since(*, user_id: int, currency: str, since: datetime) -> int:
    """What `user_id` paid to others in `currency` after `since` (payments_transfer_sent_idx);
    the daily limit counts this. Reversed payments still count."""
    total = Transfer.objects.filter(
        sender_id=user_id, currency=currency, created_at__gt=since, kind=Transfer.Kind.PAYMENT
    ).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)


@dataclass(frozen=True, slots=True)
class Balance:
    """One currency of a user's wallet, with the limits that apply to sending it."""

    currency: str
    balance: int
    daily_sent: int

    @property
    def exponent(self) -> int:
        return money.exponent(self.currency)

    @property
    def transfer_limit(self) -> int:
        return money.limit_minor(settings.PAYMENTS_TRANSFER_LIMIT, self.currency)

    @property
    def daily_limit(self) -> int:
        return money.limit_minor(settings.PAYMENTS_DAILY_LIMIT, self.currency)


def _daily_sent(user_id: int, currencies: list[str] | None = None) -> dict[str, int]:
    rows = Transfer.objects.filter(
        sender_id=user_id, created_at__gt=timezone.now() - DAY, kind=Transfer.Kind.PAYMENT
    )
    if currencies is not None:
        rows = rows.filter(currency__in=currencies)
    totals = rows.values("currency").annotate(total=Sum("amount")).order_by()
    return {row["currency"]: int(row["total"]) for row in totals}


def balances_for_user(*, user_id: int) -> list[Balance]:
    """Every currency the user holds or held, the default one first (listed at 0 before
    the first transfer: reading creates no wallet). Two queries."""
    held = dict(
        Wallet.objects.filter(kind=Wallet.Kind.USER, user_id=user_id).values_list(
            "currency", "balance"
        )
    )
    default = money.default_currency()
    codes = [default, *sorted(code for code in held if code != default)]
    sent = _daily_sent(user_id)
    return [
        Balance(currency=code, balance=held.get(code, 0), daily_sent=sent.get(code, 0))
        for code in codes
        if code in settings.PAYMENTS_CURRENCIES
    ]


def balance_for_user(*, user_id: int, currency: str) -> Balance:
    """One currency of the user's wallet (the `wallet_updated` event's)."""
    held = (
        Wallet.objects.filter(kind=Wallet.Kind.USER, user_id=user_id, currency=currency)
        .values_list("balance", flat=True)
        .first()
    )
    sent = _daily_sent(user_id, [currency]).get(currency, 0)
    return Balance(currency=currency, balance=held or 0, daily_sent=sent)


def _with_parties(queryset: QuerySet[Transfer]) -> QuerySet[Transfer]:
    return queryset.select_related("sender", "recipient", "reversal", "message")


def transfer_get_for_user(*, user_id: int, transfer_id: int) -> Transfer:
    """A transfer `user_id` sent or received, else 404 (the same for "not yours")."""
    try:
        return _with_parties(Transfer.objects.all()).get(
            Q(sender_id=user_id) | Q(recipient_id=user_id), pk=transfer_id
        )
    except Transfer.DoesNotExist as exc:
        raise Http404(TRANSFER_NOT_FOUND) from exc


def sender_transfer_with_key(*, sender_id: int, key: str) -> Transfer | None:
    """The transfer `sender_id` made with this idempotency key, if any (its unique index)."""
    return (
        _with_parties(Transfer.objects.all())
        .filter(sender_id=sender_id, idempotency_key=key)
        .first()
    )


def transfer_get(*, transfer_id: int) -> Transfer:
    """Any transfer, with its parties (for services and staff)."""
    try:
        return _with_parties(Transfer.objects.all()).get(pk=transfer_id)
    except Transfer.DoesNotExist as exc:
        raise Http404(TRANSFER_NOT_FOUND) from exc


def transactions_for_user(
    *,
    user_id: int,
    limit: int = HISTORY_DEFAULT_LIMIT,
    before: int | None = None,
    counterpart_id: int | None = None,
    currency: str | None = None,
) -> list[LedgerEntry]:
    """The user's side of every transfer they took part in, newest first: money in and
    out, in every currency (or one), with everyone (or one `counterpart_id`).

    Keyset pages: `before` is the id of the last entry of the previous page. One query
    whatever the size (payments_entry_history_idx / payments_entry_counterpart_idx).
    """
    if not 1 <= limit <= HISTORY_MAX_LIMIT:
        raise ValidationError(
            {"limit": [f"Ensure this value is between 1 and {HISTORY_MAX_LIMIT}."]}
        )
    entries = LedgerEntry.objects.filter(
        wallet__kind=Wallet.Kind.USER, wallet__user_id=user_id
    ).select_related("wallet", "counterpart", "transfer", "transfer__reversal")
    if currency is not None:
        entries = entries.filter(wallet__currency=currency)
    if counterpart_id is not None:
        entries = entries.filter(counterpart_id=counterpart_id)
    if before is not None:
        entries = entries.filter(id__lt=before)
    return list(entries.order_by("-id")[:limit])

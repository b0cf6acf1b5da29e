"""The payments representations (REST and events alike) and the shapes of its input.

Representations are built by the plain functions below, which the serializers' declared
fields describe for the OpenAPI schema (as for messages: one dict per row, no per-field
machinery); `payments/tests/test_serializers.py` keeps the two equal. Input serializers
check shape only; the services decide what is allowed.
"""

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from chat_project.api import iso_datetime
from chat_project.ids import MAX_ID
from chat_project.inputs import StrictJSONInput
from payments import currency as money
from payments.models import IDEMPOTENCY_KEY_MAX_LENGTH, NOTE_MAX_LENGTH, LedgerEntry, Transfer
from payments.selectors import HISTORY_MAX_LIMIT, Balance

# --- representations ----------------------------------------------------------------------


def party(user: User | None) -> dict[str, Any] | None:
    """A side of a transfer as others see it (never an email); None is the issuer."""
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "display_name": user.display_name}


def transfer_representation(transfer: Transfer) -> dict[str, Any]:
    """A transfer as both parties see it (`GET /api/payments/transfers/{id}`, the POST)."""
    status = transfer.status
    message = transfer.message
    return {
        "id": transfer.id,
        "kind": transfer.kind,
        "sender": party(transfer.sender),
        "recipient": party(transfer.recipient),
        "amount": transfer.amount,
        "currency": transfer.currency,
        "exponent": money.exponent(transfer.currency),
        "note": transfer.note,
        "status": status,
        "reverses_id": transfer.reverses_id,
        "reversal_id": transfer.reversal.id if status == Transfer.Status.REVERSED else None,
        "conversation_id": message.conversation_id if message is not None else None,
        "message_id": transfer.message_id,
        "created_at": iso_datetime(transfer.created_at),
    }


def transaction_representation(entry: LedgerEntry) -> dict[str, Any]:
    """One line of a user's history: their side of a transfer (`amount` signed)."""
    transfer = entry.transfer
    currency = entry.wallet.currency
    return {
        "id": entry.id,
        "transfer_id": transfer.id,
        "kind": transfer.kind,
        "amount": entry.amount,
        "currency": currency,
        "exponent": money.exponent(currency),
        "balance_after": entry.balance_after,
        "counterpart": party(entry.counterpart),
        "note": transfer.note,
        "status": transfer.status,
        "created_at": iso_datetime(entry.created_at),
    }


def balance_representation(balance: Balance) -> dict[str, Any]:
    return {
        "currency": balance.currency,
        "exponent": balance.exponent,
        "balance": balance.balance,
        "transfer_limit": balance.transfer_limit,
        "daily_limit": balance.daily_limit,
        "daily_sent": balance.daily_sent,
    }


def wallet_representation(balances: list[Balance]) -> dict[str, Any]:
    return {
        "default_currency": money.default_currency(),
        "balances": [balance_representation(b) for b in balances],
    }


# --- declared for the schema --------------------------------------------------------------


@extend_schema_field(
    {"type": "string", "enum": Transfer.Kind.values}, component_name="TransferKindEnum"
)
class TransferKindField(serializers.CharField):
    """Its own component: `kind`/`type` enums of other models would clash by name."""


@extend_schema_field(
    {"type": "string", "enum": Transfer.Status.values}, component_name="TransferStatusEnum"
)
class TransferStatusField(serializers.CharField):
    pass


def _minor(help_text: str) -> serializers.IntegerField:
    return serializers.IntegerField(help_text=f"{help_text} In minor units (1050 is 10.50).")


def _exponent() -> serializers.IntegerField:
    return serializers.IntegerField(
        help_text="Digits after the decimal point: display amount / 10**exponent."
    )


class PartySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()


class TransferSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = TransferKindField(
        help_text="`payment` between users; `issue`, `withdrawal` and `reversal` by staff."
    )
    sender = PartySerializer(allow_null=True, help_text="null: the issuer (money issued).")
    recipient = PartySerializer(allow_null=True, help_text="null: the issuer (withdrawn).")
    amount = _minor("Always positive.")
    currency = serializers.CharField(help_text="ISO 4217 code.")
    exponent = _exponent()
    note = serializers.CharField()
    status = TransferStatusField(help_text="`reversed` once staff reversed it.")
    reverses_id = serializers.IntegerField(
        allow_null=True, help_text="A reversal: the transfer it reverses."
    )
    reversal_id = serializers.IntegerField(
        allow_null=True, help_text="The reversal of this transfer, if any."
    )
    conversation_id = serializers.IntegerField(
        allow_null=True, help_text="A payment: the direct chat its message is in."
    )
    message_id = serializers.IntegerField(
        allow_null=True, help_text="A payment: its `transfer` message."
    )
    created_at = serializers.DateTimeField()

    def to_representation(self, instance: Transfer) -> dict[str, Any]:
        return transfer_representation(instance)


class TransactionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The entry's id: `before=` of the next page.")
    transfer_id = serializers.IntegerField()
    kind = TransferKindField()
    amount = _minor("Positive: money in; negative: money out.")
    currency = serializers.CharField()
    exponent = _exponent()
    balance_after = _minor("The balance in this currency right after.")
    counterpart = PartySerializer(allow_null=True, help_text="The other side; null: the issuer.")
    note = serializers.CharField()
    status = TransferStatusField()
    created_at = serializers.DateTimeField()

    def to_representation(self, instance: LedgerEntry) -> dict[str, Any]:
        return transaction_representation(instance)


class BalanceSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text="ISO 4217 code.")
    exponent = _exponent()
    balance = _minor("What you hold.")
    transfer_limit = _minor("The most one transfer may send.")
    daily_limit = _minor("The most you may send in any 24 hours.")
    daily_sent = _minor("What you sent in the last 24 hours.")


class WalletSerializer(serializers.Serializer):
    default_currency = serializers.CharField()
    balances = BalanceSerializer(many=True, help_text="The default currency first.")


# --- input ---------------------------------------------------------------------------------


def _currency_field(help_text: str) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=sorted(settings.PAYMENTS_CURRENCIES), required=False, help_text=help_text
    )


class TransferCreateInputSerializer(StrictJSONInput):
    to_user_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    amount = serializers.IntegerField(
        min_value=1,
        max_value=money.MAX_AMOUNT,
        help_text="A whole number of minor units (1050 is 10.50 EUR); within your balance, "
        "`transfer_limit` and `daily_limit` (else 409).",
    )
    currency = _currency_field("ISO 4217 code; left out: `default_currency` of the wallet.")
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=NOTE_MAX_LENGTH,
        help_text="Shown with the transfer; trimmed.",
    )
    idempotency_key = serializers.CharField(
        min_length=1,
        max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
        trim_whitespace=False,
        help_text="Unique per sender: sending the same body again with it returns the first "
        "transfer (200); another body with it is refused (409 `idempotency_key_reused`).",
    )


class TransactionQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=HISTORY_MAX_LIMIT, default=50)
    before = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_ID,
        help_text="The entries just older than this entry id (the `id` of the last one "
        "you have): the next page.",
    )
    counterpart = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="Only transfers with this user.",
    )
    currency = _currency_field("Only this currency (ISO 4217); left out: every currency.")

"""Payloads of the payments events, built with the REST representations.

`wallet_updated` goes to one user's group (every socket of theirs) after a transfer that
changed their balance commits; its `balance` is the same object as an item of
`GET /api/payments/wallet`'s `balances`. The transfer's message reaches the chat through
messaging's own `new_message`/`message_updated`.
"""

from typing import Any

from payments.api.serializers import balance_representation
from payments.selectors import Balance


def wallet_updated(*, balance: Balance, transfer_id: int) -> dict[str, Any]:
    return {
        "type": "wallet_updated",
        "balance": balance_representation(balance),
        "transfer_id": transfer_id,
    }

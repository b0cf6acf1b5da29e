"""What a transfer shows in the chat and announces to the people whose money moved."""

from chat_project import realtime
from payments import currency as money
from payments import events, ledger, selectors
from payments.models import Transfer


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


def message_text(transfer: Transfer) -> str:
    """The message's text: what a client that does not know `transfer` messages shows."""
    text = f"Sent {money.display(transfer.amount, transfer.currency)}"
    return f"{text}: {transfer.note}" if transfer.note else text


def announce(posted: ledger.Posted) -> None:
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

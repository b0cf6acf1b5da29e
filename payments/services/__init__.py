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

One module per concern: `transfers` (payments between friends), `staff` (issue, withdraw,
reverse), `announce` (the chat message's payload and the balance events), `checks`
(input). Callers use this package: `from payments import services`.
"""

from .announce import message_payload
from .checks import (
    REASON_REQUIRED,
    USER_NOT_FOUND,
    clean_idempotency_key,
    clean_note,
    clean_reason,
)
from .staff import (
    ALREADY_REVERSED,
    ISSUE_LIMIT,
    REVERSAL_OF_REVERSAL,
    money_issue,
    money_withdraw,
    transfer_reverse,
)
from .transfers import (
    BLOCKED,
    KEY_REUSED,
    NOT_FRIENDS,
    SELF,
    TRANSFER_LIMIT,
    transfer_send,
    transfer_window,
)

__all__ = [
    "ALREADY_REVERSED",
    "BLOCKED",
    "ISSUE_LIMIT",
    "KEY_REUSED",
    "NOT_FRIENDS",
    "REASON_REQUIRED",
    "REVERSAL_OF_REVERSAL",
    "SELF",
    "TRANSFER_LIMIT",
    "USER_NOT_FOUND",
    "clean_idempotency_key",
    "clean_note",
    "clean_reason",
    "message_payload",
    "money_issue",
    "money_withdraw",
    "transfer_reverse",
    "transfer_send",
    "transfer_window",
]

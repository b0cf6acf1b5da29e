"""Money for tests: issued straight through the ledger (no permission, no audit log, no
events), so a test starts from a known balance in one line. The staff path (`money_issue`)
is tested in test_staff.py."""

from django.db import transaction

from accounts.models import User
from payments import currency as money
from payments import ledger
from payments.models import Transfer


def fund(user: User, amount: int, currency: str | None = None) -> Transfer:
    """Issue `amount` minor units to `user` (the issuer's wallet goes down by as much)."""
    with transaction.atomic():
        return ledger.post(
            kind=Transfer.Kind.ISSUE,
            sender_id=None,
            recipient_id=user.id,
            amount=amount,
            currency=currency or money.default_currency(),
            created_by=user,
            reason="test funds",
        ).transfer

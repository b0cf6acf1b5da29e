"""`make demo`, after `seed_demo`: the demo users get money, through the issuing service.

A demo treasurer (`banker`, staff in the `treasurers` group, password demo-pass-123)
issues 100.00 of the default currency to alice, bob and carol — the audit log shows who
and why, as for any issue — and alice pays bob for pizza in their direct chat, so the
wallet page and the chat have a transfer to show. Running it twice changes nothing.
"""

from typing import Any

from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import User
from accounts.services import user_profile_update, user_register
from payments import currency as money
from payments import services
from payments.models import Transfer

DEMO_PASSWORD = "demo-pass-123"
TREASURER = "banker"
OPENING_BALANCE = "100.00"


class Command(BaseCommand):
    help = "Give the demo users (seed_demo) a balance, issued by a demo treasurer."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if not User.objects.filter(username__iexact="alice").exists():
            call_command("seed_demo", stdout=self.stdout)
        banker = self._treasurer()
        currency = money.default_currency()
        people = {
            name: User.objects.get(username__iexact=name) for name in ("alice", "bob", "carol")
        }
        for user in people.values():
            if not Transfer.objects.filter(kind=Transfer.Kind.ISSUE, recipient=user).exists():
                services.money_issue(
                    actor=banker,
                    user_id=user.id,
                    amount=money.parse_major(OPENING_BALANCE, currency),
                    currency=currency,
                    reason="Demo opening balance",
                )
        services.transfer_send(
            actor=people["alice"],
            to_user_id=people["bob"].id,
            amount=money.parse_major("12.50", currency),
            currency=currency,
            note="Pizza on Friday",
            idempotency_key="demo-pizza",
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo wallets: alice, bob and carol got {OPENING_BALANCE} {currency}; "
                f"alice paid bob 12.50. Treasurer for the admin: {TREASURER} "
                f"(password {DEMO_PASSWORD!r})."
            )
        )

    def _treasurer(self) -> User:
        """The demo's staff member with payments.issue_money (as a superuser would make
        one in the admin: staff status and the `treasurers` group)."""
        banker = User.objects.filter(username__iexact=TREASURER).first()
        if banker is None:
            banker = user_register(
                username=TREASURER, email=f"{TREASURER}@example.com", password=DEMO_PASSWORD
            )
            user_profile_update(user=banker, display_name="Demo treasurer")
            User.objects.filter(pk=banker.pk).update(is_staff=True)
            banker.refresh_from_db()
        banker.groups.add(Group.objects.get(name="treasurers"))
        return User.objects.get(pk=banker.pk)  # fresh: no cached permissions

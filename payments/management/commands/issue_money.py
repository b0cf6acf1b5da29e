"""`manage.py issue_money alice 100.00 --reason "opening balance"`: money enters the ledger
(or, with --withdraw, leaves it) through `payments.services`, exactly as the admin's form
does: the same permission, limits and audit-log line, with a named staff member as the
one who did it."""

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from accounts.models import User
from chat_project.exceptions import Conflict
from payments import currency as money
from payments import services


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(getattr(exc, "detail", exc))


class Command(BaseCommand):
    help = "Issue money to a user's wallet (or withdraw it), written to the audit log."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username", help="Whose wallet.")
        parser.add_argument("amount", help="In major units, e.g. 100.00 (exact: no rounding).")
        parser.add_argument("--reason", required=True, help="Why (the audit log keeps it).")
        parser.add_argument("--currency", default=None, help="ISO 4217 code (default: setting).")
        parser.add_argument(
            "--by",
            default=None,
            help="The staff member recorded as issuer (needs payments.issue_money); "
            "default: the oldest active superuser.",
        )
        parser.add_argument(
            "--withdraw", action="store_true", help="Take the amount out of the wallet instead."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options["by"])
        user = User.objects.filter(username__iexact=options["username"]).first()
        if user is None:
            raise CommandError(f"No user {options['username']!r}.")
        try:
            currency = money.clean_currency(options["currency"])
            amount = money.parse_major(options["amount"], currency)
            service = services.money_withdraw if options["withdraw"] else services.money_issue
            transfer = service(
                actor=actor,
                user_id=user.id,
                amount=amount,
                currency=currency,
                reason=options["reason"],
            )
        except (ValidationError, PermissionDenied, Http404, Conflict) as exc:
            raise CommandError(_error_text(exc)) from exc
        verb = "Withdrew" if options["withdraw"] else "Issued"
        preposition = "from" if options["withdraw"] else "to"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} {money.display(amount, currency)} {preposition} {user.username} "
                f"(transfer {transfer.id}, recorded as by {actor.username})."
            )
        )

    def _actor(self, username: str | None) -> User:
        if username:
            actor = User.objects.filter(username__iexact=username).first()
            if actor is None:
                raise CommandError(f"No user {username!r} for --by.")
            return actor
        actor = User.objects.filter(is_superuser=True, is_active=True).order_by("id").first()
        if actor is None:
            raise CommandError("No active superuser to record as the issuer: name one with --by.")
        return actor

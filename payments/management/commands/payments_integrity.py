"""`manage.py payments_integrity`: recompute the books from the ledger's rows (every
balance from its entries, every transfer's entries, the totals against what was issued)
and exit non-zero on any difference. CI runs it on the concurrency test's data."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from payments.integrity import ledger_check


class Command(BaseCommand):
    help = "Check the payments ledger; exits with status 1 when anything does not add up."

    def handle(self, *args: Any, **options: Any) -> None:
        report = ledger_check()
        for line in report.lines():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(f"The ledger has {len(report.problems)} difference(s).")
        self.stdout.write(self.style.SUCCESS("The ledger adds up."))

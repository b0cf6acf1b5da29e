"""The ledger's integrity check: everything the books must satisfy, recomputed from the rows.

Run by `manage.py payments_integrity` (non-zero exit on any difference: CI runs it on the
concurrency test's data) and shown in the admin (Wallets -> "Integrity check"). Each rule
is one aggregate query, whatever the size of the ledger:

1. every wallet's balance equals the sum of its entries;
2. no user's balance is negative;
3. every transfer has exactly two entries, one of `-amount` and one of `+amount`, and
   they sit on the transfer's own wallets: the minus on the sender's (the issuer's when
   money enters), the plus on the recipient's (the issuer's when it leaves), both in the
   transfer's currency;
4. per currency, what users hold equals what was issued (issues minus withdrawals, each
   corrected by its reversals), and the issuer's balance is minus that.

All queries read one snapshot: on PostgreSQL they run in one REPEATABLE READ, READ ONLY
transaction, so transfers committing while the check runs (a live system) cannot make
one query see them and the next not, which would report differences that are not there.
SQLite's transaction is a snapshot already. Called inside a transaction someone else
opened, the check reads in that transaction as it is.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import BooleanField, Case, Count, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from . import currency as money
from .models import LedgerEntry, Transfer, Wallet


@dataclass
class IntegrityReport:
    wallets: int = 0
    transfers: int = 0
    #: Per currency: what was issued (from the transfers) and what users hold (balances).
    issued: dict[str, int] = field(default_factory=dict)
    held: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        """The report for people (the command's output, the admin page)."""
        out = [f"{self.wallets} wallets, {self.transfers} transfers checked."]
        for code in sorted(set(self.issued) | set(self.held)):
            issued, held = self.issued.get(code, 0), self.held.get(code, 0)
            out.append(
                f"{code}: issued {money.format_minor(issued, code)}, "
                f"held by users {money.format_minor(held, code)}"
            )
        out.extend(self.problems or ["No differences."])
        return out


def _wallet_name(row: Mapping[str, Any]) -> str:
    owner = "issuer" if row["kind"] == Wallet.Kind.ISSUER else f"user {row['user_id']}"
    return f"wallet {row['id']} ({row['currency']}, {owner})"


def _check_wallets(report: IntegrityReport) -> None:
    wallets = Wallet.objects.annotate(entries_total=Coalesce(Sum("entries__amount"), Value(0)))
    report.wallets = Wallet.objects.count()
    for row in wallets.exclude(balance=F("entries_total")).values(
        "id", "kind", "user_id", "currency", "balance", "entries_total"
    ):
        report.problems.append(
            f"{_wallet_name(row)}: balance {row['balance']} but its entries sum to "
            f"{row['entries_total']}"
        )
    for negative in Wallet.objects.filter(kind=Wallet.Kind.USER, balance__lt=0).values(
        "id", "kind", "user_id", "currency", "balance"
    ):
        report.problems.append(f"{_wallet_name(negative)}: negative balance {negative['balance']}")


def _check_transfers(report: IntegrityReport) -> None:
    transfers = Transfer.objects.annotate(
        entry_count=Count("entries"),
        credited=Coalesce(Sum("entries__amount", filter=Q(entries__amount__gt=0)), Value(0)),
        debited=Coalesce(Sum("entries__amount", filter=Q(entries__amount__lt=0)), Value(0)),
    )
    report.transfers = Transfer.objects.count()
    unbalanced = transfers.exclude(
        entry_count=2, credited=F("amount"), debited=-F("amount")
    ).values("id", "amount", "entry_count", "credited", "debited")
    for row in unbalanced:
        report.problems.append(
            f"transfer {row['id']} of {row['amount']}: {row['entry_count']} entries, "
            f"+{row['credited']} / {row['debited']}"
        )


def _own_wallet(side: str) -> Q:
    """The entry is on the wallet of the transfer's `side` ("sender" or "recipient"): that
    user's wallet, or the issuer's when the side is empty."""
    return Q(**{f"transfer__{side}_id__isnull": True}, wallet__kind=Wallet.Kind.ISSUER) | Q(
        wallet__kind=Wallet.Kind.USER, wallet__user_id=F(f"transfer__{side}_id")
    )


def _check_entry_wallets(report: IntegrityReport) -> None:
    on_own_wallet = Q(wallet__currency=F("transfer__currency")) & (
        (Q(amount__lt=0) & _own_wallet("sender")) | (Q(amount__gt=0) & _own_wallet("recipient"))
    )
    # CASE, not exclude(): a comparison with NULL is neither true nor false, and such an
    # entry must be reported, not skipped.
    misplaced = (
        LedgerEntry.objects.annotate(
            placed=Case(
                When(on_own_wallet, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .filter(placed=False)
        .order_by("id")
        .values(
            "id",
            "amount",
            "transfer_id",
            "wallet__id",
            "wallet__kind",
            "wallet__user_id",
            "wallet__currency",
        )
    )
    for row in misplaced:
        wallet = {
            "id": row["wallet__id"],
            "kind": row["wallet__kind"],
            "user_id": row["wallet__user_id"],
            "currency": row["wallet__currency"],
        }
        side = "sender" if row["amount"] < 0 else "recipient"
        report.problems.append(
            f"transfer {row['transfer_id']}: entry {row['id']} of {row['amount']} is on "
            f"{_wallet_name(wallet)}, not the {side}'s wallet in the transfer's currency"
        )


def _check_totals(report: IntegrityReport) -> None:
    def total(condition: Q) -> Coalesce:
        return Coalesce(Sum("amount", filter=condition), Value(0))

    kind = Transfer.Kind
    flows = (
        Transfer.objects.values("currency")
        .annotate(
            issues=total(Q(kind=kind.ISSUE)),
            withdrawals=total(Q(kind=kind.WITHDRAWAL)),
            issues_reversed=total(Q(kind=kind.REVERSAL, reverses__kind=kind.ISSUE)),
            withdrawals_reversed=total(Q(kind=kind.REVERSAL, reverses__kind=kind.WITHDRAWAL)),
        )
        .order_by()
    )
    for row in flows:
        report.issued[row["currency"]] = (
            row["issues"]
            - row["withdrawals"]
            - row["issues_reversed"]
            + row["withdrawals_reversed"]
        )
    held = (
        Wallet.objects.filter(kind=Wallet.Kind.USER)
        .values("currency")
        .annotate(total=Sum("balance"))
        .order_by()
    )
    report.held = {row["currency"]: int(row["total"]) for row in held}
    issuers = dict(
        Wallet.objects.filter(kind=Wallet.Kind.ISSUER).values_list("currency", "balance")
    )
    for code in sorted(set(report.issued) | set(report.held) | set(issuers)):
        issued = report.issued.get(code, 0)
        if report.held.get(code, 0) != issued:
            report.problems.append(
                f"{code}: users hold {report.held.get(code, 0)} but {issued} was issued"
            )
        if issuers.get(code, 0) != -issued:
            report.problems.append(
                f"{code}: the issuer's balance is {issuers.get(code, 0)}, not {-issued}"
            )


def ledger_check() -> IntegrityReport:
    """Recompute the books from one snapshot (see the module docstring); read-only."""
    report = IntegrityReport()
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # the transaction's first statement
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        _check_wallets(report)
        _check_transfers(report)
        _check_entry_wallets(report)
        _check_totals(report)
    return report

"""The ledger: wallets, transfers and their double-entry rows.

The rules the database itself holds (docs/api.md, "Payments"):

* a user's wallet never goes below zero (`payments_wallet_user_balance_not_negative`); the
  issuer's wallet of a currency is the one account allowed to: its balance is minus
  everything issued, so all balances of a currency always sum to zero and the users' sum
  to what was issued;
* one wallet per user and currency, one issuer wallet per currency;
* a transfer moves a positive amount between two different accounts, and a reversal
  points at the transfer it reverses, which can be reversed once (`reverses` is unique);
* an idempotency key names one transfer per sender.

Rows are written only by `payments.services` (through `payments.ledger`) and never
changed: a correction is a new, opposite transfer. Balances are kept on the wallet rows,
updated in the same transaction as the entries, under row locks taken in id order.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

NOTE_MAX_LENGTH = 200
IDEMPOTENCY_KEY_MAX_LENGTH = 64


class Wallet(models.Model):
    """Money one user holds in one currency, or the issuer's account of a currency."""

    class Kind(models.TextChoices):
        USER = "user"
        #: Where money enters and leaves the ledger; its balance is minus what was issued.
        ISSUER = "issuer"

    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.USER)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # money is never deleted with its owner
        related_name="wallets",
    )
    currency = models.CharField(max_length=3, help_text="ISO 4217 code.")
    balance = models.BigIntegerField(default=0, help_text="In minor units (1050 is 10.50).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        permissions = [("issue_money", "Can issue money to a user's wallet and withdraw it")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="issuer") | Q(balance__gte=0),
                name="payments_wallet_user_balance_not_negative",
                violation_error_message="A user's balance cannot go below zero.",
            ),
            models.CheckConstraint(
                condition=Q(kind="user", user__isnull=False) | Q(kind="issuer", user__isnull=True),
                name="payments_wallet_owner_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="payments_wallet_currency_code"
            ),
            models.UniqueConstraint(
                fields=["user", "currency"],
                condition=Q(kind="user"),
                name="payments_wallet_one_per_user_and_currency",
            ),
            models.UniqueConstraint(
                fields=["currency"],
                condition=Q(kind="issuer"),
                name="payments_wallet_one_issuer_per_currency",
            ),
        ]

    def __str__(self) -> str:
        owner = "issuer" if self.kind == self.Kind.ISSUER else f"user {self.user_id}"
        return f"{self.currency} wallet of {owner}"


class Transfer(models.Model):
    """One movement of money between two accounts, with its two ledger entries.

    `sender`/`recipient` are users; null stands for the issuer (money entering the ledger
    has no sender, money leaving it no recipient).
    """

    class Kind(models.TextChoices):
        PAYMENT = "payment"  # a user to a friend
        ISSUE = "issue"  # the issuer to a user (staff)
        WITHDRAWAL = "withdrawal"  # a user to the issuer (staff)
        REVERSAL = "reversal"  # the opposite of an earlier transfer (staff)

    class Status(models.TextChoices):
        """Not stored: a transfer is `reversed` when a reversal points at it."""

        COMPLETED = "completed"
        REVERSED = "reversed"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    # No single-column index: payments_transfer_sent_idx and the idempotency key's unique
    # index both start with sender_id.
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_sent",
        db_index=False,
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_received",
    )
    amount = models.BigIntegerField(help_text="In minor units, always positive.")
    currency = models.CharField(max_length=3)
    note = models.CharField(max_length=NOTE_MAX_LENGTH, blank=True, default="")
    idempotency_key = models.CharField(max_length=IDEMPOTENCY_KEY_MAX_LENGTH, null=True, blank=True)
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversal",
        help_text="The transfer this one reverses (kind `reversal` only).",
    )
    #: Who made it: the sender of a payment, the staff member who issued, withdrew or
    #: reversed (also in the audit log, with the reason).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True, default="", help_text="Staff actions: why.")
    #: The message that announced a payment in the two people's direct chat.
    message = models.ForeignKey(
        "messaging.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        permissions = [("reverse_transfer", "Can reverse a transfer")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="payments_transfer_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(sender__isnull=False) | Q(recipient__isnull=False),
                name="payments_transfer_has_a_user",
            ),
            models.CheckConstraint(
                condition=Q(sender__isnull=True)
                | Q(recipient__isnull=True)
                | ~Q(sender=F("recipient")),
                name="payments_transfer_not_to_self",
            ),
            models.CheckConstraint(
                condition=Q(kind="reversal", reverses__isnull=False)
                | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="payments_transfer_reversal_names_its_transfer",
            ),
            models.UniqueConstraint(
                fields=["sender", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="payments_transfer_idempotency_key_unique",
            ),
        ]
        indexes = [
            # The daily limit: what one sender sent in one currency since a moment.
            models.Index(
                fields=["sender", "currency", "created_at"], name="payments_transfer_sent_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"Transfer #{self.pk} ({self.kind}, {self.amount} {self.currency})"

    @property
    def status(self) -> str:
        """`reversed` once a reversal points at it (loaded with select_related("reversal"))."""
        try:
            self.reversal  # noqa: B018  (the reverse one-to-one raises when there is none)
        except Transfer.DoesNotExist:
            return self.Status.COMPLETED
        return self.Status.REVERSED


class LedgerEntry(models.Model):
    """One side of a transfer on one wallet: minus on the wallet it left, plus on the wallet
    it reached. The entries of a transfer sum to zero; a wallet's balance is the sum of its
    entries (`payments_integrity` checks both)."""

    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, related_name="entries")
    # No single-column index: the (wallet, -id) indexes below start with wallet_id.
    wallet = models.ForeignKey(
        Wallet, on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    amount = models.BigIntegerField(help_text="Minor units: positive in, negative out.")
    balance_after = models.BigIntegerField(help_text="The wallet's balance after this entry.")
    #: The user on the other side (null: the issuer), so a wallet's history filters by
    #: counterpart without a join.
    counterpart = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="payments_entry_amount_not_zero"),
            models.UniqueConstraint(
                fields=["transfer", "wallet"], name="payments_entry_one_per_transfer_and_wallet"
            ),
        ]
        indexes = [
            # A wallet's history, newest first (keyset on id), and the same by counterpart.
            models.Index(fields=["wallet", "-id"], name="payments_entry_history_idx"),
            models.Index(
                fields=["wallet", "counterpart", "-id"], name="payments_entry_counterpart_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount:+d} on wallet {self.wallet_id} (transfer {self.transfer_id})"

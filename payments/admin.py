"""The treasurers' and moderators' view of the ledger.

Nothing here can be edited, added or deleted by anyone: money moves only through the
services. Staff with `payments.issue_money` issue and withdraw money on the wallets'
"Issue or withdraw money" page; staff with `payments.reverse_transfer` reverse transfers
with the transfers' action; both need a reason, which goes into the audit log
(accounts' ModerationLog). The wallets' "Integrity check" page recomputes the books
(`payments.integrity`), as `manage.py payments_integrity` does.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts.admin import ModerationActionForm, ReadOnlyAdmin, action_reason, error_text
from accounts.models import User
from accounts.request_user import request_user
from accounts.services import REASON_MAX_LENGTH
from chat_project.exceptions import Conflict
from chat_project.permissions import has_permission

from . import currency as money
from . import services
from .integrity import ledger_check
from .models import LedgerEntry, Transfer, Wallet


def _amount(amount: int, currency: str) -> str:
    return money.display(amount, currency)


class AmountFilter(admin.SimpleListFilter):
    """Transfers by size, in major units of their own currency."""

    title = "amount"
    parameter_name = "size"
    #: key -> (label, from, below) in major units.
    BUCKETS: dict[str, tuple[str, int, int | None]] = {
        "lt10": ("under 10", 0, 10),
        "10-100": ("10 to 100", 10, 100),
        "100-1000": ("100 to 1,000", 100, 1000),
        "gte1000": ("1,000 and more", 1000, None),
    }

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(key, label) for key, (label, _, _) in self.BUCKETS.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        bucket = self.BUCKETS.get(self.value() or "")
        if bucket is None:
            return queryset
        _, low, high = bucket
        condition = Q(pk__in=[])
        for code in settings.PAYMENTS_CURRENCIES:
            scale = money.minor_per_major(code)
            in_code = Q(currency=code, amount__gte=low * scale)
            if high is not None:
                in_code &= Q(amount__lt=high * scale)
            condition |= in_code
        return queryset.filter(condition)


class BalanceFilter(admin.SimpleListFilter):
    """Wallets that are empty, or hold money (the issuer's is negative: in neither)."""

    title = "balance"
    parameter_name = "balance"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("zero", "zero"), ("positive", "positive")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "zero":
            return queryset.filter(balance=0)
        if self.value() == "positive":
            return queryset.filter(balance__gt=0)
        return queryset


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ["id", "owner", "currency", "balance_display", "updated_at"]
    list_filter = ["kind", "currency", BalanceFilter, "updated_at"]
    search_fields = ["user__username", "user__display_name"]
    list_select_related = ["user"]
    ordering = ["-updated_at"]
    fields = ["kind", "user", "currency", "balance_display", "created_at", "updated_at"]
    readonly_fields = fields  # type: ignore[assignment]  # plain field names

    @admin.display(description="owner", ordering="user__username")
    def owner(self, obj: Wallet) -> str:
        return "— issuer —" if obj.kind == Wallet.Kind.ISSUER else str(obj.user)

    @admin.display(description="balance", ordering="balance")
    def balance_display(self, obj: Wallet) -> str:
        return _amount(obj.balance, obj.currency)

    def get_urls(self) -> list:
        return [
            path(
                "issue/",
                self.admin_site.admin_view(self.issue_view),
                name="payments_wallet_issue",
            ),
            path(
                "integrity/",
                self.admin_site.admin_view(self.integrity_view),
                name="payments_wallet_integrity",
            ),
            *super().get_urls(),
        ]

    def has_issue_permission(self, request: HttpRequest) -> bool:
        return has_permission(request.user, "payments.issue_money")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        extra_context = {**(extra_context or {}), "can_issue": self.has_issue_permission(request)}
        return super().changelist_view(request, extra_context)

    def _page(self, request: HttpRequest, template: str, title: str, **context: Any) -> Any:
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request,
            f"admin/payments/wallet/{template}",
            {
                **self.admin_site.each_context(request),
                "title": title,
                "subtitle": None,
                "opts": self.opts,
                **context,
            },
        )

    def issue_view(self, request: HttpRequest) -> HttpResponse:
        """Issue money to a user's wallet, or withdraw it, through the services."""
        if not self.has_issue_permission(request):
            raise PermissionDenied("You may not issue money.")
        form = IssueMoneyForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            data = form.cleaned_data
            service = (
                services.money_issue if data["direction"] == "issue" else services.money_withdraw
            )
            try:
                transfer = service(
                    actor=request_user(request),
                    user_id=data["user"].id,
                    amount=data["amount"],
                    currency=data["currency"],
                    reason=data["reason"],
                )
            except (ValidationError, PermissionDenied, Http404) as exc:
                form.add_error(None, error_text(exc))
            except Conflict as exc:
                form.add_error(None, exc.detail)
            else:
                done = "Issued" if data["direction"] == "issue" else "Withdrew"
                self.message_user(
                    request,
                    f"{done} {_amount(transfer.amount, transfer.currency)} "
                    f"({data['user'].username}); written to the audit log.",
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:payments_transfer_change", args=[transfer.pk]))
        return self._page(request, "issue.html", "Issue or withdraw money", form=form)

    def integrity_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self._page(request, "integrity.html", "Ledger integrity", report=ledger_check())


class IssueMoneyForm(forms.Form):
    direction = forms.ChoiceField(
        choices=[("issue", "Issue (money enters the wallet)"), ("withdraw", "Withdraw")],
        initial="issue",
        widget=forms.RadioSelect,
    )
    username = forms.CharField(max_length=32, label="User (username)")
    amount = forms.CharField(max_length=32, help_text="In major units, e.g. 100.00.")
    currency = forms.ChoiceField(choices=[])
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Written to the audit log.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["currency"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(code, code) for code in sorted(settings.PAYMENTS_CURRENCIES)]
        field.initial = money.default_currency()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        username = data.get("username")
        if username:
            user = User.objects.filter(username__iexact=username.strip()).first()
            if user is None:
                self.add_error("username", "No user with this username.")
            data["user"] = user
        if data.get("amount") and data.get("currency"):
            try:
                data["amount"] = money.parse_major(data["amount"], data["currency"])
            except ValidationError as exc:
                self.add_error("amount", error_text(exc))
        return data


class LedgerEntryInline(admin.TabularInline):
    model = LedgerEntry
    fields = ["wallet", "amount", "balance_after", "counterpart", "created_at"]
    readonly_fields = fields  # type: ignore[assignment]  # plain field names
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "created_at",
        "kind",
        "sender",
        "recipient",
        "amount_display",
        "status_display",
        "note",
    ]
    list_display_links = ["id", "created_at"]
    list_filter = ["kind", "currency", AmountFilter, "created_at"]
    search_fields = ["sender__username", "recipient__username", "note", "=idempotency_key"]
    list_select_related = ["sender", "recipient", "reversal"]
    ordering = ["-id"]
    date_hierarchy = "created_at"
    fields = [
        "kind",
        "sender",
        "recipient",
        "amount_display",
        "note",
        "status_display",
        "reverses",
        "created_by",
        "reason",
        "idempotency_key",
        "message",
        "created_at",
    ]
    readonly_fields = fields  # type: ignore[assignment]  # plain field names
    inlines = [LedgerEntryInline]
    actions = ["reverse_transfers"]
    action_form = ModerationActionForm

    @admin.display(description="amount", ordering="amount")
    def amount_display(self, obj: Transfer) -> str:
        return _amount(obj.amount, obj.currency)

    @admin.display(description="status")
    def status_display(self, obj: Transfer) -> str:
        return obj.status

    def has_reverse_permission(self, request: HttpRequest) -> bool:
        return has_permission(request.user, "payments.reverse_transfer")

    @admin.action(
        description="Reverse selected transfers (a new, opposite transfer; reason required)",
        permissions=["reverse"],
    )
    def reverse_transfers(self, request: HttpRequest, queryset: QuerySet[Transfer]) -> None:
        reason = action_reason(request)
        done = 0
        for transfer_id in queryset.values_list("id", flat=True):
            try:
                services.transfer_reverse(
                    actor=request_user(request), transfer_id=transfer_id, reason=reason
                )
            except (ValidationError, PermissionDenied, Http404) as exc:
                self.message_user(
                    request, f"Transfer {transfer_id}: {error_text(exc)}", messages.ERROR
                )
                continue
            except Conflict as exc:
                self.message_user(request, f"Transfer {transfer_id}: {exc.detail}", messages.ERROR)
                continue
            done += 1
        if done:
            self.message_user(
                request, f"Reversed {done} transfer(s); written to the audit log.", messages.SUCCESS
            )


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "created_at",
        "wallet",
        "amount",
        "balance_after",
        "transfer",
        "counterpart",
    ]
    list_filter = ["wallet__currency", "wallet__kind", "created_at"]
    search_fields = ["wallet__user__username", "counterpart__username"]
    list_select_related = ["wallet", "transfer", "counterpart"]
    ordering = ["-id"]
    date_hierarchy = "created_at"
    fields = ["transfer", "wallet", "amount", "balance_after", "counterpart", "created_at"]
    readonly_fields = fields  # type: ignore[assignment]  # plain field names

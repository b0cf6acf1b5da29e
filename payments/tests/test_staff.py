"""Money in, money out and corrections by staff: the services (permission, reason, audit
log), the admin (read-only lists, the issue page, the reverse action, the integrity page)
and the management commands."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.http import Http404

from accounts import services as accounts_services
from accounts.models import ModerationLog
from chat_project.exceptions import Conflict
from friends.tests.factories import make_friends
from messaging.models import Message
from payments import services
from payments.integrity import ledger_check
from payments.models import LedgerEntry, Transfer, Wallet
from payments.tests.factories import fund

pytestmark = pytest.mark.django_db


def balance(user):
    wallet = Wallet.objects.filter(user=user).first()
    return wallet.balance if wallet else 0


@pytest.fixture
def paid(user, other_user):
    """alice paid bob 30.00 of her 100.00, in their direct chat."""
    make_friends(user, other_user)
    fund(user, 100_00)
    transfer, _ = services.transfer_send(
        actor=user, to_user_id=other_user.id, amount=30_00, idempotency_key="k"
    )
    return transfer


# --- services ------------------------------------------------------------------------------


def test_issuing_moves_money_from_the_issuer_and_is_audited(treasurer, user):
    transfer = services.money_issue(
        actor=treasurer, user_id=user.id, amount=25_00, reason=" opening balance "
    )
    assert (transfer.kind, transfer.sender_id, transfer.recipient_id) == ("issue", None, user.id)
    assert balance(user) == 25_00
    assert Wallet.objects.get(kind="issuer").balance == -25_00
    log = ModerationLog.objects.get()
    assert (log.moderator, log.action, log.target_type, log.target_id) == (
        treasurer,
        "issue_money",
        "transfer",
        transfer.id,
    )
    assert (log.target_repr, log.reason) == ("25.00 EUR to alice", "opening balance")


def test_withdrawing_takes_money_back_to_the_issuer(treasurer, user):
    fund(user, 10_00)
    services.money_withdraw(actor=treasurer, user_id=user.id, amount=4_00, reason="payout")
    assert balance(user) == 6_00
    assert ModerationLog.objects.get().action == "withdraw_money"
    with pytest.raises(Conflict) as refused:
        services.money_withdraw(actor=treasurer, user_id=user.id, amount=6_01, reason="payout")
    assert refused.value.code == "insufficient_funds"


def test_money_leaves_a_banned_wallet_but_never_enters_it(treasurer, user):
    """A banned user's money stays in the wallet (the ledger is never edited) and staff
    take it out through the issuer; nothing new is issued to them."""
    fund(user, 10_00)
    accounts_services.user_deactivate(user=user, actor=treasurer)
    transfer = services.money_withdraw(
        actor=treasurer, user_id=user.id, amount=10_00, reason="banned: paid out"
    )
    assert (transfer.kind, transfer.sender_id, transfer.recipient_id) == (
        "withdrawal",
        user.id,
        None,
    )
    assert balance(user) == 0
    assert Wallet.objects.get(kind="issuer").balance == 0
    log = ModerationLog.objects.get(action="withdraw_money")
    assert (log.target_id, log.target_repr) == (transfer.id, "10.00 EUR from alice")
    with pytest.raises(Conflict) as refused:  # never below zero, banned or not
        services.money_withdraw(actor=treasurer, user_id=user.id, amount=1, reason="again")
    assert refused.value.code == "insufficient_funds"
    with pytest.raises(Http404):
        services.money_issue(actor=treasurer, user_id=user.id, amount=1, reason="x")
    with pytest.raises(Http404):
        services.money_withdraw(actor=treasurer, user_id=user.id + 999, amount=1, reason="x")
    assert Transfer.objects.count() == 2  # the funding and the withdrawal
    call_command("payments_integrity")


def test_the_admin_withdraws_from_a_banned_user(treasurer_client, treasurer, user):
    fund(user, 5_00)
    accounts_services.user_deactivate(user=user, actor=treasurer)
    response = treasurer_client.post(
        "/admin/payments/wallet/issue/",
        {
            "direction": "withdraw",
            "username": "alice",
            "amount": "5.00",
            "currency": "EUR",
            "reason": "banned: paid out",
        },
    )
    assert response.status_code == 302
    assert balance(user) == 0


@pytest.mark.parametrize("who", ["plain user", "staff without the permission", "inactive"])
def test_only_staff_with_the_permission_issue(treasurer, user, user_factory, who):
    actor = {
        "plain user": user_factory(),
        "staff without the permission": user_factory(is_staff=True),
        "inactive": treasurer,
    }[who]
    if who == "inactive":
        actor.is_active = False
        actor.save()
    with pytest.raises(PermissionDenied):
        services.money_issue(actor=actor, user_id=user.id, amount=1, reason="x")
    assert not Transfer.objects.exists() and not ModerationLog.objects.exists()


def test_issuing_needs_a_reason_and_stays_under_the_issue_limit(treasurer, user, settings):
    with pytest.raises(ValidationError):
        services.money_issue(actor=treasurer, user_id=user.id, amount=1, reason="  ")
    settings.PAYMENTS_ISSUE_LIMIT = 10
    with pytest.raises(Conflict) as refused:
        services.money_issue(actor=treasurer, user_id=user.id, amount=10_01, reason="x")
    assert refused.value.code == "limit_exceeded"
    assert not Transfer.objects.exists()


def test_a_reversal_restores_both_balances_and_is_audited(paid, treasurer, user, other_user):
    reversal = services.transfer_reverse(actor=treasurer, transfer_id=paid.id, reason="fraud")
    assert (reversal.kind, reversal.reverses_id, reversal.amount) == ("reversal", paid.id, 30_00)
    assert (reversal.sender_id, reversal.recipient_id) == (other_user.id, user.id)
    assert (balance(user), balance(other_user)) == (100_00, 0)
    paid.refresh_from_db()
    assert paid.status == "reversed"  # the original is never edited: a reversal points at it
    assert (paid.amount, paid.sender_id, paid.recipient_id) == (30_00, user.id, other_user.id)
    log = ModerationLog.objects.get(action="reverse_transfer")
    assert (log.moderator, log.target_id, log.reason) == (treasurer, paid.id, "fraud")
    assert log.target_repr == f"#{paid.id}: payment of 30.00 EUR"
    assert Message.objects.get(pk=paid.message_id).payload["status"] == "reversed"
    call_command("payments_integrity")


def test_a_transfer_is_reversed_once_and_a_reversal_never(paid, treasurer):
    reversal = services.transfer_reverse(actor=treasurer, transfer_id=paid.id, reason="x")
    with pytest.raises(Conflict) as twice:
        services.transfer_reverse(actor=treasurer, transfer_id=paid.id, reason="x")
    assert twice.value.code == "already_reversed"
    with pytest.raises(ValidationError):
        services.transfer_reverse(actor=treasurer, transfer_id=reversal.id, reason="x")


def test_a_payment_already_spent_cannot_be_reversed(paid, treasurer, other_user, user_factory):
    carol = user_factory(username="carol")
    make_friends(other_user, carol)
    services.transfer_send(actor=other_user, to_user_id=carol.id, amount=20_00, idempotency_key="c")
    with pytest.raises(Conflict) as refused:
        services.transfer_reverse(actor=treasurer, transfer_id=paid.id, reason="x")
    assert refused.value.code == "insufficient_funds"
    assert not ModerationLog.objects.filter(action="reverse_transfer").exists()


def test_reversing_needs_the_permission(paid, user_factory):
    with pytest.raises(PermissionDenied):
        services.transfer_reverse(
            actor=user_factory(is_staff=True), transfer_id=paid.id, reason="x"
        )


def test_the_treasurers_group_may_issue_and_reverse_and_moderators_only_look():
    treasurers = set(
        Group.objects.get(name="treasurers").permissions.values_list("codename", flat=True)
    )
    assert {"issue_money", "reverse_transfer", "view_wallet", "view_transfer"} <= treasurers
    moderators = set(
        Group.objects.get(name="moderators")
        .permissions.filter(content_type__app_label="payments")
        .values_list("codename", flat=True)
    )
    assert moderators == {"view_wallet", "view_transfer", "view_ledgerentry"}


# --- integrity -----------------------------------------------------------------------------


def test_the_integrity_check_reports_a_balance_that_does_not_add_up(paid, other_user, capsys):
    call_command("payments_integrity")
    assert "The ledger adds up." in capsys.readouterr().out
    Wallet.objects.filter(user=other_user).update(balance=31_00)  # money from nowhere
    with pytest.raises(CommandError, match=r"2 difference\(s\)"):
        call_command("payments_integrity")
    out = capsys.readouterr().out
    assert "balance 3100 but its entries sum to 3000" in out
    assert "EUR: users hold 10100 but 10000 was issued" in out


def test_the_integrity_check_finds_an_entry_on_someone_elses_wallet(paid, other_user, user_factory):
    """The entries of alice's payment to bob are moved: the plus lands on carol's wallet,
    with both balances "corrected" so that every sum still adds up. Only the entries'
    wallets tell: it is not the transfer's recipient who holds the money."""
    carol = user_factory(username="carol")
    fund(carol, 1)
    credit = paid.entries.get(amount__gt=0)
    credit.wallet = Wallet.objects.get(user=carol)
    credit.save()
    Wallet.objects.filter(user=other_user).update(balance=F("balance") - paid.amount)
    Wallet.objects.filter(user=carol).update(balance=F("balance") + paid.amount)
    report = ledger_check()
    assert report.problems == [
        f"transfer {paid.id}: entry {credit.id} of 3000 is on wallet {credit.wallet_id} "
        f"(EUR, user {carol.id}), not the recipient's wallet in the transfer's currency"
    ]


def test_the_integrity_check_finds_an_entry_in_another_currency(paid, user):
    debit = paid.entries.get(amount__lt=0)
    usd = fund(user, 30_00, currency="USD").entries.get(amount__gt=0).wallet
    LedgerEntry.objects.filter(pk=debit.pk).update(wallet=usd)
    problems = ledger_check().problems
    assert (
        f"transfer {paid.id}: entry {debit.id} of -3000 is on wallet {usd.id} "
        f"(USD, user {user.id}), not the sender's wallet in the transfer's currency"
    ) in problems


# --- commands ------------------------------------------------------------------------------


def test_issue_money_command(user, admin_user, capsys):
    call_command("issue_money", "alice", "12.34", reason="support ticket 7")
    assert balance(user) == 12_34
    assert "Issued 12.34 EUR to alice" in capsys.readouterr().out
    assert ModerationLog.objects.get().moderator == admin_user
    call_command("issue_money", "alice", "2", "--withdraw", reason="payout", by="admin")
    assert balance(user) == 10_34
    with pytest.raises(CommandError, match="2 decimal places"):
        call_command("issue_money", "alice", "1.005", reason="x")
    with pytest.raises(CommandError, match="Unknown currency"):
        call_command("issue_money", "alice", "1", reason="x", currency="XYZ")
    with pytest.raises(CommandError, match="not allowed"):
        call_command("issue_money", "alice", "1", reason="x", by="alice")


def test_seed_demo_payments_gives_the_demo_users_money_once():
    call_command("seed_demo")
    call_command("seed_demo_payments")
    call_command("seed_demo_payments")  # idempotent
    balances = dict(Wallet.objects.filter(kind="user").values_list("user__username", "balance"))
    assert balances == {"alice": 87_50, "bob": 112_50, "carol": 100_00}
    assert ModerationLog.objects.filter(action="issue_money").count() == 3
    call_command("payments_integrity")


# --- admin ---------------------------------------------------------------------------------


def test_the_admin_lists_are_read_only(admin_client, paid):
    for path in ("wallet", "transfer", "ledgerentry"):
        assert admin_client.get(f"/admin/payments/{path}/").status_code == 200
    page = admin_client.get(f"/admin/payments/transfer/{paid.id}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert admin_client.get("/admin/payments/transfer/add/").status_code == 403
    assert admin_client.post(f"/admin/payments/transfer/{paid.id}/delete/").status_code == 403
    filtered = admin_client.get("/admin/payments/transfer/", {"size": "10-100", "q": "alice"})
    assert filtered.status_code == 200
    assert f"/admin/payments/transfer/{paid.id}/change/".encode() in filtered.content


def test_the_admin_filters_wallets_by_balance(admin_client, paid, user_factory, treasurer):
    carol = user_factory(username="carol")
    fund(carol, 5_00)
    services.money_withdraw(actor=treasurer, user_id=carol.id, amount=5_00, reason="payout")
    wallets = {w.user.username if w.user else "issuer": w.id for w in Wallet.objects.all()}

    def listed(balance):
        page = admin_client.get("/admin/payments/wallet/", {"balance": balance})
        assert page.status_code == 200
        return {
            name
            for name, wallet_id in wallets.items()
            if f"/admin/payments/wallet/{wallet_id}/change/".encode() in page.content
        }

    assert listed("zero") == {"carol"}
    assert listed("positive") == {"alice", "bob"}  # 70.00 and 30.00; never the issuer
    assert listed("") == {"alice", "bob", "carol", "issuer"}


def test_the_admin_issue_page_issues_through_the_service(treasurer_client, treasurer, user):
    page = treasurer_client.get("/admin/payments/wallet/issue/")
    assert page.status_code == 200
    response = treasurer_client.post(
        "/admin/payments/wallet/issue/",
        {
            "direction": "issue",
            "username": "alice",
            "amount": "15.00",
            "currency": "EUR",
            "reason": "welcome",
        },
    )
    assert response.status_code == 302
    assert balance(user) == 15_00
    assert ModerationLog.objects.get().moderator == treasurer
    refused = treasurer_client.post(
        "/admin/payments/wallet/issue/",
        {"direction": "issue", "username": "alice", "amount": "1.001", "currency": "EUR"},
    )
    assert refused.status_code == 200
    assert b"decimal places" in refused.content and b"This field is required" in refused.content
    assert balance(user) == 15_00


def test_the_issue_page_is_for_staff_with_the_permission(moderator_client):
    assert moderator_client.get("/admin/payments/wallet/").status_code == 200
    assert moderator_client.get("/admin/payments/wallet/issue/").status_code == 403


def test_the_admin_reverse_action_needs_a_reason(treasurer_client, paid, user):
    url = "/admin/payments/transfer/"
    data = {"action": "reverse_transfers", "_selected_action": [paid.id], "index": 0}
    treasurer_client.post(url, data)
    assert balance(user) == 70_00  # no reason: nothing happened
    treasurer_client.post(url, {**data, "reason": "charged back"})
    assert balance(user) == 100_00
    assert ModerationLog.objects.get(action="reverse_transfer").reason == "charged back"


def test_the_admin_integrity_page(admin_client, paid):
    response = admin_client.get("/admin/payments/wallet/integrity/")
    assert response.status_code == 200
    assert b"The ledger adds up." in response.content

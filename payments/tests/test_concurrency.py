"""The ledger under concurrent transfers, on the real PostgreSQL with threads: each thread
has its own connection and transaction, as request threads do.

Then the books are checked by hand and with `payments_integrity` (the command CI relies
on: it exits non-zero on any difference).
"""

import random
import threading
import time
from collections import Counter

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from accounts.models import Notification
from accounts.tests.factories import DEFAULT_PASSWORD
from chat_project.exceptions import Conflict
from friends import selectors as friends_selectors
from friends import services as friends_services
from friends.tests.factories import make_friends
from leaving import services as leaving_services
from messaging.models import Message
from payments import services
from payments.integrity import ledger_check
from payments.models import LedgerEntry, Transfer, Wallet
from payments.services import transfers
from payments.tests.factories import fund
from tests.concurrency import run_concurrently

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.needs_services]

USERS = 10
THREADS = 8
TRANSFERS = 200
START = 10_00  # 10.00 EUR each


@pytest.fixture
def crowd(user_factory, settings):
    """Ten users, all friends with each other, 10.00 EUR each; no rate limit in the way."""
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "transfer": "100000/min"}
    people = [user_factory(username=f"p{i}") for i in range(USERS)]
    for i, person in enumerate(people):
        make_friends(person, *people[i + 1 :])
        fund(person, START)
    return people


def test_random_transfers_in_parallel_never_lose_or_make_money(crowd):
    rng = random.Random(19)
    plan = []
    for n in range(TRANSFERS):
        sender, recipient = rng.sample(crowd, 2)
        # Up to 6.00 of 10.00: many transfers go over what the sender has left.
        plan.append((sender, recipient, rng.randint(1, 6_00), f"t{n}"))
    chunks = [plan[i::THREADS] for i in range(THREADS)]

    def worker(chunk):
        def run():
            outcome = []
            for sender, recipient, amount, key in chunk:
                try:
                    services.transfer_send(
                        actor=sender, to_user_id=recipient.id, amount=amount, idempotency_key=key
                    )
                except Conflict as refused:
                    outcome.append(refused.code)
                else:
                    outcome.append("done")
            return outcome

        return run

    results = run_concurrently(*(worker(chunk) for chunk in chunks), timeout=240)
    # No thread died (a deadlock or any other database error would be here).
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    outcomes = Counter(code for result in results for code in result)
    assert set(outcomes) <= {"done", "insufficient_funds"}, outcomes
    done = outcomes["done"]
    assert done + outcomes["insufficient_funds"] == TRANSFERS
    assert outcomes["insufficient_funds"] > 20, "the plan should overdraw often"
    assert done > 50

    wallets = Wallet.objects.filter(kind=Wallet.Kind.USER)
    assert not wallets.filter(balance__lt=0).exists()
    for wallet in wallets:
        entries = wallet.entries.aggregate(total=Sum("amount"))["total"]
        assert wallet.balance == entries, wallet
    issued = USERS * START
    assert wallets.aggregate(total=Sum("balance"))["total"] == issued
    assert Wallet.objects.get(kind=Wallet.Kind.ISSUER).balance == -issued

    # The refused ones left nothing: one transfer, two entries, one message and one
    # notification per transfer that went through, and nothing more.
    payments = Transfer.objects.filter(kind=Transfer.Kind.PAYMENT)
    assert payments.count() == done
    assert LedgerEntry.objects.filter(transfer__kind=Transfer.Kind.PAYMENT).count() == 2 * done
    assert Message.objects.filter(message_type="transfer").count() == done
    assert Notification.objects.filter(type="transfer_received").count() == done
    assert not payments.filter(message__isnull=True).exists()

    # CI's integrity check on this data: exits 0 (a CommandError would be a non-zero exit).
    call_command("payments_integrity")


def test_a_double_submit_with_one_key_makes_one_transfer(user, other_user, settings):
    make_friends(user, other_user)
    fund(user, 50_00)

    def submit():
        return services.transfer_send(
            actor=user, to_user_id=other_user.id, amount=10_00, idempotency_key="double"
        )

    results = run_concurrently(submit, submit, submit, submit)
    assert not [r for r in results if isinstance(r, BaseException)], results
    transfers = {transfer.id for transfer, _ in results}
    assert len(transfers) == 1
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert Transfer.objects.filter(kind=Transfer.Kind.PAYMENT).count() == 1
    assert Message.objects.count() == 1
    assert Wallet.objects.get(user=user).balance == 40_00
    call_command("payments_integrity")


@pytest.mark.parametrize("ending", ["block", "unfriend"])
def test_a_block_at_the_same_moment_never_lets_a_payment_through_after_it(
    user, other_user, monkeypatch, ending
):
    """bob blocks (or unfriends) alice while her payment to him is between its checks and
    its commit (held there, at its last step). The block must not commit first and let the
    payment land after it: it waits for the payment's transaction (the friendship row is
    locked for its whole length), so when the block returns the payment is already there."""
    make_friends(user, other_user)
    fund(user, 10_00)
    paused, block_done = threading.Event(), threading.Event()
    real_announce = transfers.announce

    def announce_slowly(posted):
        paused.set()
        block_done.wait(timeout=3)  # with the lock, the block cannot finish meanwhile
        real_announce(posted)

    monkeypatch.setattr(transfers, "announce", announce_slowly)

    def pay():
        return services.transfer_send(
            actor=user, to_user_id=other_user.id, amount=5_00, idempotency_key="race"
        )

    def end_it():
        assert paused.wait(timeout=30)
        if ending == "block":
            friends_services.user_block(actor=other_user, user_id=user.id)
        else:
            friends_services.friendship_remove(actor=other_user, user_id=user.id)
        paid_before = Transfer.objects.filter(kind=Transfer.Kind.PAYMENT).exists()
        block_done.set()
        return paid_before

    payment, paid_before_the_block = run_concurrently(pay, end_it)
    assert not isinstance(payment, BaseException), payment
    assert not isinstance(paid_before_the_block, BaseException), paid_before_the_block
    # The payment committed before the block did: it never landed after the block.
    assert paid_before_the_block is True
    assert not friends_selectors.are_friends(user.id, other_user.id)
    with pytest.raises(PermissionDenied):  # and from now on, no payment gets through
        services.transfer_send(
            actor=user, to_user_id=other_user.id, amount=1_00, idempotency_key="after"
        )
    call_command("payments_integrity")


def test_the_integrity_check_reads_one_snapshot_while_money_moves(user, other_user):
    """Money is issued (and committed, by another connection) in the middle of the check,
    between its first queries and the totals: the check must not see half of it and
    report that users hold more than was issued."""
    fund(user, 10_00)
    issued = []

    def issue_meanwhile(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not issued and "payments_ledgerentry" in sql:  # the check has begun reading
            issued.extend(run_concurrently(lambda: fund(other_user, 5_00)))
        return result

    with connection.execute_wrapper(issue_meanwhile):
        report = ledger_check()
    assert issued and not isinstance(issued[0], BaseException), issued
    assert report.problems == []
    assert (report.issued, report.held) == ({"EUR": 10_00}, {"EUR": 10_00})
    assert ledger_check().issued == {"EUR": 15_00}  # the next check sees it all


def test_a_payment_and_the_payers_account_deletion_at_the_same_moment_do_not_deadlock(
    user, other_user, monkeypatch
):
    """The payment holds the friendship row's lock when the deletion starts: the deletion
    waits on that row to end the friendship, and the payment, which still has its rows to
    write, must not wait on the deletion in turn (the user row the deletion locked is
    referenced by the transfer). Both finish; the payment first."""
    make_friends(user, other_user)
    fund(user, 10_00)
    locked = threading.Event()
    real_recipient = transfers._recipient

    def recipient_then_wait_for_the_deletion(actor, to_user_id):
        found = real_recipient(actor, to_user_id)
        locked.set()
        deadline = time.monotonic() + 10
        with connection.cursor() as cursor:  # until the deletion waits on a lock we hold
            while time.monotonic() < deadline:
                cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                if cursor.fetchone()[0]:
                    break
                time.sleep(0.05)
        return found

    monkeypatch.setattr(transfers, "_recipient", recipient_then_wait_for_the_deletion)

    def pay():
        return services.transfer_send(
            actor=user, to_user_id=other_user.id, amount=4_00, idempotency_key="last"
        )

    def delete_account():
        assert locked.wait(timeout=30)
        leaving_services.account_delete(actor=user, password=DEFAULT_PASSWORD)

    payment, deleted = run_concurrently(pay, delete_account)
    assert not isinstance(payment, BaseException), payment
    assert not isinstance(deleted, BaseException), deleted
    assert Wallet.objects.get(user=other_user).balance == 4_00
    assert Wallet.objects.get(user=user).balance == 6_00  # for staff to withdraw
    call_command("payments_integrity")

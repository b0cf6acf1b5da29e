"""REST of payments: transfers between friends, the wallet, the history (docs/api.md,
"Payments")."""

import pytest
from django.test import override_settings

from accounts.models import Notification
from conversations.models import Conversation
from friends.tests.factories import block, make_friends
from messaging.models import Message
from payments.models import LedgerEntry, Transfer, Wallet
from payments.tests.factories import fund

pytestmark = pytest.mark.django_db

TRANSFER_KEYS = {
    "id",
    "kind",
    "sender",
    "recipient",
    "amount",
    "currency",
    "exponent",
    "note",
    "status",
    "reverses_id",
    "reversal_id",
    "conversation_id",
    "message_id",
    "created_at",
}


@pytest.fixture
def alice(client_for, user):
    return client_for(user)


@pytest.fixture
def bob(client_for, other_user):
    return client_for(other_user)


def pay(client, body):
    return client.post("/api/payments/transfers", body, format="json")


def body_to(user, **fields):
    return {"to_user_id": user.id, "amount": 1050, "idempotency_key": "k1", **fields}


def balance(user, currency="EUR"):
    wallet = Wallet.objects.filter(user=user, currency=currency).first()
    return wallet.balance if wallet else 0


# --- POST /api/payments/transfers ------------------------------------------------------------


def test_a_transfer_moves_money_and_posts_it_into_the_direct_chat(alice, user, other_user, friends):
    fund(user, 5000)
    response = pay(alice, body_to(other_user, note=" Pizza "))
    assert response.status_code == 201
    body = response.json()
    assert set(body) == TRANSFER_KEYS
    assert body["kind"] == "payment"
    assert body["sender"] == {"id": user.id, "username": "alice", "display_name": "Alice"}
    assert body["recipient"]["id"] == other_user.id
    assert (body["amount"], body["currency"], body["exponent"]) == (1050, "EUR", 2)
    assert body["note"] == "Pizza"
    assert body["status"] == "completed"
    assert (balance(user), balance(other_user)) == (3950, 1050)
    transfer = Transfer.objects.get(pk=body["id"])
    assert sorted(transfer.entries.values_list("amount", flat=True)) == [-1050, 1050]
    # The direct chat did not exist: it was created, and the message is in it.
    direct = Conversation.objects.get(type="direct")
    assert body["conversation_id"] == direct.id
    message = Message.objects.get(pk=body["message_id"])
    assert message.conversation_id == direct.id
    assert message.sender_id == user.id
    assert message.message_type == "transfer"
    assert message.content == "Sent 10.50 EUR: Pizza"
    assert message.payload == {
        "id": transfer.id,
        "amount": 1050,
        "currency": "EUR",
        "exponent": 2,
        "note": "Pizza",
        "status": "completed",
    }
    notification = Notification.objects.get(recipient=other_user)
    assert (notification.type, notification.actor_id) == ("transfer_received", user.id)
    assert (notification.conversation_id, notification.message_id) == (direct.id, message.id)


def test_the_transfer_message_reads_like_any_message(alice, bob, user, other_user, friends):
    fund(user, 5000)
    transfer = pay(alice, body_to(other_user)).json()
    history = bob.get(f"/api/messages/conversation/{transfer['conversation_id']}").json()
    assert [m["message_type"] for m in history] == ["transfer"]
    assert history[0]["transfer"] == {
        "id": transfer["id"],
        "amount": 1050,
        "currency": "EUR",
        "exponent": 2,
        "note": "",
        "status": "completed",
    }
    # A transfer message is not text to edit.
    response = alice.patch(f"/api/messages/{history[0]['id']}", {"content": "x"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Only a text message can be edited."]}


def test_the_same_idempotency_key_returns_the_same_transfer(alice, user, other_user, friends):
    fund(user, 5000)
    first = pay(alice, body_to(other_user))
    again = pay(alice, body_to(other_user))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Transfer.objects.filter(kind="payment").count() == 1
    assert Message.objects.count() == 1
    assert balance(user) == 5000 - 1050


def test_the_same_key_with_another_body_is_refused(alice, user, other_user, friends):
    fund(user, 5000)
    pay(alice, body_to(other_user))
    response = pay(alice, body_to(other_user, amount=2000))
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert Transfer.objects.filter(kind="payment").count() == 1


@pytest.mark.parametrize(
    ("change", "status", "where"),
    [
        ({"amount": 0}, 400, "amount"),
        ({"amount": -100}, 400, "amount"),
        ({"amount": 10.5}, 400, "amount"),
        ({"amount": 1050.0}, 400, "amount"),
        ({"amount": "1050"}, 400, "amount"),
        ({"amount": True}, 400, "amount"),
        ({"currency": "XYZ"}, 400, "currency"),
        ({"currency": "eur"}, 400, "currency"),
        ({"idempotency_key": ""}, 400, "idempotency_key"),
        ({"idempotency_key": None}, 400, "idempotency_key"),
        ({"note": "x" * 201}, 400, "note"),
        ({"to_user_id": "2"}, 400, "to_user_id"),
        ({"to_user_id": 10**6}, 404, "not_found"),
    ],
)
def test_bad_transfers_are_4xx_json_and_leave_no_trace(
    alice, user, other_user, friends, change, status, where
):
    fund(user, 5000)
    response = pay(alice, body_to(other_user, **change))
    assert response.status_code == status
    body = response.json()
    assert where in body or body.get("code") == where, body
    assert Transfer.objects.filter(kind="payment").count() == 0
    assert (balance(user), balance(other_user)) == (5000, 0)


def test_a_missing_field_is_400(alice, other_user, friends):
    response = pay(alice, {"to_user_id": other_user.id, "idempotency_key": "k"})
    assert response.status_code == 400
    assert "amount" in response.json()


def test_yourself_is_400(alice, user):
    fund(user, 5000)
    response = pay(alice, body_to(user))
    assert response.status_code == 400
    assert response.json() == {"to_user_id": ["You cannot send money to yourself."]}


def test_a_stranger_is_403(alice, user, other_user):
    fund(user, 5000)
    response = pay(alice, body_to(other_user))
    assert response.status_code == 403
    assert response.json() == {
        "detail": "You can only send money to a friend.",
        "code": "permission_denied",
    }


@pytest.mark.parametrize("who_blocks", ["sender", "recipient"])
def test_a_block_either_way_is_403(alice, user, other_user, friends, who_blocks):
    fund(user, 5000)
    if who_blocks == "sender":
        block(user, other_user)
    else:
        block(other_user, user)
    response = pay(alice, body_to(other_user))
    assert response.status_code == 403
    assert response.json()["detail"] == "You cannot send money to this user."
    assert not Conversation.objects.exists()


def test_a_disabled_recipient_is_404(alice, user, other_user, friends):
    fund(user, 5000)
    other_user.is_active = False
    other_user.save()
    assert pay(alice, body_to(other_user)).status_code == 404


def test_more_than_the_balance_is_409_insufficient_funds(alice, user, other_user, friends):
    fund(user, 1000)
    response = pay(alice, body_to(other_user, amount=1001))
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Your balance is too low for this transfer.",
        "code": "insufficient_funds",
    }
    assert not Message.objects.exists() and not Notification.objects.exists()
    # Nothing was written: no wallet for bob, no entries but the funding's.
    assert not Wallet.objects.filter(user=other_user).exists()
    assert LedgerEntry.objects.count() == 2


@override_settings(PAYMENTS_TRANSFER_LIMIT=10, PAYMENTS_DAILY_LIMIT=25)
def test_the_transfer_and_daily_limits_are_409_limit_exceeded(alice, user, other_user, friends):
    fund(user, 100_00)
    over_one = pay(alice, body_to(other_user, amount=1001, idempotency_key="a"))
    assert over_one.status_code == 409
    assert over_one.json()["code"] == "limit_exceeded"
    assert over_one.json()["detail"] == "One transfer may send at most 10.00 EUR."
    assert pay(alice, body_to(other_user, amount=1000, idempotency_key="b")).status_code == 201
    assert pay(alice, body_to(other_user, amount=1000, idempotency_key="c")).status_code == 201
    over_day = pay(alice, body_to(other_user, amount=501, idempotency_key="d"))
    assert over_day.status_code == 409
    assert over_day.json() == {
        "detail": "This transfer would take you over the daily limit of 25.00 EUR.",
        "code": "limit_exceeded",
    }
    assert pay(alice, body_to(other_user, amount=500, idempotency_key="e")).status_code == 201


def test_transfers_are_throttled_but_a_replay_is_answered(
    alice, user, other_user, friends, settings
):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "transfer": "2/min"}
    fund(user, 5000)
    assert pay(alice, body_to(other_user, amount=1, idempotency_key="a")).status_code == 201
    assert pay(alice, body_to(other_user, amount=1, idempotency_key="b")).status_code == 201
    response = pay(alice, body_to(other_user, amount=1, idempotency_key="c"))
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) >= 1
    assert pay(alice, body_to(other_user, amount=1, idempotency_key="a")).status_code == 200


def test_anonymous_is_401(api_client, other_user):
    response = api_client.post("/api/payments/transfers", body_to(other_user), format="json")
    assert response.status_code == 401


# --- GET /api/payments/transfers/{id} ----------------------------------------------------------


def test_both_parties_read_a_transfer_and_nobody_else(
    alice, bob, client_for, user, other_user, stranger, friends
):
    fund(user, 5000)
    transfer_id = pay(alice, body_to(other_user)).json()["id"]
    assert alice.get(f"/api/payments/transfers/{transfer_id}").status_code == 200
    assert bob.get(f"/api/payments/transfers/{transfer_id}").json()["id"] == transfer_id
    response = client_for(stranger).get(f"/api/payments/transfers/{transfer_id}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Transfer not found.", "code": "not_found"}
    for missing in (transfer_id + 1000, "abc", 0, 2**63):
        assert alice.get(f"/api/payments/transfers/{missing}").status_code == 404


# --- GET /api/payments/wallet ----------------------------------------------------------------


def test_the_wallet_lists_the_default_currency_before_the_first_transfer(alice, user):
    response = alice.get("/api/payments/wallet")
    assert response.status_code == 200
    assert response.json() == {
        "default_currency": "EUR",
        "balances": [
            {
                "currency": "EUR",
                "exponent": 2,
                "balance": 0,
                "transfer_limit": 1000_00,
                "daily_limit": 5000_00,
                "daily_sent": 0,
            }
        ],
    }
    assert not Wallet.objects.exists()  # reading creates nothing


def test_the_wallet_shows_every_currency_and_what_was_sent(alice, user, other_user, friends):
    fund(user, 5000)
    fund(user, 7, currency="JPY")
    pay(alice, body_to(other_user, amount=1234))
    balances = alice.get("/api/payments/wallet").json()["balances"]
    assert [(b["currency"], b["balance"], b["exponent"], b["daily_sent"]) for b in balances] == [
        ("EUR", 5000 - 1234, 2, 1234),
        ("JPY", 7, 0, 0),
    ]
    assert balances[1]["transfer_limit"] == 1000


# --- GET /api/payments/transactions ----------------------------------------------------------


def test_the_history_is_newest_first_in_both_directions(alice, bob, user, other_user, friends):
    fund(user, 5000)
    pay(alice, body_to(other_user, amount=100, idempotency_key="a", note="one"))
    pay(bob, body_to(user, amount=40, idempotency_key="b", note="back"))
    rows = alice.get("/api/payments/transactions").json()
    assert [(r["kind"], r["amount"], r["note"], r["balance_after"]) for r in rows] == [
        ("payment", 40, "back", 4940),
        ("payment", -100, "one", 4900),
        ("issue", 5000, "", 5000),
    ]
    assert rows[0]["counterpart"] == {"id": other_user.id, "username": "bob", "display_name": "Bob"}
    assert rows[2]["counterpart"] is None  # the issuer
    assert set(rows[0]) == {
        "id",
        "transfer_id",
        "kind",
        "amount",
        "currency",
        "exponent",
        "balance_after",
        "counterpart",
        "note",
        "status",
        "created_at",
    }
    assert [r["amount"] for r in bob.get("/api/payments/transactions").json()] == [-40, 100]


def test_the_history_filters_by_counterpart_and_pages_with_before(
    alice, user, other_user, user_factory
):
    carol = user_factory(username="carol")
    make_friends(user, other_user, carol)
    fund(user, 5000)
    for n, to in enumerate([other_user, carol, other_user, carol, other_user]):
        pay(alice, body_to(to, amount=10 + n, idempotency_key=f"k{n}"))
    with_bob = alice.get("/api/payments/transactions", {"counterpart": other_user.id}).json()
    assert [r["amount"] for r in with_bob] == [-14, -12, -10]
    first = alice.get("/api/payments/transactions", {"limit": 2})
    assert [r["amount"] for r in first.json()] == [-14, -13]
    link = first["Link"]
    assert link.endswith('rel="next"') and f"before={first.json()[-1]['id']}" in link
    after = first.json()[-1]["id"]
    rest = alice.get("/api/payments/transactions", {"limit": 2, "before": after}).json()
    assert [r["amount"] for r in rest] == [-12, -11]
    last = alice.get("/api/payments/transactions", {"limit": 10, "before": rest[-1]["id"]})
    assert [r["amount"] for r in last.json()] == [-10, 5000]
    assert "Link" not in last  # not a full page: nothing older


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": 101}, {"before": -1}, {"counterpart": "x"}, {"currency": "X"}],
)
def test_bad_history_parameters_are_400(alice, params):
    assert alice.get("/api/payments/transactions", params).status_code == 400


def _history_of(user_factory, user, n):
    """`user` paid `n` friends once each (a friendship and a direct chat per payment)."""
    fund(user, 100 * n)
    from payments import services

    for i in range(n):
        friend = user_factory()
        make_friends(user, friend)
        services.transfer_send(actor=user, to_user_id=friend.id, amount=1, idempotency_key=f"{i}")


@pytest.mark.parametrize("n", [5, 10])
def test_the_history_costs_the_same_queries_for_n_and_2n(
    alice, user, user_factory, n, django_assert_num_queries
):
    _history_of(user_factory, user, n)
    # One query for the page; DRF's throttle counts in Redis, not in the database.
    with django_assert_num_queries(1):
        response = alice.get("/api/payments/transactions", {"limit": 100})
    assert len(response.json()) == n + 1

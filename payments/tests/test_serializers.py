"""The payments representations are built by hand (payments/api/serializers.py): their keys
must be exactly the fields the serializers declare, which are what the OpenAPI schema
documents."""

import pytest

from friends.tests.factories import make_friends
from payments import selectors, services
from payments.api import serializers as s
from payments.tests.factories import fund
from tests.schema import documented_properties

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("serializer", "component"),
    [
        (s.TransferSerializer, "Transfer"),
        (s.TransactionSerializer, "Transaction"),
        (s.BalanceSerializer, "Balance"),
        (s.WalletSerializer, "Wallet"),
        (s.PartySerializer, "Party"),
    ],
)
def test_declared_fields_are_the_documented_ones(serializer, component):
    assert documented_properties(component) == set(serializer().fields)


def test_representations_have_exactly_the_declared_fields(user, other_user):
    make_friends(user, other_user)
    fund(user, 100)
    transfer, _ = services.transfer_send(
        actor=user, to_user_id=other_user.id, amount=10, idempotency_key="k"
    )
    loaded = selectors.transfer_get_for_user(user_id=user.id, transfer_id=transfer.id)
    for instance in (transfer, loaded):
        assert set(s.transfer_representation(instance)) == set(s.TransferSerializer().fields)
    (entry, *_) = selectors.transactions_for_user(user_id=user.id)
    assert set(s.transaction_representation(entry)) == set(s.TransactionSerializer().fields)
    wallet = s.wallet_representation(selectors.balances_for_user(user_id=user.id))
    assert set(wallet) == set(s.WalletSerializer().fields)
    assert set(wallet["balances"][0]) == set(s.BalanceSerializer().fields)
    assert s.transfer_representation(transfer) == s.transfer_representation(loaded)

"""What a payment announces, after commit only: exactly these events, and none when it is
refused. (Over real sockets: test_consumers.py.)"""

import pytest

from chat_project.exceptions import Conflict
from payments import services
from payments.tests.factories import fund

pytestmark = pytest.mark.django_db


def test_a_payment_announces_the_chat_the_message_the_notification_and_both_balances(
    user, other_user, friends, sent_events, django_capture_on_commit_callbacks
):
    fund(user, 20_00)
    with django_capture_on_commit_callbacks(execute=True):
        transfer, _ = services.transfer_send(
            actor=user, to_user_id=other_user.id, amount=5_00, idempotency_key="k"
        )
    message = transfer.message
    kinds = [(group, event["type"]) for group, event in sent_events]
    assert kinds == [
        (f"user.{user.id}", "conversation_created"),
        (f"user.{other_user.id}", "conversation_created"),
        (f"conversation.{message.conversation_id}", "new_message"),
        (f"user.{other_user.id}", "notification"),
        (f"user.{user.id}", "wallet_updated"),
        (f"user.{other_user.id}", "wallet_updated"),
    ]
    wallet_events = [event for _, event in sent_events if event["type"] == "wallet_updated"]
    assert wallet_events[1] == {
        "type": "wallet_updated",
        "balance": {
            "currency": "EUR",
            "exponent": 2,
            "balance": 5_00,
            "transfer_limit": 1000_00,
            "daily_limit": 5000_00,
            "daily_sent": 0,
        },
        "transfer_id": transfer.id,
    }
    assert sent_events[2][1]["message"]["transfer"]["id"] == transfer.id


def test_a_replay_and_a_refusal_announce_nothing(
    user, other_user, friends, direct, sent_events, django_capture_on_commit_callbacks
):
    fund(user, 20_00)
    services.transfer_send(actor=user, to_user_id=other_user.id, amount=5_00, idempotency_key="k")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.transfer_send(
            actor=user, to_user_id=other_user.id, amount=5_00, idempotency_key="k"
        )
        with pytest.raises(Conflict):
            services.transfer_send(
                actor=user, to_user_id=other_user.id, amount=15_01, idempotency_key="other"
            )
    assert callbacks == []
    assert sent_events == []

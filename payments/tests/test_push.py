"""A payment is announced in the direct chat as a message: it pushes as a direct message
(messaging.push), through a real local push service (tests/push_service.py)."""

import pytest

from friends.tests.factories import make_friends
from messaging.tests import test_push as messaging_push
from payments.services import transfer_send
from payments.tests.factories import fund

pytestmark = pytest.mark.django_db

# The local push service and on-commit runner of messaging's push tests.
push_service = messaging_push.push_service
run_on_commit = messaging_push.run_on_commit
subscribe = messaging_push.subscribe


def test_a_payment_is_a_direct_message_and_pushes(user, other_user, push_service, run_on_commit):
    make_friends(user, other_user)
    keys = subscribe(other_user, push_service, "bob")
    fund(user, 5000)

    with run_on_commit(execute=True):
        transfer_send(actor=user, to_user_id=other_user.id, amount=1050, idempotency_key="k1")

    (push,) = push_service.pushes()
    payload = keys.decrypt(push)
    assert payload["conversation"]["type"] == "direct"
    assert payload["sender"]["id"] == user.id

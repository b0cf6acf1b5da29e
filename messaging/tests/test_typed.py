"""Messages of another type than text, posted by a higher app's service (messaging.services.typed):
stored with their payload, shown in the one representation, announced after commit only."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from friends.tests.factories import block
from messaging import services
from messaging.events import message_payload
from messaging.models import Message

pytestmark = pytest.mark.django_db(transaction=True)

PAYLOAD = {"id": 7, "amount": 1050, "currency": "EUR", "exponent": 2, "note": "", "status": "x"}


def post(actor, conversation, **kwargs):
    fields = {"content": "Sent 10.50 EUR", "message_type": "transfer", "payload": PAYLOAD}
    return services.message_post(
        actor=actor, conversation_id=conversation.id, **{**fields, **kwargs}
    )


def test_a_posted_message_keeps_its_type_and_payload(user, direct, sent_events):
    services.message_send(actor=user, conversation_id=direct.id, content="hi")
    message = post(user, direct)
    stored = Message.objects.get(pk=message.id)
    assert (stored.seq, stored.message_type, stored.payload) == (2, "transfer", PAYLOAD)
    representation = message_payload(stored)
    assert representation["message_type"] == "transfer"
    assert representation["transfer"] == PAYLOAD
    assert representation == message_payload(message)  # as written == as read back
    direct.refresh_from_db()
    assert direct.last_message_id == message.id
    assert sent_events[-1] == (
        f"conversation.{direct.id}",
        {"type": "new_message", "message": representation},
    )


def test_a_text_message_shows_no_transfer(user, direct):
    message, _ = services.message_send(actor=user, conversation_id=direct.id, content="hi")
    assert message_payload(message)["transfer"] is None
    assert Message.objects.get(pk=message.id).payload is None


def test_nothing_is_announced_when_the_callers_transaction_rolls_back(user, direct, sent_events):
    with pytest.raises(RuntimeError), transaction.atomic():
        post(user, direct)
        raise RuntimeError("the caller's write failed")
    assert not Message.objects.exists()
    assert sent_events == []


def test_the_rules_about_people_still_hold(user, other_user, outsider, direct):
    with pytest.raises(Http404):
        post(outsider, direct)
    block(other_user, user)
    with pytest.raises(PermissionDenied):
        post(user, direct)
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    "change",
    [{"message_type": "text"}, {"message_type": "nope"}, {"payload": [1]}, {"content": ""}],
)
def test_only_other_types_with_an_object_payload_and_text(user, direct, change):
    with pytest.raises(ValidationError):
        post(user, direct, **change)


def test_a_payload_update_is_announced_as_message_updated(user, direct, sent_events):
    message = post(user, direct)
    changed = {**PAYLOAD, "status": "reversed"}
    services.message_payload_update(message_id=message.id, payload=changed)
    assert Message.objects.get(pk=message.id).payload == changed
    group, event = sent_events[-1]
    assert group == f"conversation.{direct.id}"
    assert event["type"] == "message_updated"
    assert event["message"]["transfer"] == changed
    assert event["message"]["edited_at"] is None  # not an edit by the sender
    count = len(sent_events)
    services.message_payload_update(message_id=message.id, payload=changed)  # the same again
    assert len(sent_events) == count


def test_a_text_message_has_no_payload_to_update(user, direct):
    message, _ = services.message_send(actor=user, conversation_id=direct.id, content="hi")
    with pytest.raises(ValidationError):
        services.message_payload_update(message_id=message.id, payload=PAYLOAD)
    with pytest.raises(Http404):
        services.message_payload_update(message_id=10**9, payload=PAYLOAD)


def test_a_deleted_posted_message_hides_its_payload_like_its_text(user, direct):
    message = post(user, direct)
    services.message_delete(actor=user, message_id=message.id)
    shown = message_payload(Message.objects.select_related("sender").get(pk=message.id))
    assert (shown["content"], shown["transfer"], shown["is_deleted"]) == ("", None, True)

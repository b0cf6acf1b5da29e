"""The message representation is built by hand (`message_row_representation`): its keys
must be exactly the fields `MessageSerializer` declares, which are what the OpenAPI schema
documents."""

import pytest

from conversations.tests.factories import group_with
from messaging.api.serializers import (
    MESSAGE_ROW_FIELDS,
    MessageSerializer,
    message_representation,
    message_row_representation,
)
from messaging.models import Message
from messaging.tests.factories import MessageFactory
from tests.schema import documented_properties

pytestmark = pytest.mark.django_db


def declared() -> set[str]:
    return set(MessageSerializer().fields)


def test_declared_fields_are_the_documented_ones():
    assert declared() == set(MessageSerializer.Meta.fields)
    assert documented_properties("Message") == declared()


def test_a_message_from_an_instance_has_exactly_the_declared_fields(user):
    message = MessageFactory(conversation=group_with(user), sender=user)
    assert set(MessageSerializer(message).data) == declared()
    assert set(message_representation(message)) == declared()


def test_a_message_from_a_row_has_exactly_the_declared_fields(user):
    message = MessageFactory(conversation=group_with(user), sender=user, is_deleted=True)
    row = Message.objects.values(*MESSAGE_ROW_FIELDS).get(id=message.id)
    assert set(message_row_representation(row)) == declared()

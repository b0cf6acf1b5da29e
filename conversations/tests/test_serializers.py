"""The conversation representation is built by hand (`ConversationSerializer.
to_representation`): its keys must be exactly the fields the serializer declares, which
are what the OpenAPI schema documents. Without a viewer (events to every member) the
per-viewer fields are left out, and nothing else."""

import pytest

from conversations.api.serializers import ConversationSerializer, last_messages_for
from conversations.selectors import conversation_page_for_user
from conversations.tests.factories import direct_conversation, group_with
from messaging.tests.factories import MessageFactory
from tests.schema import documented_properties

pytestmark = pytest.mark.django_db

PER_VIEWER = {
    "unread_count",
    "unread_mentions",
    "last_read_message_id",
    "notification_level",
    "muted_until",
}


def declared() -> set[str]:
    return set(ConversationSerializer().fields)


def test_declared_fields_are_the_documented_ones():
    assert declared() == set(ConversationSerializer.Meta.fields)
    assert documented_properties("Conversation") == declared()


@pytest.mark.parametrize("kind", ["group", "direct"])
def test_a_conversation_has_exactly_the_declared_fields(kind, user, other_user):
    chat = (
        group_with(user, other_user) if kind == "group" else direct_conversation(user, other_user)
    )
    MessageFactory(conversation=chat, sender=other_user)
    chat.refresh_from_db()
    for_viewer = ConversationSerializer(chat, context={"viewer_id": user.id}).data
    assert set(for_viewer) == declared()
    assert set(ConversationSerializer(chat).data) == declared() - PER_VIEWER
    assert set(for_viewer["last_message"]) == documented_properties("Message")
    assert [set(m) for m in for_viewer["members"]] == [documented_properties("Member")] * 2


def test_a_listed_conversation_row_has_exactly_the_declared_fields(user, other_user):
    """Lists render `selectors.ConversationRow`s, not instances: the same keys."""
    MessageFactory(conversation=group_with(user, other_user), sender=other_user)
    direct_conversation(user, other_user)
    rows = conversation_page_for_user(user_id=user.id)
    context = {"viewer_id": user.id, "last_messages": last_messages_for(rows)}
    serializer = ConversationSerializer(context=context)
    assert [set(serializer.to_representation(row)) for row in rows] == [declared()] * 2

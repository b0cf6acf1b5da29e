"""Replies (`reply_to`): what may be answered, and the quoted preview as it is now."""

import pytest
from django.core.exceptions import ValidationError

from conversations.tests.factories import group_with
from messaging import services
from messaging.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

REFUSED = {"reply_to": ["Reply to a message of this conversation that is not deleted."]}


@pytest.fixture
def alice(client_for, user):
    return client_for(user)


@pytest.fixture
def original(group, other_user):
    return MessageFactory(
        conversation=group, sender=other_user, content="\n  Release on **Friday**?  \nsecond line"
    )


def post(client, body):
    return client.post("/api/messages", body, format="json")


def quote_of(message, other_user, preview="Release on **Friday**?", deleted=False):
    return {
        "id": message.id,
        "sender": {"id": other_user.id, "username": "bob", "display_name": "Bob"},
        "preview": preview,
        "has_attachments": False,
        "deleted": deleted,
    }


def test_a_reply_carries_the_quoted_original(
    alice, user, other_user, group, original, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            alice, {"conversation_id": group.id, "content": "yes", "reply_to": original.id}
        )
    assert response.status_code == 201
    body = response.json()
    assert body["reply_to"] == quote_of(original, other_user)
    ((_, event),) = sent_events
    assert event == {"type": "new_message", "message": body}


def test_the_preview_follows_edits_and_deletion(alice, user, other_user, group, original):
    reply, _ = services.message_send(
        actor=user, conversation_id=group.id, content="yes", reply_to=original.id
    )
    services.message_edit(actor=other_user, message_id=original.id, content="Release on Monday")
    history = alice.get(f"/api/messages/conversation/{group.id}").json()
    assert history[-1]["reply_to"] == quote_of(original, other_user, "Release on Monday")
    services.message_delete(actor=other_user, message_id=original.id)
    again = alice.get(f"/api/messages/{reply.id}").json()
    assert again["reply_to"] == quote_of(original, other_user, "", deleted=True)


def test_a_long_first_line_is_cut(user, group, other_user):
    original = MessageFactory(conversation=group, sender=other_user, content="x" * 300)
    reply, _ = services.message_send(
        actor=user, conversation_id=group.id, content="ok", reply_to=original.id
    )
    from messaging.api.serializers import message_representation

    preview = message_representation(reply)["reply_to"]["preview"]
    assert preview == "x" * 99 + "…"


def test_a_reply_to_another_conversation_is_refused(alice, user, group):
    elsewhere = MessageFactory(conversation=group_with(user), sender=user)  # alice is in it
    response = post(alice, {"conversation_id": group.id, "content": "x", "reply_to": elsewhere.id})
    assert (response.status_code, response.json()) == (400, REFUSED)


@pytest.mark.parametrize("reply_to", [999_999, 2**63 - 1])
def test_a_reply_to_an_unknown_message_is_refused(alice, group, reply_to):
    response = post(alice, {"conversation_id": group.id, "content": "x", "reply_to": reply_to})
    assert (response.status_code, response.json()) == (400, REFUSED)


def test_a_reply_to_a_deleted_message_is_refused(alice, user, group, original):
    services.message_delete(actor=original.sender, message_id=original.id)
    response = post(alice, {"conversation_id": group.id, "content": "x", "reply_to": original.id})
    assert (response.status_code, response.json()) == (400, REFUSED)


@pytest.mark.parametrize("reply_to", ["5", True, 1.5, [1], 0, -3])
def test_reply_to_must_be_a_message_id(alice, group, reply_to):
    response = post(alice, {"conversation_id": group.id, "content": "x", "reply_to": reply_to})
    assert response.status_code == 400
    assert list(response.json()) == ["reply_to"]


def test_null_reply_to_is_no_reply(alice, group):
    response = post(alice, {"conversation_id": group.id, "content": "x", "reply_to": None})
    assert (response.status_code, response.json()["reply_to"]) == (201, None)


def test_a_non_member_learns_nothing_from_reply_to(client_for, outsider, group, original):
    mallory = client_for(outsider)
    for reply_to in (original.id, 999_999):
        response = post(
            mallory, {"conversation_id": group.id, "content": "x", "reply_to": reply_to}
        )
        assert response.status_code == 404


def test_the_service_refuses_a_reply_from_elsewhere(user, group, direct):
    elsewhere = MessageFactory(conversation=direct, sender=user)
    with pytest.raises(ValidationError) as info:
        services.message_send(
            actor=user, conversation_id=group.id, content="x", reply_to=elsewhere.id
        )
    assert info.value.message_dict == REFUSED


def test_a_deleted_reply_shows_no_quote(alice, user, group, original):
    reply, _ = services.message_send(
        actor=user, conversation_id=group.id, content="yes", reply_to=original.id
    )
    services.message_delete(actor=user, message_id=reply.id)
    assert alice.get(f"/api/messages/{reply.id}").json()["reply_to"] is None


def test_the_quote_says_whether_the_original_has_attachments(alice, user, group, original):
    from messaging.tests.factories import AttachmentFactory

    AttachmentFactory(message=original)
    reply, _ = services.message_send(
        actor=user, conversation_id=group.id, content="nice", reply_to=original.id
    )
    from messaging.api.serializers import message_representation

    assert message_representation(reply)["reply_to"]["has_attachments"] is True  # as sent
    page = alice.get(f"/api/messages/conversation/{group.id}").json()
    assert page[-1]["reply_to"]["has_attachments"] is True  # as read (a subquery)
    listed = alice.get("/api/conversations").json()
    assert listed[0]["last_message"]["reply_to"]["has_attachments"] is True

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.tests.factories import UserFactory
from conversations.tests.factories import public_room_with
from messaging.models import Message
from messaging.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:messaging_message_changelist")


@pytest.fixture
def message_editor(client):
    staff = UserFactory(username="mod", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="messaging", codename__in=["view_message", "change_message"]
        )
    )
    client.force_login(staff)
    return staff


@pytest.fixture
def viewer(client):
    """Staff who may look but not redact."""
    staff = UserFactory(username="viewer", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_message"))
    client.force_login(staff)
    return staff


@pytest.fixture
def room(user, other_user):
    """A public room: staff read its messages in the admin (private ones: test_admin_privacy)."""
    return public_room_with(user, other_user, name="Team")


def redact(client, *messages, url=CHANGELIST):
    """The action, confirmed on its page with the required reason."""
    return client.post(
        url,
        {
            "action": "redact_messages",
            "_selected_action": [m.id for m in messages],
            "confirm": "yes",
            "reason": "spam",
        },
        follow=True,
    )


def test_changelist_search_and_filters(admin_client, user, room):
    MessageFactory(conversation=room, sender=user, content="find the needle")
    MessageFactory(conversation=room, sender=user, content="other", is_deleted=True)
    response = admin_client.get(CHANGELIST, {"q": "needle"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list.values_list("content", flat=True)) == [
        "find the needle"
    ]
    assert admin_client.get(CHANGELIST, {"q": "alice"}).context["cl"].result_count == 2
    assert admin_client.get(CHANGELIST, {"q": "Team"}).context["cl"].result_count == 2
    filtered = admin_client.get(CHANGELIST, {"is_deleted__exact": "1"})
    assert filtered.context["cl"].result_count == 1
    assert admin_client.get(CHANGELIST, {"message_type__exact": "text"}).status_code == 200


def test_changelist_query_count_constant(admin_client, user, group, django_assert_max_num_queries):
    for _ in range(5):
        MessageFactory(conversation=group, sender=UserFactory())
    with django_assert_max_num_queries(12) as first:
        admin_client.get(CHANGELIST)
    for _ in range(10):
        MessageFactory(conversation=group, sender=UserFactory())
    with django_assert_max_num_queries(len(first.captured_queries)):
        admin_client.get(CHANGELIST)


def test_change_page_is_read_only_and_shows_moderation_text(admin_client, user, room):
    message = MessageFactory(conversation=room, sender=user, content="rude words", is_deleted=True)
    url = reverse("admin:messaging_message_change", args=[message.id])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert b"rude words" in response.content  # moderators see the original
    assert b'name="content"' not in response.content  # ... but cannot rewrite it
    admin_client.post(url, {"content": "rewritten"})
    message.refresh_from_db()
    assert message.content == "rude words"


def test_no_add_and_no_hard_delete(admin_client, user, group):
    message = MessageFactory(conversation=group, sender=user)
    assert admin_client.get(reverse("admin:messaging_message_add")).status_code == 403
    delete_url = reverse("admin:messaging_message_delete", args=[message.id])
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    response = admin_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [message.id]}, follow=True
    )
    assert response.status_code == 200
    assert Message.objects.filter(pk=message.id).exists()


def test_redact_action_goes_through_service(
    client, message_editor, user, group, sent_events, django_capture_on_commit_callbacks
):
    live = MessageFactory(conversation=group, sender=user, content="bad")
    already = MessageFactory(conversation=group, sender=user, is_deleted=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = redact(client, live, already)
    assert response.status_code == 200
    assert b"Redacted 1 message(s)." in response.content
    live.refresh_from_db()
    assert live.is_deleted and live.deleted_by_id == message_editor.id and live.deleted_at
    assert live.content == "bad"  # kept for the moderation record
    assert sent_events == [
        (
            f"conversation.{group.id}",
            {
                "type": "message_deleted",
                "conversation_id": group.id,
                "message_id": live.id,
                "change_seq": 3,  # sent (1), the deleted one sent (2), redacted (3)
            },
        )
    ]


def test_redact_from_the_change_page(client, message_editor, user, group):
    message = MessageFactory(conversation=group, sender=user)
    url = reverse("admin:messaging_message_change", args=[message.id])
    response = client.post(
        url,
        {"CHANGE_FORM-action": "redact_messages", "_selected_action": [message.id]},
        follow=True,
    )
    # first the confirmation page, which posts to the change list with a required reason
    assert response.status_code == 200
    assert response.templates[0].name == "admin/moderation/confirm.html"
    assert response.context["form_url"] == CHANGELIST
    message.refresh_from_db()
    assert not message.is_deleted
    response = redact(client, message)
    message.refresh_from_db()
    assert message.is_deleted


def test_staff_without_change_permission_cannot_redact(client, viewer, user, group):
    message = MessageFactory(conversation=group, sender=user)
    assert client.get(CHANGELIST).status_code == 200
    redact(client, message)
    message.refresh_from_db()
    assert not message.is_deleted

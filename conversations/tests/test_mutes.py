"""Mutes (conversations.services.sanctions): a muted user reads but cannot send, in one
conversation or everywhere, until a time; REST sends (the lean path and DRF's) are refused
with the end time; lines services post in their name are not."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import ModerationLog
from conversations import services
from conversations.models import Mute
from conversations.tests.factories import group_with

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(user, other_user):
    return group_with(user, other_user, name="Weekend hike", is_public=True)


@pytest.fixture
def other_room(user, other_user):
    return group_with(user, other_user, name="Elsewhere")


def bearer_client(user) -> APIClient:
    """A client with a real access token (so the lean send path answers)."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def send(client: APIClient, conversation_id: int, content: str = "hello"):
    return client.post(
        "/api/messages", {"conversation_id": conversation_id, "content": content}, format="json"
    )


def test_a_room_mute_refuses_sends_there_only_with_the_end_time(
    moderator, other_user, room, other_room, sent_events, django_capture_on_commit_callbacks
):
    until = timezone.now() + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        mute = services.user_mute(
            actor=moderator,
            user_id=other_user.id,
            conversation_id=room.id,
            until=until,
            reason="flooding",
        )
    assert sent_events == [
        (
            f"user.{other_user.id}",
            {
                "type": "muted",
                "conversation_id": room.id,
                "until": until.isoformat().replace("+00:00", "Z"),
            },
        )
    ]
    client = bearer_client(other_user)
    response = send(client, room.id)
    assert response.status_code == 403
    assert response.json() == {
        "detail": f"You are muted in this conversation until {until:%Y-%m-%d %H:%M} UTC.",
        "code": "muted",
    }
    # the DRF view (a body the lean path leaves to it) says the same
    assert send(client, str(room.id)).json()["code"] == "muted"
    # other conversations are not affected, and reading still works
    assert send(client, other_room.id).status_code == 201
    assert client.get(f"/api/messages/conversation/{room.id}").status_code == 200
    entry = ModerationLog.objects.get()
    assert (entry.action, entry.subject_user_id, entry.reason) == (
        "mute_user",
        other_user.id,
        "flooding",
    )
    assert "in Weekend hike" in entry.target_repr
    assert str(mute).startswith(f"{other_user.username} muted in Weekend hike until")


def test_a_mute_everywhere_and_lifting_it(
    moderator, other_user, room, other_room, sent_events, django_capture_on_commit_callbacks
):
    mute = services.user_mute(
        actor=moderator,
        user_id=other_user.id,
        until=timezone.now() + timedelta(hours=1),
        reason="calm down",
    )
    client = bearer_client(other_user)
    for conversation in (room, other_room):
        response = send(client, conversation.id)
        assert response.status_code == 403
        assert response.json()["detail"].startswith("You are muted everywhere until ")
    with django_capture_on_commit_callbacks(execute=True):
        assert services.user_unmute(actor=moderator, mute_id=mute.id, reason="apologised")
    assert sent_events[-1] == (
        f"user.{other_user.id}",
        {"type": "unmuted", "conversation_id": None},
    )
    assert send(client, room.id).status_code == 201
    assert not services.user_unmute(actor=moderator, mute_id=mute.id, reason="again")


def test_an_ended_mute_no_longer_refuses(moderator, other_user, room):
    mute = services.user_mute(
        actor=moderator,
        user_id=other_user.id,
        until=timezone.now() + timedelta(hours=1),
        reason="x",
    )
    Mute.objects.filter(pk=mute.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    assert send(bearer_client(other_user), room.id).status_code == 201


def test_a_muted_member_can_still_be_removed(moderator, other_user, room):
    """The "bob was removed" line is posted in bob's name: a mute must not stop it."""
    services.user_mute(
        actor=moderator,
        user_id=other_user.id,
        until=timezone.now() + timedelta(hours=1),
        reason="x",
    )
    services.conversation_member_moderate_remove(
        actor=moderator, conversation_id=room.id, user_id=other_user.id, reason="spam bot"
    )
    assert not room.memberships.filter(user=other_user).exists()
    entry = ModerationLog.objects.filter(action="remove_member").get()
    assert (entry.target_type, entry.target_id, entry.subject_user_id, entry.reason) == (
        "conversation",
        room.id,
        other_user.id,
        "spam bot",
    )


def test_mute_needs_permission_reason_and_end(moderator, user, other_user, room):
    later = timezone.now() + timedelta(hours=1)
    with pytest.raises(PermissionDenied):
        services.user_mute(actor=user, user_id=other_user.id, until=later, reason="x")
    with pytest.raises(ValidationError):
        services.user_mute(actor=moderator, user_id=other_user.id, until=later, reason=" ")
    with pytest.raises(ValidationError):
        services.user_mute(actor=moderator, user_id=other_user.id, until=timezone.now(), reason="x")
    with pytest.raises(ValidationError):
        services.user_mute(actor=moderator, user_id=moderator.id, until=later, reason="x")
    assert not Mute.objects.exists()


@pytest.mark.usefixtures("moderator_client")
def test_mute_from_a_users_admin_page_and_lift_it(client, moderator, other_user, room):
    from django.urls import reverse

    user_page = reverse("admin:accounts_user_change", args=[other_user.id])
    assert reverse("admin:conversations_mute_add") in client.get(user_page).content.decode()
    form = client.get(reverse("admin:conversations_mute_add"), {"user": other_user.id})
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    missing = client.post(
        reverse("admin:conversations_mute_add"),
        {"user": other_user.id, "conversation": room.id, "duration": "1h", "reason": ""},
    )
    assert missing.status_code == 200 and not Mute.objects.exists()
    done = client.post(
        reverse("admin:conversations_mute_add"),
        {"user": other_user.id, "conversation": room.id, "duration": "1h", "reason": "flood"},
    )
    assert done.status_code == 302 and done.url == user_page
    mute = Mute.objects.get()
    assert (mute.user, mute.conversation, mute.reason) == (other_user, room, "flood")
    # the user's page shows it in their record, with a link to their mutes
    assert "flood" in client.get(user_page).content.decode()
    client.post(
        reverse("admin:conversations_mute_changelist"),
        {"action": "lift", "_selected_action": [mute.pk], "confirm": "yes", "reason": "ok"},
    )
    mute.refresh_from_db()
    assert mute.lifted_at is not None


@pytest.mark.usefixtures("moderator_client")
def test_suspend_and_note_from_the_users_own_page(client, moderator, other_user):
    from django.urls import reverse

    from accounts.models import ModeratorNote

    user_page = reverse("admin:accounts_user_change", args=[other_user.id])
    users = reverse("admin:accounts_user_changelist")
    first = client.post(
        user_page,
        {"CHANGE_FORM-action": "suspend_users", "_selected_action": [other_user.id]},
    )
    assert "admin/moderation/confirm.html" in [t.name for t in first.templates]
    assert first.context["form_url"] == users
    client.post(
        users,
        {
            "action": "suspend_users",
            "_selected_action": [other_user.id],
            "confirm": "yes",
            "duration": "72h",
            "reason": "threats",
        },
    )
    other_user.refresh_from_db()
    assert other_user.suspended_until > timezone.now() + timedelta(hours=71)
    client.post(
        users,
        {
            "action": "add_note",
            "_selected_action": [other_user.id],
            "confirm": "yes",
            "reason": "warned by mail",
        },
    )
    assert ModeratorNote.objects.get().text == "warned by mail"
    page = client.get(user_page).content.decode()
    assert "warned by mail" in page and "Suspended until" in page and "threats" in page

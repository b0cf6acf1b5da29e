"""Messages that carry attachments (REST): sending, every representation, who may download,
moderation and the purge — on the real filesystem storage in a fresh MEDIA_ROOT."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import ModerationLog
from conversations import services as conversation_services
from messaging import services
from messaging.models import Attachment, Message
from messaging.tests.factories import MessageFactory
from tests import files

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


@pytest.fixture
def alice(user, client_for):
    return client_for(user)


@pytest.fixture
def bob(other_user, client_for):
    return client_for(other_user)


def upload(user, name: str = "cat.png", data: bytes | None = None) -> Attachment:
    data = files.image_bytes() if data is None else data
    return services.attachment_upload(actor=user, file=files.upload(name, data))


def send(client, conversation_id: int, attachment_ids: list[int], content: str = ""):
    return client.post(
        "/api/messages",
        {"conversation_id": conversation_id, "content": content, "attachment_ids": attachment_ids},
        format="json",
    )


def status_of(url: str) -> int:
    return Client().get(url).status_code


def stored(media_root: Path) -> int:
    return sum(1 for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else 0


def test_a_message_of_attachments_alone(alice, user, other_user, group):
    picture, document = upload(user), upload(user, "notes.txt", b"notes")
    response = send(alice, group.id, [document.id, picture.id])
    assert response.status_code == 201, response.content
    message = response.json()
    assert message["content"] == ""
    assert [a["id"] for a in message["attachments"]] == [document.id, picture.id]
    first, second = message["attachments"]
    assert first == {
        "id": document.id,
        "name": "notes.txt",
        "size": 5,
        "content_type": "text/plain; charset=utf-8",
        "width": None,
        "height": None,
        "url": first["url"],
        "thumbnail_url": None,
    }
    assert second["width"] == 640 and second["thumbnail_url"]
    assert status_of(second["url"]) == 200 and status_of(second["thumbnail_url"]) == 200


def test_text_and_attachments_together_and_what_bob_gets(alice, bob, user, other_user, group):
    picture = upload(user)
    sent = send(alice, group.id, [picture.id], content="look").json()
    history = bob.get(f"/api/messages/conversation/{group.id}").json()
    (mine,) = [m for m in history if m["id"] == sent["id"]]
    assert mine["content"] == "look"
    (attachment,) = mine["attachments"]
    assert attachment["url"].split("/")[3].startswith(f"{other_user.id}.")  # signed for bob
    assert status_of(attachment["url"]) == 200
    assert bob.get(f"/api/messages/{sent['id']}").json()["attachments"][0]["id"] == picture.id


def test_catch_up_and_search_carry_attachments(alice, bob, user, group):
    before = MessageFactory(conversation=group, sender=user)
    picture = upload(user)
    sent = send(alice, group.id, [picture.id], content="findme").json()
    caught_up = bob.get(f"/api/messages/conversation/{group.id}?after={before.id}").json()
    assert [m["attachments"][0]["id"] for m in caught_up] == [picture.id]
    (found,) = bob.get("/api/messages/search?q=findme").json()
    assert found["id"] == sent["id"] and found["attachments"][0]["id"] == picture.id


def test_a_message_without_attachments_has_an_empty_list(alice, group):
    response = alice.post(
        "/api/messages", {"conversation_id": group.id, "content": "hi"}, format="json"
    )
    assert response.json()["attachments"] == []


def test_empty_content_without_attachments_is_still_refused(alice, group):
    response = send(alice, group.id, [])
    assert response.status_code == 400
    assert response.json() == {"content": ["Message content cannot be empty."]}


@pytest.mark.parametrize(
    "case", ["someone_else", "used", "expired", "unknown", "twice", "too_many", "not_a_list"]
)
def test_uploads_that_cannot_be_attached_are_a_400_naming_attachment_ids(
    alice, user, other_user, group, settings, case
):
    mine = upload(user, "a.txt", b"a")
    ids: object = [mine.id]
    if case == "someone_else":
        ids = [upload(other_user, "b.txt", b"b").id]
    elif case == "used":
        assert send(alice, group.id, [mine.id]).status_code == 201
    elif case == "expired":
        Attachment.objects.filter(pk=mine.pk).update(
            created_at=timezone.now() - timedelta(seconds=settings.UPLOAD_UNUSED_TTL + 1)
        )
    elif case == "unknown":
        ids = [mine.id + 1000]
    elif case == "twice":
        ids = [mine.id, mine.id]
    elif case == "too_many":
        ids = [upload(user, f"{n}.txt", b"x").id for n in range(11)]
    elif case == "not_a_list":
        ids = str(mine.id)
    before = Message.objects.count()
    response = send(alice, group.id, ids)  # type: ignore[arg-type]
    assert response.status_code == 400
    assert set(response.json()) == {"attachment_ids"}
    assert Message.objects.count() == before
    if case != "used":
        assert Attachment.objects.get(pk=mine.pk).message_id is None


def test_a_failed_send_leaves_the_uploads_free(alice, user, outsider, client_for):
    picture = upload(outsider)
    elsewhere = conversation_services.conversation_group_create(actor=user, name="x")
    response = send(client_for(outsider), elsewhere.id, [picture.id])
    assert response.status_code == 404
    assert Attachment.objects.get(pk=picture.pk).attached_at is None


def test_a_replayed_send_returns_the_first_message(alice, user, group):
    picture, other = upload(user), upload(user, "b.png")
    payload = {"conversation_id": group.id, "client_id": "k1", "attachment_ids": [picture.id]}
    first = alice.post("/api/messages", payload, format="json")
    again = alice.post("/api/messages", {**payload, "attachment_ids": [other.id]}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["attachments"][0]["id"] == picture.id
    assert Attachment.objects.get(pk=other.pk).message_id is None


# --- who may download ----------------------------------------------------------------------


def test_non_member_left_member_and_deleted_message_get_404(
    alice, bob, user, other_user, outsider, group
):
    picture = upload(user)
    sent = send(alice, group.id, [picture.id]).json()
    bobs = bob.get(f"/api/messages/{sent['id']}").json()["attachments"][0]
    assert status_of(bobs["url"]) == 200

    # Someone else holding bob's URL is still bob's URL; a URL for mallory opens nothing.
    from messaging.attachments import file_urls

    mallorys, _ = file_urls(picture.id, "cat.png", True, outsider.id)
    assert status_of(mallorys) == 404

    conversation_services.conversation_leave(actor=other_user, conversation_id=group.id)
    assert status_of(bobs["url"]) == 404
    assert status_of(bobs["thumbnail_url"]) == 404

    alices = alice.get(f"/api/messages/{sent['id']}").json()["attachments"][0]
    assert status_of(alices["url"]) == 200
    services.message_delete(actor=user, message_id=sent["id"])
    assert status_of(alices["url"]) == 404
    assert alice.get(f"/api/messages/{sent['id']}").json()["attachments"] == []


def test_a_redacted_message_s_files_are_unreachable_at_once(alice, user, moderator, group):
    sent = send(alice, group.id, [upload(user).id]).json()
    url = sent["attachments"][0]["url"]
    services.message_redact(actor=moderator, message_id=sent["id"])
    assert status_of(url) == 404


# --- moderation and the purge ----------------------------------------------------------------


def test_the_purge_removes_stale_uploads_and_files_of_deleted_messages(
    alice, user, group, media_root, settings, django_capture_on_commit_callbacks
):
    fresh = upload(user, "fresh.txt", b"f")
    stale = upload(user, "stale.png")
    Attachment.objects.filter(pk=stale.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.UPLOAD_UNUSED_TTL + 60)
    )
    kept = send(alice, group.id, [upload(user, "kept.txt", b"k").id]).json()
    gone = send(alice, group.id, [upload(user, "gone.txt", b"g").id]).json()
    services.message_delete(actor=user, message_id=gone["id"])
    assert stored(media_root) == 5  # stale.png has a thumbnail

    with django_capture_on_commit_callbacks(execute=True):  # files go after each commit
        call_command("purge_attachments", stdout=io.StringIO())

    assert set(Attachment.objects.values_list("name", flat=True)) == {"fresh.txt", "kept.txt"}
    assert stored(media_root) == 2
    assert Attachment.objects.get(name="kept.txt").message_id == kept["id"]
    assert fresh.pk in set(Attachment.objects.values_list("pk", flat=True))


def test_a_vanished_conversation_s_files_are_purged(
    user, other_user, media_root, django_capture_on_commit_callbacks
):
    group = conversation_services.conversation_group_create(actor=user, name="temp")
    services.message_send(
        actor=user, conversation_id=group.id, content="", attachment_ids=[upload(user).id]
    )
    conversation_services.conversation_delete(actor=user, conversation_id=group.id)
    assert Attachment.objects.get().message_id is None
    with django_capture_on_commit_callbacks(execute=True):
        assert services.attachments_purge() == 1
    assert stored(media_root) == 0


def test_a_moderator_removes_an_attachment_and_members_are_told(
    alice, user, moderator, group, sent_events, django_capture_on_commit_callbacks
):
    sent = send(alice, group.id, [upload(user).id, upload(user, "b.txt", b"b").id]).json()
    first = sent["attachments"][0]
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_remove(actor=moderator, attachment_id=first["id"], reason="nsfw")
    assert status_of(first["url"]) == 404
    log = ModerationLog.objects.get(action="remove_attachment")
    assert (log.moderator, log.target_id, log.reason) == (moderator, first["id"], "nsfw")
    (updated,) = [e for _, e in sent_events if e["type"] == "message_updated"]
    assert [a["name"] for a in updated["message"]["attachments"]] == ["b.txt"]


def test_only_staff_remove_attachments(user, group):
    picture = upload(user)
    with pytest.raises(PermissionDenied):
        services.attachment_remove(actor=user, attachment_id=picture.id)
    assert Attachment.objects.filter(pk=picture.pk).exists()


def test_a_banned_user_s_uploads_are_purged(user, other_user, moderator, group, media_root):
    services.message_send(
        actor=other_user,
        conversation_id=group.id,
        content="x",
        attachment_ids=[upload(other_user).id],
    )
    upload(other_user, "loose.txt", b"l")
    mine = upload(user, "mine.txt", b"m")
    with pytest.raises(ValidationError):
        services.user_uploads_purge(actor=moderator, user_id=other_user.id)
    other_user.is_active = False
    other_user.save()
    assert services.user_uploads_purge(actor=moderator, user_id=other_user.id) == 2
    assert list(Attachment.objects.all()) == [mine]
    assert ModerationLog.objects.filter(action="purge_uploads", target_id=other_user.id).exists()


def test_a_bearer_json_send_with_attachments_keeps_them(user, group, api_client):
    """Such a send would take the lean path (messaging/api/send.py), which knows nothing of
    attachments: it must hand the request to the DRF view instead of dropping them."""
    from rest_framework_simplejwt.tokens import RefreshToken

    picture = upload(user)
    token = str(RefreshToken.for_user(user).access_token)
    response = api_client.post(
        "/api/messages",
        {"conversation_id": group.id, "content": "see", "attachment_ids": [picture.id]},
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201
    assert [a["id"] for a in response.json()["attachments"]] == [picture.id]

"""The attachments' admin: moderators list, remove (through the service, logged) and purge
a banned user's uploads; files on the real filesystem storage."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from accounts.models import ModerationLog
from accounts.tests.factories import UserFactory
from messaging import services
from messaging.models import Attachment
from messaging.tests.factories import AttachmentFactory, MessageFactory
from tests import files

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root", "moderator_client")]

CHANGELIST = reverse("admin:messaging_attachment_changelist")


def stored(media_root: Path) -> int:
    return sum(1 for p in media_root.rglob("*") if p.is_file()) if media_root.exists() else 0


def upload(user, name: str = "cat.png") -> Attachment:
    return services.attachment_upload(actor=user, file=files.upload(name, files.image_bytes()))


def act(client, action: str, *attachments: Attachment, reason: str = ""):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [a.pk for a in attachments], "reason": reason},
        follow=True,
    )


def test_moderators_list_attachments_with_uploader_conversation_size_and_type(client, user, group):
    message = MessageFactory(conversation=group, sender=user)
    AttachmentFactory(message=message, name="plan.pdf", content_type="application/pdf", size=2048)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("plan.pdf", "alice", "Team", "2.0\xa0KB", "application/pdf"):
        assert text in page
    assert client.get(CHANGELIST, {"state": "unattached"}).status_code == 200


def test_the_list_costs_the_same_queries_for_more_rows(
    client, user, group, django_assert_max_num_queries
):
    for _ in range(5):
        AttachmentFactory(message=MessageFactory(conversation=group, sender=UserFactory()))
    with django_assert_max_num_queries(20) as first:
        client.get(CHANGELIST)
    for _ in range(10):
        AttachmentFactory(message=MessageFactory(conversation=group, sender=UserFactory()))
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(CHANGELIST)


def test_remove_goes_through_the_service_and_the_log(
    client, user, moderator, group, media_root, django_capture_on_commit_callbacks
):
    picture = upload(user)
    services.message_send(
        actor=user, conversation_id=group.id, content="", attachment_ids=[picture.id]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, "remove_attachments", picture, reason="spam")
    assert "Removed 1 attachment(s)." in response.content.decode()
    assert not Attachment.objects.exists() and stored(media_root) == 0
    entry = ModerationLog.objects.get(action="remove_attachment")
    assert (entry.moderator, entry.target_id, entry.reason) == (moderator, picture.id, "spam")


def test_purge_a_banned_user_s_uploads(
    client, user, other_user, group, media_root, django_capture_on_commit_callbacks
):
    theirs = [upload(other_user, "a.png"), upload(other_user, "b.png")]
    mine = upload(user)
    response = act(client, "purge_uploaders", theirs[0])
    assert "ban the user first" in response.content.decode()
    assert Attachment.objects.count() == 3
    other_user.is_active = False
    other_user.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = act(client, "purge_uploaders", theirs[0], reason="spammer")
    assert f"Purged 2 upload(s) of user {other_user.id}." in response.content.decode()
    assert list(Attachment.objects.all()) == [mine]
    assert stored(media_root) == 2  # mine and its thumbnail
    assert ModerationLog.objects.get(action="purge_uploads").target_id == other_user.id


def test_nothing_is_edited_or_deleted_by_hand(client, user):
    picture = upload(user)
    page = client.get(reverse("admin:messaging_attachment_change", args=[picture.id]))
    assert page.status_code == 200
    assert (
        client.post(reverse("admin:messaging_attachment_delete", args=[picture.id])).status_code
        == 403
    )
    choices = dict(client.get(CHANGELIST).context["action_form"].fields["action"].choices)
    assert "delete_selected" not in choices
    assert {"remove_attachments", "purge_uploaders"} <= set(choices)

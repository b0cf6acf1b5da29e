"""Deleting an account: personal data erased, rows kept consistent, the usual events."""

import pytest
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import services as accounts_services
from accounts.models import ModerationLog, Notification
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from conversations.models import ConversationMember
from conversations.tests.factories import direct_conversation, group_with
from friends.models import Friendship
from friends.tests.factories import FriendshipFactory, make_friends
from leaving import services
from leaving.models import Export
from messaging import services as messaging_services
from messaging.models import Message, Report
from messaging.tests.factories import MessageFactory
from payments import services as payments_services
from payments.models import Wallet
from payments.tests.factories import fund

pytestmark = pytest.mark.django_db

AVATAR_KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def world(user, other_user, media_root):
    """alice (`user`) owns a group with bob and carol, is bob's friend, has a direct chat
    with him, wrote messages bob replied to and reported, and has a picture."""
    carol = UserFactory(username="carol")
    make_friends(user, other_user)
    FriendshipFactory(requester=user, receiver=UserFactory(username="dave"))  # pending
    group = group_with(user, other_user, carol, name="Trip")
    direct = direct_conversation(user, other_user)
    hers = MessageFactory(conversation=group, sender=user, content="alice says hi")
    reply = MessageFactory(conversation=group, sender=other_user, content="hi!", reply_to=hers)
    MessageFactory(conversation=direct, sender=user, content="just for bob")
    report = messaging_services.message_report(actor=other_user, message_id=hers.id, reason="rude")
    Notification.objects.create(recipient=user, actor=other_user, type="friend_request")
    user.avatar = AVATAR_KEY
    user.bio = "I like trains"
    user.save()
    for side in (256, 64):
        default_storage.save(f"avatars/u/{user.id}/{AVATAR_KEY}-{side}.webp", ContentFile(b"x"))
    return {
        "carol": carol,
        "group": group,
        "direct": direct,
        "hers": hers,
        "reply": reply,
        "report": report,
    }


def delete(user, password=DEFAULT_PASSWORD, *, client_for=None):
    api = APIClient()
    api.force_authenticate(user=user)
    return api.post("/api/account/delete", {"password": password}, format="json")


def test_deletion_erases_the_person_and_keeps_the_rows(
    user, other_user, world, sent_events, django_capture_on_commit_callbacks
):
    refresh = str(RefreshToken.for_user(user))
    web = Client()
    assert web.login(username="alice", password=DEFAULT_PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = delete(user)
    assert response.status_code == 204, response.content
    user.refresh_from_db()
    tombstone = f"deleted-{user.id}"
    assert (user.username, user.display_name, user.email, user.bio, user.avatar) == (
        tombstone,
        "Deleted user",
        "",
        "",
        "",
    )
    assert not user.is_active and not user.has_usable_password()
    assert user.deleted_at is not None
    assert not default_storage.exists(f"avatars/u/{user.id}/{AVATAR_KEY}-256.webp")
    assert not Notification.objects.filter(recipient=user).exists()
    # logged out everywhere: the session is gone, the refresh token is dead
    assert not Session.objects.filter(pk=web.session.session_key).exists()
    assert APIClient().post("/api/auth/refresh", {"refresh_token": refresh}).status_code == 401
    login = APIClient().post("/api/auth/login", {"username": "alice", "password": DEFAULT_PASSWORD})
    assert login.status_code == 401
    # friendships and memberships ended; the direct chat stays for bob
    assert not Friendship.objects.filter(requester=user).exists()
    assert not Friendship.objects.filter(receiver=user).exists()
    members = ConversationMember.objects.filter(user=user)
    assert list(members.values_list("conversation_id", flat=True)) == [world["direct"].id]
    group_roles = dict(
        ConversationMember.objects.filter(conversation=world["group"]).values_list(
            "user__username", "role"
        )
    )
    assert group_roles == {"bob": "owner", "carol": "member"}  # handed to the oldest member
    # the rows stay: bob's history shows the tombstone, his reply still quotes her
    bob = APIClient()
    bob.force_authenticate(user=other_user)
    history = bob.get(f"/api/messages/conversation/{world['group'].id}").json()
    by_id = {m["id"]: m for m in history}
    assert by_id[world["hers"].id]["sender_username"] == tombstone
    assert by_id[world["hers"].id]["content"] == "alice says hi"
    assert by_id[world["reply"].id]["reply_to"]["sender"] == {
        "id": user.id,
        "username": tombstone,
        "display_name": "Deleted user",
    }
    direct = bob.get(f"/api/messages/conversation/{world['direct'].id}").json()
    assert [m["sender_username"] for m in direct] == [tombstone]
    assert Message.objects.filter(sender=user).count() == 2 + 1  # + her "left" line
    report = Report.objects.get(pk=world["report"].pk)
    assert (report.message_text, report.message_id) == ("alice says hi", world["hers"].id)
    log = ModerationLog.objects.get(action="delete_account")
    assert (log.target_id, log.target_repr, log.moderator_id) == (user.id, "alice", user.id)
    # the usual events
    assert (f"user.{other_user.id}", {"type": "friend_removed", "user_id": user.id}) in sent_events
    assert (
        f"conversation.{world['group'].id}",
        {"type": "member_removed", "conversation_id": world["group"].id, "user_id": user.id},
    ) in sent_events
    assert (f"user.{user.id}", {"type": "disconnect", "reason": "account_deleted"}) in sent_events
    updated = [e for g, e in sent_events if e["type"] == "user_updated"]
    assert updated and updated[-1]["user"]["display_name"] == "Deleted user"
    assert any(e["type"] == "friend_request_cancelled" for _, e in sent_events)  # dave's


def test_a_wrong_password_changes_nothing(user, other_user, world):
    response = delete(user, "not-my-password")
    assert response.status_code == 400
    assert response.json() == {"password": ["The password is incorrect."]}
    user.refresh_from_db()
    assert user.is_active and user.username == "alice" and user.deleted_at is None
    assert Friendship.objects.filter(requester=user).exists()
    assert delete(user, "").status_code == 400
    assert APIClient().post("/api/account/delete", {"password": "x"}).status_code == 401


def test_a_deleted_account_cannot_be_registered_again_by_its_tombstone_name(user):
    with pytest.raises(Exception, match="reserved"):
        accounts_services.user_register(username="deleted-99999", password="a-Good-pass-123")


def test_deletion_removes_exports_and_their_files(
    user, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export, _ = services.export_request(actor=user)
    export.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.account_delete(actor=user, password=DEFAULT_PASSWORD)
    assert not Export.objects.exists()
    assert not default_storage.exists(export.file)


def test_a_sole_member_deletes_their_group(user, django_capture_on_commit_callbacks):
    group = group_with(user, name="Just me")
    with django_capture_on_commit_callbacks(execute=True):
        services.account_delete(actor=user, password=DEFAULT_PASSWORD)
    assert not type(group).objects.filter(pk=group.pk).exists()


@pytest.mark.usefixtures("moderator_client")
def test_moderators_see_the_deletion_in_the_moderation_log(user, client, moderator):
    services.account_delete(actor=user, password=DEFAULT_PASSWORD)
    log = client.get("/admin/accounts/moderationlog/?action__exact=delete_account")
    assert log.status_code == 200
    assert b"account deleted by its owner" in log.content and b"alice" in log.content
    users = client.get("/admin/accounts/user/?deleted_at__isempty=0")
    assert users.status_code == 200 and f"deleted-{user.id}".encode() in users.content


def test_staff_withdraw_the_money_left_in_a_deleted_account(user, admin_user, capsys):
    """The ledger is never edited: the balance stays with the tombstone until staff take it
    out through the issuer, found by the tombstone's name (command) or id (service)."""
    fund(user, 12_00)
    services.account_delete(actor=user, password=DEFAULT_PASSWORD)
    wallet = Wallet.objects.get(user=user)
    assert wallet.balance == 12_00
    call_command(
        "issue_money", f"deleted-{user.id}", "2.00", "--withdraw", reason="payout", by="admin"
    )
    assert f"Withdrew 2.00 EUR from deleted-{user.id}" in capsys.readouterr().out
    payments_services.money_withdraw(actor=admin_user, user_id=user.id, amount=10_00, reason="x")
    wallet.refresh_from_db()
    assert wallet.balance == 0
    assert Wallet.objects.get(kind="issuer").balance == 0
    assert ModerationLog.objects.filter(action="withdraw_money").count() == 2
    call_command("payments_integrity")

"""Readable titles in the admin: rows name people and places, not ids ("Direct: alice &
bob", "👍 by alice on Message #1 by bob in Ops", the audit log's "about user" a username)."""

import pytest
from django.urls import reverse

from accounts import services as accounts_services
from accounts.models import Notification, PushSubscription
from conversations.tests.factories import direct_conversation, group_with
from messaging import services
from messaging.models import Reaction
from messaging.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


def test_rows_are_titled_by_names(user, other_user):
    ops = group_with(user, other_user, name="Ops")
    message = MessageFactory(conversation=ops, sender=other_user)
    reaction = Reaction.objects.create(message=message, user=user, emoji="👍")
    assert str(reaction) == f"👍 by alice on Message #{message.seq} by bob in Ops"
    mention = Notification.objects.create(recipient=user, actor=other_user, type="mention")
    assert str(mention) == "Mention for alice from bob"
    device = PushSubscription.objects.create(
        user=user, endpoint="https://fcm.googleapis.com/fcm/send/abc", p256dh="k", auth="a"
    )
    assert str(device) == "alice's browser at fcm.googleapis.com"
    assert "abc" not in str(device)  # the endpoint is a capability URL
    hook, _secret = services.webhook_create(actor=user, conversation_id=ops.id, name="CI")
    assert str(hook) == "Webhook “CI” in Ops"


def test_a_direct_chat_reads_as_its_two_members_in_the_admin(moderator_client, user, other_user):
    direct = direct_conversation(user, other_user)
    group_with(user, other_user, name="Ops")
    listing = moderator_client.get(reverse("admin:conversations_conversation_changelist"))
    html = listing.content.decode()
    assert '<td class="field-title">Direct: alice &amp; bob</td>' in html
    assert '<td class="field-title">Ops</td>' in html
    page = moderator_client.get(
        reverse("admin:conversations_conversation_change", args=[direct.id])
    )
    assert page.context["subtitle"] == "Direct: alice & bob"
    assert '<li aria-current="page">Direct: alice &amp; bob</li>' in page.content.decode()
    # Only the admin says so: the model's title (the audit log's snapshots) is unchanged.
    assert str(direct) == direct.private_pair_key


def test_the_superusers_open_page_names_the_direct_chat(admin_client, user, other_user):
    direct = direct_conversation(user, other_user)
    url = reverse("admin:conversations_conversation_open", args=[direct.id])
    assert admin_client.get(url).context["title"] == "Open Direct: alice & bob"


def test_the_audit_log_names_the_user_it_is_about(moderator_client, moderator, other_user):
    accounts_services.moderator_note_add(actor=moderator, user_id=other_user.id, text="noted")
    html = moderator_client.get(reverse("admin:accounts_moderationlog_changelist")).content
    user_page = reverse("admin:accounts_user_change", args=[other_user.id])
    assert f'<a href="{user_page}">bob</a>'.encode() in html
    assert f"user {other_user.id}".encode() not in html

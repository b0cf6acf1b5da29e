from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from accounts.models import ModerationLog
from accounts.tests.factories import UserFactory
from conversations import services
from conversations.models import Conversation, ConversationMember, StaffAccessGrant
from conversations.tests.factories import direct_conversation, group_with, public_room_with

pytestmark = pytest.mark.django_db

ADMIN = ConversationMember.Role.ADMIN
OWNER = ConversationMember.Role.OWNER


def test_changelist_search_and_filters(admin_client, user, other_user):
    group_with(user, other_user, name="Book club")
    direct_conversation(user, UserFactory(username="carol"))
    url = reverse("admin:conversations_conversation_changelist")
    assert admin_client.get(url).status_code == 200
    by_name = admin_client.get(url, {"q": "book"})
    assert list(by_name.context["cl"].queryset.values_list("name", flat=True)) == ["Book club"]
    by_member = admin_client.get(url, {"q": "carol"})
    assert by_member.context["cl"].result_count == 1
    by_type = admin_client.get(url, {"type__exact": "direct"})
    assert by_type.context["cl"].result_count == 1
    assert admin_client.get(url, {"is_public__exact": "1"}).context["cl"].result_count == 0


def test_changelist_query_count_does_not_grow(admin_client, user, django_assert_max_num_queries):
    url = reverse("admin:conversations_conversation_changelist")
    for _ in range(3):
        group_with(user, UserFactory())
    with django_assert_max_num_queries(12) as small:
        admin_client.get(url)
    for _ in range(6):
        group_with(UserFactory(), UserFactory())
    with django_assert_max_num_queries(len(small.captured_queries)):
        admin_client.get(url)


def test_change_page_is_read_only_with_members_inline(admin_client, user, other_user):
    conversation = group_with(user, other_user)
    url = reverse("admin:conversations_conversation_change", args=[conversation.id])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert b"alice" in response.content and b"bob" in response.content
    admin_client.post(url, {"name": "Hijacked"})
    conversation.refresh_from_db()
    assert conversation.name != "Hijacked"
    assert admin_client.get(reverse("admin:conversations_conversation_add")).status_code == 403


def test_delete_through_admin_notifies_members(
    admin_client, user, other_user, sent_events, django_capture_on_commit_callbacks
):
    conversation = group_with(user, other_user)
    url = reverse("admin:conversations_conversation_delete", args=[conversation.id])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Conversation.objects.exists()
    assert sorted(group for group, _ in sent_events) == [f"user.{user.id}", f"user.{other_user.id}"]
    assert {event["type"] for _, event in sent_events} == {"conversation_deleted"}


def test_delete_action_goes_through_the_service(
    admin_client, user, other_user, sent_events, django_capture_on_commit_callbacks
):
    first, second = group_with(user), group_with(other_user)
    url = reverse("admin:conversations_conversation_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            url,
            {"action": "delete_through_service", "_selected_action": [first.id, second.id]},
        )
    assert not Conversation.objects.exists()
    assert len(sent_events) == 2


def test_default_bulk_delete_is_not_offered(admin_client):
    response = admin_client.get(reverse("admin:conversations_conversation_changelist"))
    choices = [value for value, _ in response.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in choices
    assert "delete_through_service" in choices


def remove(client, *memberships: ConversationMember, **confirmation):
    """The member-removal action, posted to the membership list (as its confirmation page
    does, with `confirm="yes", reason=...`)."""
    url = reverse("admin:conversations_conversationmember_changelist")
    data = {"action": "remove_members", "_selected_action": [m.id for m in memberships]}
    return client.post(url, {**data, **confirmation}, follow=True)


def test_remove_member_action_hands_ownership_over_and_notifies(
    admin_client, user, other_user, sent_events, django_capture_on_commit_callbacks
):
    conversation = group_with(user, other_user)
    membership = ConversationMember.objects.get(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        remove(admin_client, membership, confirm="yes", reason="spam")
    assert list(conversation.memberships.values_list("user_id", "role")) == [(other_user.id, OWNER)]
    assert (
        f"user.{user.id}",
        {"type": "removed_from_conversation", "conversation_id": conversation.id},
    ) in sent_events


def test_removing_a_member_needs_a_confirmation_with_a_reason(
    moderator_client, user, other_user, sent_events, django_capture_on_commit_callbacks
):
    """Like the other sanctions: the action shows the confirmation page naming whom, the
    reason is required and goes into the audit log, "select all" across pages is refused."""
    client = moderator_client
    conversation = group_with(user, other_user, name="Chess")
    membership = ConversationMember.objects.get(user=other_user)
    asked = remove(client, membership)
    page = asked.content.decode()
    assert asked.status_code == 200 and 'id="sanction_form"' in page
    assert "bob in Chess (member)" in page
    assert 'name="action" value="remove_members"' in page
    blank = remove(client, membership, confirm="yes", reason="  ")
    assert 'id="sanction_form"' in blank.content.decode()
    assert "This field is required." in blank.content.decode()
    across = remove(client, membership, confirm="yes", reason="spam", select_across="1")
    assert any("across pages" in str(m) for m in across.context["messages"])
    assert conversation.memberships.filter(user=other_user).exists()
    assert not sent_events and not ModerationLog.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = remove(client, membership, confirm="yes", reason="spam in the room")
    assert any("Removed 1 member(s)." in str(m) for m in done.context["messages"])
    assert not conversation.memberships.filter(user=other_user).exists()
    log = ModerationLog.objects.get()
    assert (log.action, log.subject_user_id, log.reason) == (
        "remove_member",
        other_user.id,
        "spam in the room",
    )


def test_remove_member_of_direct_chat_reports_an_error(admin_client, user, other_user):
    direct_conversation(user, other_user)
    membership = ConversationMember.objects.get(user=user)
    response = remove(admin_client, membership, confirm="yes", reason="x")
    assert ConversationMember.objects.filter(id=membership.id).exists()
    assert any("direct" in str(m) for m in response.context["messages"])


def test_membership_delete_page_is_the_removal_confirmation(
    moderator_client, user, other_user, sent_events, django_capture_on_commit_callbacks
):
    """A membership's "Delete" shows the removal's confirmation page (a required reason),
    not Django's "Are you sure?": posting that ("post=yes") removes nobody."""
    conversation = group_with(user, other_user)
    membership = ConversationMember.objects.get(user=other_user)
    url = reverse("admin:conversations_conversationmember_delete", args=[membership.id])
    for page in (moderator_client.get(url), moderator_client.post(url, {"post": "yes"})):
        html = page.content.decode()
        assert page.status_code == 200 and 'id="sanction_form"' in html
        assert 'name="action" value="remove_members"' in html
        assert f'name="_selected_action" value="{membership.id}"' in html
        assert reverse("admin:conversations_conversationmember_changelist") in html
    assert conversation.memberships.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        remove(moderator_client, membership, confirm="yes", reason="raid")
    assert list(conversation.memberships.values_list("user_id", flat=True)) == [user.id]
    assert ModerationLog.objects.get().reason == "raid"
    assert moderator_client.get(url).status_code == 302  # gone: back to the list


def test_remove_is_an_action_on_a_memberships_own_page(moderator_client, user, other_user):
    group_with(user, other_user)
    membership = ConversationMember.objects.get(user=other_user)
    url = reverse("admin:conversations_conversationmember_change", args=[membership.id])
    response = moderator_client.get(url)
    choices = [v for v, _ in response.context["action_form"].fields["action"].choices]
    assert "remove_members" in choices
    asked = moderator_client.post(
        url, {"CHANGE_FORM-action": "remove_members", "_selected_action": [membership.id]}
    )
    assert 'id="sanction_form"' in asked.content.decode()
    assert ConversationMember.objects.filter(id=membership.id).exists()


def test_membership_changelist_search(admin_client, user, other_user):
    group_with(user, other_user, name="Chess")
    url = reverse("admin:conversations_conversationmember_changelist")
    assert admin_client.get(url, {"q": "bob"}).context["cl"].result_count == 1
    assert admin_client.get(url, {"q": "chess"}).context["cl"].result_count == 2
    assert admin_client.get(url, {"role__exact": "owner"}).context["cl"].result_count == 1


# --- Opening a private conversation (superusers only, reason required, logged, expires) ----


@pytest.fixture
def dm_secret(user, other_user):
    from messaging.tests.factories import MessageFactory

    chat = direct_conversation(user, other_user)
    return MessageFactory(conversation=chat, sender=user, content="my pin is 4711 tulips")


def _open_url(conversation_id: int) -> str:
    return reverse("admin:conversations_conversation_open", args=[conversation_id])


def _messages(client, **params):
    response = client.get(reverse("admin:messaging_message_changelist"), params)
    assert response.status_code == 200
    return response


def test_a_superuser_opens_a_private_conversation_with_a_reason(
    admin_client, admin_user, dm_secret
):
    chat_id = dm_secret.conversation_id
    assert b"4711 tulips" not in _messages(admin_client).content  # closed until opened
    change = admin_client.get(reverse("admin:conversations_conversation_change", args=[chat_id]))
    assert _open_url(chat_id).encode() in change.content

    form = admin_client.get(_open_url(chat_id))
    assert form.status_code == 200 and b'name="reason"' in form.content
    for empty in ({}, {"reason": "   "}):  # a reason is required: nothing opens, nothing logged
        refused = admin_client.post(_open_url(chat_id), empty)
        assert refused.status_code == 200 and b"errorlist" in refused.content
    assert not StaffAccessGrant.objects.exists() and not ModerationLog.objects.exists()

    before = timezone.now()
    response = admin_client.post(_open_url(chat_id), {"reason": "court order 17/2026"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"?conversation__id__exact={chat_id}")
    grant = StaffAccessGrant.objects.get()
    assert (grant.user, grant.conversation_id, grant.reason) == (
        admin_user,
        chat_id,
        "court order 17/2026",
    )
    assert before + timedelta(minutes=59) < grant.expires_at <= timezone.now() + timedelta(hours=1)
    entry = ModerationLog.objects.get()
    assert (entry.moderator, entry.action, entry.target_type, entry.target_id, entry.reason) == (
        admin_user,
        "open_conversation",
        "conversation",
        chat_id,
        "court order 17/2026",
    )

    # now this superuser reads it: the list, the message's page, search
    assert (
        b"my pin is 4711 tulips" in _messages(admin_client, conversation__id__exact=chat_id).content
    )
    page = admin_client.get(reverse("admin:messaging_message_change", args=[dm_secret.id]))
    assert b"my pin is 4711 tulips" in page.content
    assert _messages(admin_client, q="tulips").context["cl"].result_count == 1

    # ... for an hour: afterwards it is closed again
    StaffAccessGrant.objects.filter(pk=grant.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert b"4711 tulips" not in _messages(admin_client).content
    assert _messages(admin_client, q="tulips").context["cl"].result_count == 0
    assert ModerationLog.objects.count() == 1


def test_an_opening_is_for_that_superuser_only(admin_client, admin_user, dm_secret):
    services.conversation_staff_open(
        actor=admin_user, conversation_id=dm_secret.conversation_id, reason="investigation"
    )
    other = UserFactory(is_staff=True, is_superuser=True)
    admin_client.force_login(other)
    assert b"4711 tulips" not in _messages(admin_client).content


def test_a_moderator_cannot_open_a_conversation(client, dm_secret):
    mod = UserFactory(username="mod", is_staff=True)
    mod.groups.add(Group.objects.get(name="moderators"))
    client.force_login(mod)
    chat_id = dm_secret.conversation_id
    change = client.get(reverse("admin:conversations_conversation_change", args=[chat_id]))
    assert change.status_code == 200 and _open_url(chat_id).encode() not in change.content
    assert client.get(_open_url(chat_id)).status_code == 403
    assert client.post(_open_url(chat_id), {"reason": "curious"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.conversation_staff_open(actor=mod, conversation_id=chat_id, reason="curious")
    assert not StaffAccessGrant.objects.exists() and not ModerationLog.objects.exists()
    assert b"4711 tulips" not in _messages(client).content


def test_opening_refuses_public_rooms_unknown_ids_and_long_reasons(admin_user, user):
    room = public_room_with(user)
    with pytest.raises(ValidationError):
        services.conversation_staff_open(actor=admin_user, conversation_id=room.id, reason="x")
    with pytest.raises(Http404):
        services.conversation_staff_open(actor=admin_user, conversation_id=999_999, reason="x")
    group = group_with(user)
    with pytest.raises(ValidationError):
        services.conversation_staff_open(
            actor=admin_user, conversation_id=group.id, reason="x" * 1001
        )
    inactive = UserFactory(is_staff=True, is_superuser=True, is_active=False)
    with pytest.raises(PermissionDenied):
        services.conversation_staff_open(actor=inactive, conversation_id=group.id, reason="x")
    assert not StaffAccessGrant.objects.exists() and not ModerationLog.objects.exists()


def test_bans_and_invites_are_listed_for_moderators(admin_client, user, other_user):
    from conversations import services

    conversation = group_with(user, other_user, name="Chess")
    services.conversation_ban(actor=user, conversation_id=conversation.id, user_id=other_user.id)
    services.conversation_invite_create(actor=user, conversation_id=conversation.id)
    for name in ("conversationban", "conversationinvite"):
        response = admin_client.get(
            reverse(f"admin:conversations_{name}_changelist"), {"q": "chess"}
        )
        assert response.status_code == 200
        assert response.context["cl"].result_count == 1

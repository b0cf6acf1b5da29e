import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from conversations.models import Conversation, ConversationMember
from conversations.tests.factories import direct_conversation, group_with

pytestmark = pytest.mark.django_db

ADMIN = ConversationMember.Role.ADMIN


@pytest.fixture
def moderator(admin_user, client):
    client.force_login(admin_user)
    return client


def test_changelist_search_and_filters(moderator, user, other_user):
    group_with(user, other_user, name="Book club")
    direct_conversation(user, UserFactory(username="carol"))
    url = reverse("admin:conversations_conversation_changelist")
    assert moderator.get(url).status_code == 200
    by_name = moderator.get(url, {"q": "book"})
    assert list(by_name.context["cl"].queryset.values_list("name", flat=True)) == ["Book club"]
    by_member = moderator.get(url, {"q": "carol"})
    assert by_member.context["cl"].result_count == 1
    by_type = moderator.get(url, {"type__exact": "direct"})
    assert by_type.context["cl"].result_count == 1
    assert moderator.get(url, {"is_public__exact": "1"}).context["cl"].result_count == 0


def test_changelist_query_count_does_not_grow(moderator, user, django_assert_max_num_queries):
    url = reverse("admin:conversations_conversation_changelist")
    for _ in range(3):
        group_with(user, UserFactory())
    with django_assert_max_num_queries(12) as small:
        moderator.get(url)
    for _ in range(6):
        group_with(UserFactory(), UserFactory())
    with django_assert_max_num_queries(len(small.captured_queries)):
        moderator.get(url)


def test_change_page_is_read_only_with_members_inline(moderator, user, other_user):
    conversation = group_with(user, other_user)
    url = reverse("admin:conversations_conversation_change", args=[conversation.id])
    response = moderator.get(url)
    assert response.status_code == 200
    assert b"alice" in response.content and b"bob" in response.content
    moderator.post(url, {"name": "Hijacked"})
    conversation.refresh_from_db()
    assert conversation.name != "Hijacked"
    assert moderator.get(reverse("admin:conversations_conversation_add")).status_code == 403


def test_delete_through_admin_notifies_members(
    moderator, user, other_user, sent_events, django_capture_on_commit_callbacks
):
    conversation = group_with(user, other_user)
    url = reverse("admin:conversations_conversation_delete", args=[conversation.id])
    with django_capture_on_commit_callbacks(execute=True):
        response = moderator.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Conversation.objects.exists()
    assert sorted(group for group, _ in sent_events) == [f"user.{user.id}", f"user.{other_user.id}"]
    assert {event["type"] for _, event in sent_events} == {"conversation_deleted"}


def test_delete_action_goes_through_the_service(
    moderator, user, other_user, sent_events, django_capture_on_commit_callbacks
):
    first, second = group_with(user), group_with(other_user)
    url = reverse("admin:conversations_conversation_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        moderator.post(
            url,
            {"action": "delete_through_service", "_selected_action": [first.id, second.id]},
        )
    assert not Conversation.objects.exists()
    assert len(sent_events) == 2


def test_default_bulk_delete_is_not_offered(moderator):
    response = moderator.get(reverse("admin:conversations_conversation_changelist"))
    choices = [value for value, _ in response.context["action_form"].fields["action"].choices]
    assert "delete_selected" not in choices
    assert "delete_through_service" in choices


def test_remove_member_action_hands_admin_over_and_notifies(
    moderator, user, other_user, sent_events, django_capture_on_commit_callbacks
):
    conversation = group_with(user, other_user)
    membership = ConversationMember.objects.get(user=user)
    url = reverse("admin:conversations_conversationmember_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        moderator.post(url, {"action": "remove_members", "_selected_action": [membership.id]})
    assert list(conversation.memberships.values_list("user_id", "role")) == [(other_user.id, ADMIN)]
    assert (
        f"user.{user.id}",
        {"type": "removed_from_conversation", "conversation_id": conversation.id},
    ) in sent_events


def test_remove_member_of_direct_chat_reports_an_error(moderator, user, other_user):
    direct_conversation(user, other_user)
    membership = ConversationMember.objects.get(user=user)
    url = reverse("admin:conversations_conversationmember_changelist")
    response = moderator.post(
        url, {"action": "remove_members", "_selected_action": [membership.id]}, follow=True
    )
    assert ConversationMember.objects.filter(id=membership.id).exists()
    assert any("direct" in str(m) for m in response.context["messages"])


def test_membership_delete_page_goes_through_the_service(moderator, user, other_user):
    conversation = group_with(user, other_user)
    membership = ConversationMember.objects.get(user=other_user)
    url = reverse("admin:conversations_conversationmember_delete", args=[membership.id])
    assert moderator.post(url, {"post": "yes"}).status_code == 302
    assert list(conversation.memberships.values_list("user_id", flat=True)) == [user.id]


def test_membership_changelist_search(moderator, user, other_user):
    group_with(user, other_user, name="Chess")
    url = reverse("admin:conversations_conversationmember_changelist")
    assert moderator.get(url, {"q": "bob"}).context["cl"].result_count == 1
    assert moderator.get(url, {"q": "chess"}).context["cl"].result_count == 2
    assert moderator.get(url, {"role__exact": "admin"}).context["cl"].result_count == 1

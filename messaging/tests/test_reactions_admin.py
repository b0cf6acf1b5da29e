"""Moderators see reactions and pins in the admin, read-only."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from messaging import services
from messaging.models import Reaction
from messaging.tests.factories import MessageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("moderator_client")]

REACTIONS = reverse("admin:messaging_reaction_changelist")
MESSAGES = reverse("admin:messaging_message_changelist")


@pytest.fixture
def message(group, other_user):
    return MessageFactory(conversation=group, sender=other_user, content="private words")


def test_a_moderator_lists_reactions_without_the_text(client, user, other_user, message):
    services.reaction_add(actor=user, message_id=message.id, emoji="👍")
    services.reaction_add(actor=other_user, message_id=message.id, emoji="🎉")
    response = client.get(REACTIONS)
    assert response.status_code == 200
    assert [r.emoji for r in response.context["cl"].result_list] == ["🎉", "👍"]
    assert b"private words" not in response.content
    only = client.get(REACTIONS, {"q": "alice"}).context["cl"].result_list
    assert [r.user_id for r in only] == [user.id]


def test_reactions_cannot_be_added_changed_or_deleted_here(client, user, message):
    services.reaction_add(actor=user, message_id=message.id, emoji="👍")
    reaction = Reaction.objects.get()
    assert client.get(reverse("admin:messaging_reaction_add")).status_code == 403
    page = client.get(reverse("admin:messaging_reaction_change", args=[reaction.id]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert (
        client.post(reverse("admin:messaging_reaction_delete", args=[reaction.id])).status_code
        == 403
    )


def test_the_message_page_shows_reactions_and_pin(client, user, message):
    services.reaction_add(actor=user, message_id=message.id, emoji="👍")
    services.message_pin(actor=user, message_id=message.id)
    page = client.get(reverse("admin:messaging_message_change", args=[message.id]))
    assert page.status_code == 200
    assert "👍 1".encode() in page.content
    assert f"?message__id__exact={message.id}".encode() in page.content
    pinned = client.get(MESSAGES, {"pinned_at__isempty": "0"}).context["cl"].result_list
    assert [m.id for m in pinned] == [message.id]


def test_the_reaction_list_costs_the_same_at_n_and_2n(
    client, group, message, django_assert_max_num_queries
):
    def react(count):
        for _ in range(count):
            person = UserFactory()
            group.memberships.create(user=person)
            services.reaction_add(actor=person, message_id=message.id, emoji="👍")

    react(5)
    with django_assert_max_num_queries(12) as first:
        client.get(REACTIONS)
    react(10)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(REACTIONS)

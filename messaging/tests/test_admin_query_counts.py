"""Every moderation admin page costs a constant number of queries whatever the number of
rows (N and 2N), as a moderator of the migration's group sees it; and a conversation's
page pages its members instead of rendering all of them."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import User
from accounts.tests.factories import UserFactory
from conversations import services as conversations_services
from conversations.models import ConversationMember
from conversations.tests.factories import group_with
from messaging import services
from messaging.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

PASSWORD = make_password("x")


@pytest.fixture
def world(user, other_user, moderator):
    """A room with a reported message; each `grow(n)` adds n of everything the pages list."""
    room = group_with(user, other_user, name="Weekend hike", is_public=True)
    target = MessageFactory(conversation=room, sender=other_user, content="the reported one")
    first = services.message_report(actor=user, message_id=target.id, reason="first")

    def grow(n: int) -> None:
        for _ in range(n):
            someone = UserFactory()
            room.memberships.create(user=someone)
            message = MessageFactory(conversation=room, sender=other_user, content="more")
            services.message_report(actor=someone, message_id=message.id, reason="bad")
            services.message_report(actor=someone, message_id=target.id, reason="same case")
            services.message_report(actor=user, message_id=message.id, reason="me too")
            accounts_services.moderator_note_add(
                actor=moderator, user_id=other_user.id, text="noted"
            )
            conversations_services.user_mute(
                actor=moderator,
                user_id=someone.id,
                until=timezone.now() + timedelta(hours=1),
                reason="x",
                conversation_id=room.id,
            )
            accounts_services.user_suspend(
                actor=moderator,
                user_id=someone.id,
                until=timezone.now() + timedelta(hours=1),
                reason="y",
            )

    return {"room": room, "target": target, "report": first, "grow": grow}


def pages(world) -> dict[str, Callable[[], str]]:
    room, report, bob = world["room"], world["report"], world["target"].sender_id
    return {
        "report queue": lambda: reverse("admin:messaging_report_changelist"),
        "report queue, all": lambda: (
            reverse("admin:messaging_report_changelist") + "?status__exact=all"
        ),
        "report page": lambda: reverse("admin:messaging_report_change", args=[report.id]),
        "users": lambda: reverse("admin:accounts_user_changelist"),
        "user page": lambda: reverse("admin:accounts_user_change", args=[bob]),
        "audit log": lambda: reverse("admin:accounts_moderationlog_changelist"),
        "notes": lambda: reverse("admin:accounts_moderatornote_changelist"),
        "mutes": lambda: reverse("admin:conversations_mute_changelist"),
        "conversations": lambda: reverse("admin:conversations_conversation_changelist"),
        "conversation page": lambda: reverse(
            "admin:conversations_conversation_change", args=[room.id]
        ),
        "memberships": lambda: reverse("admin:conversations_conversationmember_changelist"),
        "messages": lambda: reverse("admin:messaging_message_changelist"),
        "message page": lambda: reverse(
            "admin:messaging_message_change", args=[world["target"].id]
        ),
    }


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries.captured_queries)


@pytest.mark.usefixtures("moderator_client")
def test_every_moderation_page_has_a_constant_query_count(client, world):
    urls = {name: build() for name, build in pages(world).items()}
    world["grow"](3)
    for url in urls.values():  # warm the per-process caches (content types) first
        count(client, url)
    at_n = {name: count(client, url) for name, url in urls.items()}
    world["grow"](3)
    at_2n = {name: count(client, url) for name, url in urls.items()}
    assert at_2n == at_n


@pytest.mark.usefixtures("moderator_client")
def test_a_conversation_page_shows_one_page_of_members(client, world):
    room = world["room"]
    users = User.objects.bulk_create(
        [User(username=f"member{i:04d}", password=PASSWORD) for i in range(120)]
    )
    ConversationMember.objects.bulk_create(
        [ConversationMember(conversation=room, user=u) for u in users]
    )
    url = reverse("admin:conversations_conversation_change", args=[room.id])
    response = client.get(url)
    html = response.content.decode()
    assert "Members (122)" in html
    assert "page 1 of 3" in html
    assert html.count("open (remove, mute)") == 50
    assert "member0047" in html and "member0049" not in html
    second = client.get(url, {"members_page": 2}).content.decode()
    assert "member0049" in second and "page 2 of 3" in second
    # no inline formset of members any more
    assert "conversationmember_set" not in html and "memberships-TOTAL_FORMS" not in html

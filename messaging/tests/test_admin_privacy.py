"""Privacy from staff in the message admin: the text of direct chats and private groups is
shown only through a report (the reported message and the messages around it) or to a
superuser who opened the conversation with a reason (conversations/tests/test_admin.py);
public rooms stay visible. Moderators here are staff in the migration's `moderators` group.
"""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from conversations import services as conversation_services
from conversations.tests.factories import direct_conversation, group_with, public_room_with
from messaging import selectors, services
from messaging.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:messaging_message_changelist")
PLACEHOLDER = selectors.PRIVATE_PLACEHOLDER


def message_page(message) -> str:
    return reverse("admin:messaging_message_change", args=[message.id])


def report_page(report) -> str:
    return reverse("admin:messaging_report_change", args=[report.id])


@pytest.fixture
def secret(user, direct):
    """A direct message nobody reported."""
    return MessageFactory(conversation=direct, sender=user, content="my pin is 4711 tulips")


@pytest.fixture
def group_secret(user, other_user):
    team = group_with(user, other_user, name="Family")
    return MessageFactory(conversation=team, sender=other_user, content="surprise party saturday")


@pytest.fixture
def public(user, other_user):
    room = public_room_with(user, other_user, name="Lobby")
    return MessageFactory(conversation=room, sender=user, content="hello everyone in the lobby")


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.usefixtures("moderator_client")
def test_the_changelist_shows_no_private_text(client, moderator, secret, group_secret, public):
    page = html(client.get(CHANGELIST))
    assert "4711 tulips" not in page and "surprise party" not in page
    assert page.count(PLACEHOLDER) == 2
    assert "hello everyone in the lobby" in page  # public rooms stay visible
    # filtered to the direct chat (the conversation page links there): still nothing
    page = html(client.get(CHANGELIST, {"conversation__id__exact": secret.conversation_id}))
    assert "4711 tulips" not in page and PLACEHOLDER in page


@pytest.mark.usefixtures("moderator_client")
def test_a_private_message_page_shows_no_text(client, moderator, secret, group_secret, public):
    for message in (secret, group_secret):
        page = html(client.get(message_page(message)))
        assert message.content not in page
        assert PLACEHOLDER in page
    assert "hello everyone in the lobby" in html(client.get(message_page(public)))


@pytest.mark.usefixtures("moderator_client")
def test_searching_private_words_finds_nothing(client, moderator, secret, group_secret, public):
    for words in ("tulips", "4711", '"pin is 4711"', "surprise party", "my pin"):
        response = client.get(CHANGELIST, {"q": words})
        assert response.context["cl"].result_count == 0, words
        assert "my pin is 4711 tulips" not in html(response)
    found = client.get(CHANGELIST, {"q": "lobby"})  # text, and the room's name
    assert list(found.context["cl"].result_list) == [public]
    # who wrote to whom is not content: the sender still finds the rows, without their text
    by_sender = client.get(CHANGELIST, {"q": "alice"})
    assert set(by_sender.context["cl"].result_list) == {secret, public}
    assert "4711 tulips" not in html(by_sender)


def test_superusers_do_not_read_private_text_either(admin_client, secret, group_secret):
    for response in (admin_client.get(CHANGELIST), admin_client.get(message_page(secret))):
        assert "4711 tulips" not in html(response) and PLACEHOLDER in html(response)
    assert admin_client.get(CHANGELIST, {"q": "tulips"}).context["cl"].result_count == 0


@pytest.mark.usefixtures("moderator_client")
def test_a_reported_private_message_is_read_from_its_report_with_context(
    client, moderator, user, other_user, direct
):
    words = [
        "alpha",
        "bravo",
        "charlie",
        "delta",
        "echo",
        "foxtrot",
        "golf",
        "hotel",
        "india",
        "juliet",
        "kilo",
        "lima",
        "mike",
    ]
    history = [
        MessageFactory(
            conversation=direct, sender=(user, other_user)[i % 2], content=f"{word} says {i}"
        )
        for i, word in enumerate(words)
    ]
    reported = history[6]  # golf, sent by alice; bob reports it
    assert reported.sender == user
    MessageFactory(conversation=direct, sender=user, content="unrelated later", is_deleted=False)
    report = services.message_report(actor=other_user, message_id=reported.id, reason="threat")
    page = html(client.get(report_page(report)))
    radius = selectors.REPORT_CONTEXT_RADIUS
    shown = {m.content for m in history[6 - radius : 6 + radius + 1]}
    for message in history:
        assert (message.content in page) == (message.content in shown), message.content
    assert 'id="report-context"' in page and "◀ reported" in page
    # the message admin still hides it, and points to the report instead
    message_html = html(client.get(message_page(reported)))
    assert "golf says 6" not in message_html
    assert report_page(report) in message_html
    neighbour = html(client.get(message_page(history[5])))
    assert "foxtrot" not in neighbour and report_page(report) not in neighbour


@pytest.mark.usefixtures("moderator_client")
def test_report_context_marks_deleted_messages_and_survives_a_deleted_conversation(
    client, moderator, user, other_user, direct
):
    before = MessageFactory(conversation=direct, sender=other_user, content="earlier words")
    rude = MessageFactory(conversation=direct, sender=other_user, content="rude words")
    report = services.message_report(actor=user, message_id=rude.id, reason="rude")
    services.report_redact_message(actor=moderator, report_id=report.id)
    page = html(client.get(report_page(report)))
    assert "[deleted] rude words" in page and "earlier words" in page
    superuser = UserFactory(is_staff=True, is_superuser=True)  # moderators may not delete
    conversation_services.conversation_moderate_delete(actor=superuser, conversation_id=direct.id)
    page = html(client.get(report_page(report)))
    assert "rude words" in page  # the snapshot taken when it was reported
    assert before.content not in page
    assert "The message is gone" in page


@pytest.mark.usefixtures("moderator_client")
def test_a_user_report_has_no_conversation_context(client, moderator, user, other_user):
    report = services.user_report(actor=user, user_id=other_user.id, reason="spam")
    assert 'id="report-context"' not in html(client.get(report_page(report)))


@pytest.mark.usefixtures("moderator_client")
def test_public_room_messages_stay_visible(client, moderator, public):
    assert "hello everyone in the lobby" in html(client.get(CHANGELIST))
    assert "hello everyone in the lobby" in html(client.get(message_page(public)))
    assert client.get(CHANGELIST, {"q": "everyone"}).context["cl"].result_count == 1


@pytest.mark.usefixtures("moderator_client")
def test_the_changelist_query_count_stays_constant(
    client, moderator, user, django_assert_max_num_queries
):
    def fill(n: int) -> None:
        for _ in range(n):
            peer = UserFactory()
            MessageFactory(conversation=direct_conversation(user, peer), sender=peer)
            MessageFactory(conversation=public_room_with(peer), sender=peer)

    fill(3)
    with django_assert_max_num_queries(12) as first:
        assert client.get(CHANGELIST).status_code == 200
    fill(6)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(CHANGELIST).status_code == 200

"""The change cursor (`GET /api/conversations/{id}/changes?since=`): every change to a
conversation's messages is numbered, and a client that remembers one number misses
nothing. Also the history's query count with reactions and replies."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conversations.models import Conversation, ConversationMember
from conversations.tests.factories import group_with
from messaging import services
from messaging.models import Message
from messaging.tests.factories import MessageFactory
from tests.concurrency import run_concurrently

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(client_for, user):
    return client_for(user)


def changes(client, conversation_id, **params):
    return client.get(f"/api/conversations/{conversation_id}/changes", params)


def test_every_kind_of_change_is_in_the_feed_once_as_it_is_now(alice, user, other_user, group):
    first, _ = services.message_send(actor=other_user, conversation_id=group.id, content="one")
    second, _ = services.message_send(actor=other_user, conversation_id=group.id, content="two")
    third, _ = services.message_send(actor=user, conversation_id=group.id, content="three")
    start = changes(alice, group.id, since=0).json()
    assert [m["id"] for m in start["messages"]] == [first.id, second.id, third.id]
    assert (start["cursor"], start["has_more"], start["conversation_id"]) == (3, False, group.id)

    services.message_edit(actor=other_user, message_id=first.id, content="one, edited")
    services.reaction_add(actor=user, message_id=second.id, emoji="👍")
    services.message_pin(actor=user, message_id=third.id)
    services.message_delete(actor=other_user, message_id=second.id)
    fourth, _ = services.message_send(actor=other_user, conversation_id=group.id, content="four")

    body = changes(alice, group.id, since=start["cursor"]).json()
    assert [(m["id"], m["change_seq"]) for m in body["messages"]] == [
        (first.id, 4),
        (third.id, 6),
        (second.id, 7),  # reacted to (5), then deleted (7): once, deleted
        (fourth.id, 8),
    ]
    edited, pinned, deleted, new = body["messages"]
    assert edited["content"] == "one, edited" and edited["edited_at"] is not None
    assert pinned["pinned_by_id"] == user.id
    assert deleted["is_deleted"] and deleted["reactions"] == [] and deleted["content"] == ""
    assert new["content"] == "four"
    assert (body["cursor"], body["has_more"]) == (8, False)
    assert changes(alice, group.id, since=8).json() == {
        "conversation_id": group.id,
        "messages": [],
        "cursor": 8,
        "has_more": False,
    }


def test_a_reaction_shows_in_the_feed_with_the_viewers_me(alice, user, other_user, group):
    message, _ = services.message_send(actor=other_user, conversation_id=group.id, content="x")
    services.reaction_add(actor=user, message_id=message.id, emoji="🎉")
    (changed,) = changes(alice, group.id, since=1).json()["messages"]
    assert changed["reactions"] == [{"emoji": "🎉", "count": 1, "me": True}]


def test_pages_follow_the_cursor(alice, user, group):
    sent = [
        services.message_send(actor=user, conversation_id=group.id, content=f"m{n}")[0]
        for n in range(5)
    ]
    seen, cursor = [], 0
    while True:
        body = changes(alice, group.id, since=cursor, limit=2).json()
        seen += [m["id"] for m in body["messages"]]
        cursor = body["cursor"]
        if not body["has_more"]:
            break
    assert seen == [m.id for m in sent] and cursor == 5


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "since"),
        ({"since": -1}, "since"),
        ({"since": "x"}, "since"),
        ({"since": 0, "limit": 101}, "limit"),
    ],
)
def test_bad_parameters_are_400(alice, group, params, field):
    response = changes(alice, group.id, **params)
    assert response.status_code == 400 and field in response.json()


def test_a_cursor_ahead_of_the_conversation_is_400(alice, user, group):
    services.message_send(actor=user, conversation_id=group.id, content="x")
    response = changes(alice, group.id, since=2)
    assert response.status_code == 400
    assert response.json() == {
        "since": ["Ahead of this conversation's last change (1): start from 0."]
    }


def test_non_members_get_404(client_for, outsider, group):
    mallory = client_for(outsider)
    assert changes(mallory, group.id, since=0).status_code == 404
    assert changes(mallory, 999_999, since=0).status_code == 404


def test_the_feed_costs_the_same_at_n_and_2n(
    alice, user, other_user, group, django_assert_num_queries
):
    def churn(count):
        for _ in range(count):
            original = MessageFactory(conversation=group, sender=other_user)
            reply, _ = services.message_send(
                actor=user, conversation_id=group.id, content="re", reply_to=original.id
            )
            services.reaction_add(actor=other_user, message_id=reply.id, emoji="👍")

    churn(5)  # membership, the page (senders, quotes joined), its attachments, its reactions
    with django_assert_num_queries(4):
        assert len(changes(alice, group.id, since=0).json()["messages"]) == 10
    churn(5)
    with django_assert_num_queries(4):
        assert len(changes(alice, group.id, since=0).json()["messages"]) == 20


def test_history_costs_the_same_at_n_and_2n_with_reactions_and_replies(
    alice, user, other_user, user_factory, group, django_assert_num_queries
):
    def add(count):
        for n in range(count):
            sender = user_factory()
            ConversationMember.objects.create(conversation=group, user=sender)
            original = MessageFactory(conversation=group, sender=sender, content=f"q{n}")
            reply, _ = services.message_send(
                actor=other_user, conversation_id=group.id, content="a", reply_to=original.id
            )
            for emoji in ("👍", "🎉"):
                services.reaction_add(actor=sender, message_id=reply.id, emoji=emoji)
            services.reaction_add(actor=user, message_id=original.id, emoji="👀")

    add(5)  # membership, the page (senders, quotes joined), its attachments, its reactions
    with django_assert_num_queries(4):
        page = alice.get(f"/api/messages/conversation/{group.id}").json()
    assert len(page) == 10 and page[-1]["reply_to"]["preview"] == "q4"
    assert page[-1]["reactions"] == [
        {"emoji": "👍", "count": 1, "me": False},
        {"emoji": "🎉", "count": 1, "me": False},
    ]
    add(5)
    with django_assert_num_queries(4):
        assert len(alice.get(f"/api/messages/conversation/{group.id}").json()) == 20


def test_a_send_numbers_its_change_in_its_one_statement(user, group):
    """The send path stays one statement on PostgreSQL with the change number in it."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's one-statement send")
    services.message_send(actor=user, conversation_id=group.id, content="warm up")
    with CaptureQueriesContext(connection) as ctx:
        message, _ = services.message_send(actor=user, conversation_id=group.id, content="x")
    statements = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 1, statements  # (the savepoint is the test's transaction's)
    assert message.change_seq == Conversation.objects.get(pk=group.id).last_change_seq == 2


# Row locks racing from several threads; SQLite (the embedded pass) queues the writers
# behind its one write lock instead (chat_project.settings.base.sqlite_config).
@pytest.mark.django_db(transaction=True)
def test_change_numbers_are_gapless_and_unique_under_concurrency(user_factory):
    """Sends, edits, reactions and pins of one conversation at once: every change got its
    own number, 1..N with no gap, so a cursor can skip nothing."""
    alice, bob, carol = user_factory(), user_factory(), user_factory()
    group = group_with(alice, bob, carol)
    target, _ = services.message_send(actor=bob, conversation_id=group.id, content="target")

    def send(user, n):
        return lambda: [
            services.message_send(actor=user, conversation_id=group.id, content=f"{n}-{i}")
            for i in range(3)
        ]

    results = run_concurrently(
        send(alice, 1),
        send(carol, 2),
        lambda: [
            services.message_edit(actor=bob, message_id=target.id, content=f"v{i}")
            for i in range(3)
        ],
        lambda: [
            services.reaction_add(actor=carol, message_id=target.id, emoji=e)
            for e in ("👍", "🎉", "👀")
        ],
        lambda: services.message_pin(actor=alice, message_id=target.id),
    )
    assert not [r for r in results if isinstance(r, BaseException)], results
    group.refresh_from_db()
    assert group.last_change_seq == 1 + 3 + 3 + 3 + 3 + 1
    numbers = list(Message.objects.filter(conversation=group).values_list("change_seq", flat=True))
    assert len(numbers) == len(set(numbers)) == 7  # target + six sends
    assert max(numbers) <= group.last_change_seq


def test_a_posted_message_and_its_payload_update_are_changes(alice, user, direct):
    payload = {"id": 7, "amount": 1050, "currency": "EUR", "exponent": 2, "note": "", "status": "x"}
    posted = services.message_post(
        actor=user,
        conversation_id=direct.id,
        content="Sent **10.50** EUR",
        message_type="transfer",
        payload=payload,
    )
    assert (posted.change_seq, posted.content_html) == (1, "<p>Sent <strong>10.50</strong> EUR</p>")
    services.message_payload_update(message_id=posted.id, payload={**payload, "status": "y"})
    (changed,) = changes(alice, direct.id, since=1).json()["messages"]
    assert (changed["id"], changed["change_seq"], changed["transfer"]["status"]) == (
        posted.id,
        2,
        "y",
    )

""" "Seen by" (`GET /api/conversations/{id}/read-positions`), the `mentions` of a message
and the conversation list's `unread_mentions`."""

import pytest

from conversations.tests.factories import group_with
from friends.tests.factories import block
from messaging import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol(user_factory):
    return user_factory(username="carol")


@pytest.fixture
def team(user, other_user, carol):
    return group_with(user, other_user, carol, name="Team")


@pytest.fixture
def alice(client_for, user):
    return client_for(user)


@pytest.fixture
def bob(client_for, other_user):
    return client_for(other_user)


def send(user, conversation, content="x"):
    return services.message_send(actor=user, conversation_id=conversation.id, content=content)[0]


def positions(client, conversation):
    return client.get(f"/api/conversations/{conversation.id}/read-positions")


def test_read_positions_of_every_member(alice, user, other_user, carol, team):
    first = send(user, team)
    second = send(other_user, team)
    services.message_mark_read(actor=carol, conversation_id=team.id, message_id=first.id)
    response = positions(alice, team)
    assert response.status_code == 200
    assert response.json() == [
        {"user_id": user.id, "last_read_message_id": first.id, "last_read_seq": 1},
        {"user_id": other_user.id, "last_read_message_id": second.id, "last_read_seq": 2},
        {"user_id": carol.id, "last_read_message_id": first.id, "last_read_seq": 1},
    ]


def test_read_positions_leave_out_blocks_either_way(alice, bob, user, other_user, carol, team):
    block(user, other_user)  # alice blocks bob
    block(carol, user)  # carol blocks alice
    assert [row["user_id"] for row in positions(alice, team).json()] == [user.id]
    assert [row["user_id"] for row in positions(bob, team).json()] == [other_user.id, carol.id]


def test_read_positions_are_404_to_non_members(client_for, outsider, team):
    assert positions(client_for(outsider), team).status_code == 404


def test_read_positions_query_count_is_constant(
    alice, user, user_factory, team, django_assert_num_queries
):
    with django_assert_num_queries(2):  # membership, the members (blocks as subqueries)
        positions(alice, team)
    for _ in range(5):
        team.memberships.create(user=user_factory())
    with django_assert_num_queries(2):
        assert len(positions(alice, team).json()) == 8


def test_a_message_lists_whom_it_mentions(bob, user, other_user, carol, team):
    message = send(user, team, "@bob and @Carol, not @dave nor `@carol`")
    body = bob.get(f"/api/messages/{message.id}").json()
    assert body["mentions"] == sorted([other_user.id, carol.id])
    assert body["content_html"] == (
        f'<p><span class="mention" data-user-id="{other_user.id}">@bob</span> and '
        f'<span class="mention" data-user-id="{carol.id}">@Carol</span>, not @dave nor '
        "<code>@carol</code></p>"
    )


def test_an_edit_renders_again(bob, user, other_user, team):
    message = send(user, team, "plain")
    services.message_edit(actor=user, message_id=message.id, content="**@bob** look")
    body = bob.get(f"/api/messages/{message.id}").json()
    assert body["mentions"] == [other_user.id]
    assert body["content_html"].startswith('<p><strong><span class="mention"')


def unread_mentions(client, conversation):
    (item,) = [c for c in client.get("/api/conversations").json() if c["id"] == conversation.id]
    detail = client.get(f"/api/conversations/{conversation.id}").json()
    assert detail["unread_mentions"] == item["unread_mentions"]
    return item["unread_mentions"]


def test_unread_mentions_count_what_mentions_you_after_your_marker(
    bob, user, other_user, carol, team
):
    assert unread_mentions(bob, team) == 0
    send(other_user, team, "@bob myself")  # your own: never unread (and marks all read)
    send(user, team, "@bob one")
    send(carol, team, "no mention")
    third = send(carol, team, "@bob two")
    gone = send(user, team, "@bob deleted")
    services.message_delete(actor=user, message_id=gone.id)
    assert unread_mentions(bob, team) == 2
    services.message_mark_read(actor=other_user, conversation_id=team.id, message_id=third.id)
    assert unread_mentions(bob, team) == 0


def test_unread_mentions_leave_out_blocked_senders(bob, user, other_user, carol, team):
    send(user, team, "@bob from alice")
    send(carol, team, "@bob from carol")
    block(other_user, carol)
    assert unread_mentions(bob, team) == 1


def test_a_conversation_new_to_you_has_no_unread_mentions(user, other_user, carol, team):
    send(user, team, "@bob")
    from conversations.events import conversation_created_for

    event = conversation_created_for(team, [carol.id])[carol.id]
    assert event["conversation"]["unread_mentions"] == 0

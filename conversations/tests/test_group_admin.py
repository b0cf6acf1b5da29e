"""A group's administration: roles (owner > admin > member), the hand-over of ownership,
removals and bans, over the services and REST, with their events and system lines."""

import pytest

from accounts.tests.factories import UserFactory
from conversations import services
from conversations.models import ConversationBan, ConversationMember
from conversations.tests.factories import direct_conversation, group_with, public_room_with
from friends.tests.factories import make_friends
from messaging.models import Message

pytestmark = pytest.mark.django_db

URL = "/api/conversations"
OWNER, ADMIN, MEMBER = "owner", "admin", "member"


def url(conversation_id: object, suffix: str = "") -> str:
    return f"{URL}/{conversation_id}{suffix}"


def roles(conversation) -> dict[int, str]:
    return dict(conversation.memberships.values_list("user_id", "role"))


def lines(conversation) -> list[tuple[str, dict]]:
    rows = Message.objects.filter(conversation=conversation, message_type="system")
    return list(rows.order_by("seq").values_list("content", "payload"))


@pytest.fixture
def team(user, other_user):
    """alice (owner), bob (admin), carol and dave (members)."""
    carol, dave = UserFactory(username="carol"), UserFactory(username="dave")
    conversation = group_with(user, other_user, carol, dave, name="Team")
    ConversationMember.objects.filter(user=other_user).update(role=ADMIN)
    conversation.carol, conversation.dave = carol, dave
    return conversation


# --- The permissions matrix ----------------------------------------------------------------

# (who acts, on whom, what) -> HTTP status; alice owner, bob admin, carol/dave members.
MATRIX = [
    ("alice", "carol", "promote", 200),
    ("alice", "bob", "demote", 200),
    ("bob", "carol", "promote", 403),
    ("carol", "dave", "promote", 403),
    ("alice", "alice", "demote", 400),
    ("alice", "carol", "transfer", 200),
    ("bob", "carol", "transfer", 403),
    ("carol", "carol", "transfer", 403),
    ("alice", "bob", "remove", 204),
    ("bob", "carol", "remove", 204),
    ("bob", "alice", "remove", 403),
    ("carol", "dave", "remove", 403),
    ("alice", "bob", "ban", 201),
    ("bob", "carol", "ban", 201),
    ("bob", "alice", "ban", 403),
    ("carol", "dave", "ban", 403),
    ("bob", "bob", "ban", 400),
    ("alice", None, "delete", 204),
    ("bob", None, "delete", 403),
    ("bob", None, "rename", 200),
    ("carol", None, "rename", 403),
    ("bob", None, "invite", 201),
    ("carol", None, "invite", 403),
    ("carol", None, "bans", 403),
    ("bob", None, "bans", 200),
]


def _request(client, conversation, target, what):
    target_id = target.id if target else None
    calls = {
        "promote": ("patch", f"/members/{target_id}", {"role": ADMIN}),
        "demote": ("patch", f"/members/{target_id}", {"role": MEMBER}),
        "transfer": ("post", "/transfer-ownership", {"user_id": target_id}),
        "remove": ("delete", f"/members/{target_id}", None),
        "ban": ("post", "/bans", {"user_id": target_id}),
        "delete": ("delete", "", None),
        "rename": ("patch", "", {"name": "Renamed"}),
        "invite": ("post", "/invites", {}),
        "bans": ("get", "/bans", None),
    }
    method, suffix, body = calls[what]
    return getattr(client, method)(url(conversation.id, suffix), body, format="json")


@pytest.mark.parametrize(("actor", "target", "what", "status"), MATRIX)
def test_permissions_matrix(team, user, other_user, client_for, actor, target, what, status):
    people = {"alice": user, "bob": other_user, "carol": team.carol, "dave": team.dave}
    response = _request(client_for(people[actor]), team, people.get(target), what)
    assert response.status_code == status, response.content


@pytest.mark.parametrize("what", ["promote", "transfer", "remove", "ban", "bans", "invite"])
def test_a_stranger_gets_404(team, user, client_for, what):
    response = _request(client_for(UserFactory()), team, team.carol, what)
    assert response.status_code == 404


def test_roles_of_a_direct_chat_cannot_change(user, other_user, client_for):
    conversation = direct_conversation(user, other_user)
    response = client_for(user).patch(
        url(conversation.id, f"/members/{other_user.id}"), {"role": ADMIN}, format="json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("body", [{"role": "owner"}, {"role": "boss"}, {}, {"role": 1}])
def test_bad_role_is_400(team, user, client_for, body):
    response = client_for(user).patch(
        url(team.id, f"/members/{team.carol.id}"), body, format="json"
    )
    assert response.status_code == 400


# --- Roles and ownership -------------------------------------------------------------------


def test_owner_promotes_and_everyone_hears_it(
    team, user, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_member_role_set(
            actor=user, conversation_id=team.id, user_id=team.carol.id, role=ADMIN
        )
    assert roles(team)[team.carol.id] == ADMIN
    group = f"conversation.{team.id}"
    assert sent_events[0] == (
        group,
        {
            "type": "member_role_changed",
            "conversation_id": team.id,
            "user_id": team.carol.id,
            "role": "admin",
        },
    )
    assert [(g, e["type"]) for g, e in sent_events] == [
        (group, "member_role_changed"),
        (group, "new_message"),
    ]
    assert lines(team) == [
        (
            "Alice made Carol an admin",
            {"event": "role_changed", "actor_id": user.id, "user_id": team.carol.id, "role": ADMIN},
        )
    ]


def test_the_same_role_again_changes_nothing(team, user, other_user, sent_events):
    services.conversation_member_role_set(
        actor=user, conversation_id=team.id, user_id=other_user.id, role=ADMIN
    )
    assert sent_events == []
    assert lines(team) == []


def test_transfer_makes_the_old_owner_an_admin(
    team, user, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.conversation_ownership_transfer(
            actor=user, conversation_id=team.id, user_id=team.carol.id
        )
    assert roles(team)[user.id] == ADMIN
    assert roles(team)[team.carol.id] == OWNER
    changes = [e for _, e in sent_events if e["type"] == "member_role_changed"]
    assert changes == [
        {
            "type": "member_role_changed",
            "conversation_id": team.id,
            "user_id": user.id,
            "role": ADMIN,
        },
        {
            "type": "member_role_changed",
            "conversation_id": team.id,
            "user_id": team.carol.id,
            "role": OWNER,
        },
    ]
    assert lines(team)[-1][0] == "Carol is now the owner"


def test_transfer_over_rest(team, user, client_for):
    response = client_for(user).post(
        url(team.id, "/transfer-ownership"), {"user_id": team.dave.id}, format="json"
    )
    assert response.status_code == 200
    members = {m["id"]: m["role"] for m in response.json()["members"]}
    assert (members[team.dave.id], members[user.id]) == (OWNER, ADMIN)


def test_transfer_to_a_non_member_is_404(team, user, client_for):
    response = client_for(user).post(
        url(team.id, "/transfer-ownership"), {"user_id": UserFactory().id}, format="json"
    )
    assert response.status_code == 404


def test_one_owner_is_a_database_rule(team, other_user):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ConversationMember.objects.filter(user=other_user).update(role=OWNER)


# --- Bans ----------------------------------------------------------------------------------


def test_ban_removes_and_the_banned_cannot_rejoin_a_public_room(
    user, other_user, client_for, sent_events, django_capture_on_commit_callbacks
):
    room = public_room_with(user, other_user)
    alice, bob = client_for(user), client_for(other_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice.post(
            url(room.id, "/bans"), {"user_id": other_user.id, "reason": "spam"}, format="json"
        )
    assert response.status_code == 201
    assert response.json()["user"]["id"] == other_user.id
    assert response.json()["reason"] == "spam"
    assert roles(room) == {user.id: OWNER}
    assert (
        f"user.{other_user.id}",
        {"type": "removed_from_conversation", "conversation_id": room.id},
    ) in sent_events
    assert lines(room) == [
        ("Alice banned Bob", {"event": "banned", "actor_id": user.id, "user_id": other_user.id})
    ]
    rejoin = bob.post(url(room.id, "/join"))
    assert (rejoin.status_code, rejoin.json()["code"]) == (403, "banned")
    assert alice.delete(url(room.id, f"/bans/{other_user.id}")).status_code == 204
    assert bob.post(url(room.id, "/join")).status_code == 200


def test_a_banned_user_cannot_be_added_back(team, user, other_user, client_for):
    make_friends(user, team.carol)
    services.conversation_ban(actor=user, conversation_id=team.id, user_id=team.carol.id)
    response = client_for(user).post(
        url(team.id, "/members"), {"user_ids": [team.carol.id]}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (403, "banned")


def test_banning_someone_who_left_works_and_twice_is_the_same(team, user):
    stranger = UserFactory()
    first = services.conversation_ban(actor=user, conversation_id=team.id, user_id=stranger.id)
    again = services.conversation_ban(actor=user, conversation_id=team.id, user_id=stranger.id)
    assert first.id == again.id
    assert ConversationBan.objects.count() == 1


def test_unban_of_someone_not_banned_is_404(team, user, client_for):
    assert client_for(user).delete(url(team.id, f"/bans/{team.carol.id}")).status_code == 404


def test_ban_list_query_count_at_n_and_2n(team, user, client_for, django_assert_num_queries):
    alice = client_for(user)
    for _ in range(3):
        services.conversation_ban(actor=user, conversation_id=team.id, user_id=UserFactory().id)
    with django_assert_num_queries(2):  # membership, bans with their users
        assert len(alice.get(url(team.id, "/bans")).json()) == 3
    for _ in range(3):
        services.conversation_ban(actor=user, conversation_id=team.id, user_id=UserFactory().id)
    with django_assert_num_queries(2):
        assert len(alice.get(url(team.id, "/bans")).json()) == 6


def test_member_list_query_count_at_n_and_2n(user, client_for, django_assert_num_queries):
    """The member list (with roles) is the conversation's detail: constant in members."""
    conversation = group_with(user, *UserFactory.create_batch(5))
    alice = client_for(user)
    with django_assert_num_queries(3) as small:  # conversation, members, mentions
        assert len(alice.get(url(conversation.id)).json()["members"]) == 6
    for member in UserFactory.create_batch(6):
        ConversationMember.objects.create(conversation=conversation, user=member)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(alice.get(url(conversation.id)).json()["members"]) == 12


# --- System lines --------------------------------------------------------------------------


def test_system_lines_do_not_make_anyone_unread(team, user, other_user, client_for):
    services.conversation_member_remove(actor=user, conversation_id=team.id, user_id=team.dave.id)
    body = client_for(other_user).get(url(team.id)).json()
    assert body["unread_count"] == 0
    assert body["last_message"]["message_type"] == "system"
    assert body["last_message"]["content"] == "Alice removed Dave"


def test_leaving_writes_a_line_and_history_shows_it(team, user, other_user, client_for):
    services.conversation_leave(actor=team.carol, conversation_id=team.id)
    history = client_for(other_user).get(f"/api/messages/conversation/{team.id}").json()
    rows = history["results"] if isinstance(history, dict) else history
    assert [(m["content"], m["system"]) for m in rows] == [
        ("Carol left", {"event": "left", "actor_id": team.carol.id})
    ]

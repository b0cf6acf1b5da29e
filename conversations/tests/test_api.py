import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from conversations.models import Conversation, ConversationMember
from conversations.tests.factories import direct_conversation, group_with, public_room_with
from friends.tests.factories import block, make_friends
from messaging.tests.factories import AttachmentFactory, MessageFactory

pytestmark = pytest.mark.django_db

URL = "/api/conversations"


def url(conversation_id: object, suffix: str = "") -> str:
    return f"{URL}/{conversation_id}{suffix}"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what is inside as if it committed: on-commit callbacks (events) fire on exit."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def alice(user, client_for):
    return client_for(user)


@pytest.fixture
def bob(other_user, client_for):
    return client_for(other_user)


# --- List and detail -------------------------------------------------------------------


def test_list_shape(user, other_user, alice):
    conversation = group_with(user, other_user, name="Team", description="d", max_participants=9)
    response = alice.get(URL)
    assert response.status_code == 200
    (item,) = response.json()
    assert item == {
        "id": conversation.id,
        "type": "group",
        "name": "Team",
        "description": "d",
        "is_public": False,
        "max_participants": 9,
        "private_pair_key": None,
        "avatar_url": None,
        "avatar_thumbnail_url": None,
        "member_ids": [user.id, other_user.id],
        "members": [
            {
                "id": user.id,
                "username": "alice",
                "display_name": "Alice",
                "role": "owner",
                "avatar_url": None,
                "avatar_thumbnail_url": None,
                "is_bot": False,
            },
            {
                "id": other_user.id,
                "username": "bob",
                "display_name": "Bob",
                "role": "member",
                "avatar_url": None,
                "avatar_thumbnail_url": None,
                "is_bot": False,
            },
        ],
        "created_at": item["created_at"],
        "last_message": None,
        "unread_count": 0,
        "unread_mentions": 0,
        "last_read_message_id": None,
        "notification_level": "all",
        "muted_until": None,
    }
    assert item["created_at"].endswith("Z")


def test_list_has_last_message_unread_count_and_recent_activity_first(user, other_user, alice):
    quiet = group_with(user, name="quiet")
    direct = direct_conversation(user, other_user)
    busy = group_with(user, other_user, name="busy")
    MessageFactory(conversation=direct, sender=other_user)
    first = MessageFactory(conversation=busy, sender=other_user)
    last = MessageFactory(conversation=busy, sender=other_user, content="latest")
    ConversationMember.objects.filter(conversation=busy, user=user).update(
        last_read_seq=first.seq, last_read_message_id=first.id
    )
    newest_empty = group_with(user, name="new")  # created after every message

    items = alice.get(URL).json()
    assert [i["id"] for i in items] == [newest_empty.id, busy.id, direct.id, quiet.id]
    busy_item = items[1]
    assert busy_item["unread_count"] == 1
    assert busy_item["last_read_message_id"] == first.id
    assert busy_item["last_message"]["id"] == last.id
    assert busy_item["last_message"]["content"] == "latest"
    assert busy_item["last_message"]["sender_username"] == "bob"
    assert items[2]["private_pair_key"] == Conversation.pair_key(user.id, other_user.id)
    assert items[2]["unread_count"] == 1


def test_unread_count_is_never_negative(user, alice):
    group_with(user)
    ConversationMember.objects.filter(user=user).update(last_read_seq=50)
    assert alice.get(URL).json()[0]["unread_count"] == 0


def test_list_excludes_other_peoples_conversations(user, other_user, alice):
    group_with(other_user, name="not mine")
    assert alice.get(URL).json() == []


def _make_conversations(user, count: int) -> None:
    """`count` groups and direct chats with avatars (people and groups), whose last
    messages carry attachments."""
    for n in range(count):
        friend = UserFactory(avatar=f"{n:032x}")
        conversation = group_with(user, friend, UserFactory(avatar=f"{n + 100:032x}"))
        Conversation.objects.filter(pk=conversation.pk).update(avatar=f"{n + 200:032x}")
        AttachmentFactory.create_batch(
            2, message=MessageFactory(conversation=conversation, sender=friend)
        )
        direct = direct_conversation(user, friend)
        AttachmentFactory(message=MessageFactory(conversation=direct, sender=user))


def test_list_query_count_is_constant(user, alice):
    _make_conversations(user, 3)
    with CaptureQueriesContext(connection) as small:
        items = alice.get(URL).json()
        assert len(items) == 6 and all(i["last_message"]["attachments"] for i in items)
        assert all(m["avatar_url"] for i in items for m in i["members"] if m["id"] != user.id)
        assert all(i["avatar_url"] for i in items if i["type"] == "group")
    _make_conversations(user, 3)
    with CaptureQueriesContext(connection) as large:
        assert len(alice.get(URL).json()) == 12
    # conversations, memberships+users, last messages, their attachments, their
    # reactions, unread mentions
    assert len(small) == len(large) == 6


def test_list_query_count_at_n_and_2n(user, alice, django_assert_num_queries):
    _make_conversations(user, 5)
    with django_assert_num_queries(6):
        alice.get(URL)
    _make_conversations(user, 5)
    with django_assert_num_queries(6):
        alice.get(URL)


def test_retrieve(user, other_user, alice):
    conversation = direct_conversation(user, other_user)
    response = alice.get(url(conversation.id))
    assert response.status_code == 200
    assert response.json()["id"] == conversation.id
    assert alice.get(url(conversation.id, "/")).status_code == 200  # optional trailing slash


@pytest.mark.parametrize("bad_id", ["abc", "0", "-1", "99999999", "1.5", "9" * 30, "%C2%B2"])
def test_retrieve_bad_or_unknown_id_is_404(alice, bad_id):
    response = alice.get(url(bad_id))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_non_member_gets_404_even_for_a_public_room(user, other_user, bob):
    room = public_room_with(user)
    assert bob.get(url(room.id)).status_code == 404


def test_anonymous_is_401(api_client):
    assert api_client.get(URL).status_code == 401
    assert api_client.get(f"{URL}/public").status_code == 401


# --- Create ----------------------------------------------------------------------------


def test_create_direct_then_get_the_same(user, other_user, alice, bob, sent_events, committed):
    make_friends(user, other_user)
    body = {"type": "direct", "member_user_ids": [other_user.id]}
    with committed():
        first = alice.post(URL, body, format="json")
    assert first.status_code == 201
    assert first.json()["private_pair_key"] == f"direct:{user.id}:{other_user.id}"
    assert first.json()["member_ids"] == [user.id, other_user.id]
    with committed():
        second = bob.post(URL, {"type": "direct", "member_user_ids": [user.id]}, format="json")
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert [g for g, e in sent_events] == [f"user.{user.id}", f"user.{other_user.id}"]


def test_create_direct_with_non_friend_is_403(user, other_user, alice):
    response = alice.post(
        URL, {"type": "direct", "member_user_ids": [other_user.id]}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_create_direct_with_blocked_user_is_403(user, other_user, alice):
    make_friends(user, other_user)
    block(other_user, user)
    response = alice.post(
        URL, {"type": "direct", "member_user_ids": [other_user.id]}, format="json"
    )
    assert response.status_code == 403


def test_create_direct_with_unknown_user_is_404(alice):
    response = alice.post(URL, {"type": "direct", "member_user_ids": [777777]}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"type": "direct"},
        {"type": "direct", "member_user_ids": []},
        {"type": "direct", "member_user_ids": "5"},
        {"type": "direct", "member_user_ids": ["abc"]},
        # Two other users (ids no test user has, so it holds on SQLite's fresh ids too).
        {"type": "direct", "member_user_ids": [10**9, 10**9 + 1]},
        {"type": "direct", "member_user_ids": [None]},
        {"type": "direct", "member_user_ids": [10**30]},
        {"type": "channel", "member_user_ids": [1]},
        {"member_user_ids": [1]},
    ],
)
def test_create_malformed_is_400(alice, body):
    assert alice.post(URL, body, format="json").status_code == 400


def test_create_direct_with_yourself_is_400(user, alice):
    response = alice.post(URL, {"type": "direct", "member_user_ids": [user.id]}, format="json")
    assert response.status_code == 400
    assert "member_user_ids" in response.json()


def test_create_not_json_is_400(alice):
    response = alice.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400


def test_create_group(user, other_user, alice):
    make_friends(user, other_user)
    response = alice.post(
        URL,
        {
            "type": "group",
            "name": " Team ",
            "member_user_ids": [other_user.id],
            "description": "Ours",
            "is_public": True,
            "max_participants": 10,
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["name"], body["description"], body["is_public"]) == ("Team", "Ours", True)
    assert body["max_participants"] == 10
    assert [(m["id"], m["role"]) for m in body["members"]] == [
        (user.id, "owner"),
        (other_user.id, "member"),
    ]


def test_create_group_with_non_friend_is_403(other_user, alice):
    body = {"type": "group", "name": "T", "member_user_ids": [other_user.id]}
    assert alice.post(URL, body, format="json").status_code == 403
    assert not Conversation.objects.exists()


def test_create_group_with_unknown_user_is_404(alice):
    body = {"type": "group", "name": "T", "member_user_ids": [123456789]}
    assert alice.post(URL, body, format="json").status_code == 404


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 101},
        {"name": "T", "max_participants": 1},
        {"name": "T", "max_participants": -4},
        {"name": "T", "max_participants": 10**12},
        {"name": "T", "max_participants": "many"},
        {"name": "T", "is_public": "maybe"},
        {"name": "T", "description": "x" * 1001},
        {"name": "T", "member_user_ids": {"id": 1}},
        {"name": "T", "member_user_ids": list(range(1, 200))},
    ],
)
def test_create_group_invalid_is_400(alice, extra):
    response = alice.post(URL, {"type": "group", **extra}, format="json")
    assert response.status_code == 400, response.json()


def test_create_group_cap_below_members_is_400(user, other_user, alice):
    carol = UserFactory()
    make_friends(user, other_user, carol)
    body = {
        "type": "group",
        "name": "T",
        "member_user_ids": [other_user.id, carol.id],
        "max_participants": 2,
    }
    response = alice.post(URL, body, format="json")
    assert response.status_code == 400
    assert "max_participants" in response.json()


# --- Update and delete -----------------------------------------------------------------


def test_patch_by_admin(user, other_user, alice, sent_events, committed):
    conversation = group_with(user, other_user, name="Old")
    with committed():
        response = alice.patch(
            url(conversation.id), {"name": "New", "is_public": True}, format="json"
        )
    assert response.status_code == 200
    assert response.json()["name"] == "New"
    assert response.json()["is_public"] is True
    assert response.json()["unread_count"] == 0
    assert [(g, e["type"]) for g, e in sent_events] == [
        (f"conversation.{conversation.id}", "new_message"),  # "Alice renamed the group to New"
        (f"conversation.{conversation.id}", "conversation_updated"),
    ]


def test_patch_by_member_is_403(user, other_user, bob):
    conversation = group_with(user, other_user)
    assert bob.patch(url(conversation.id), {"name": "X"}, format="json").status_code == 403


def test_patch_direct_is_400(user, other_user, alice):
    conversation = direct_conversation(user, other_user)
    assert alice.patch(url(conversation.id), {"name": "X"}, format="json").status_code == 400


@pytest.mark.parametrize(
    "body",
    [{"name": ""}, {"name": "y" * 101}, {"max_participants": 1}, {"max_participants": 2}],
)
def test_patch_invalid_is_400(user, other_user, alice, body):
    conversation = group_with(user, other_user, UserFactory())
    assert alice.patch(url(conversation.id), body, format="json").status_code == 400


def test_put_is_not_allowed(user, alice):
    conversation = group_with(user)
    assert alice.put(url(conversation.id), {"name": "X"}, format="json").status_code == 405


def test_delete_by_admin(user, other_user, alice, sent_events, committed):
    conversation = group_with(user, other_user)
    with committed():
        assert alice.delete(url(conversation.id)).status_code == 204
    assert not Conversation.objects.exists()
    assert sorted(g for g, e in sent_events) == [f"user.{user.id}", f"user.{other_user.id}"]


def test_delete_by_member_is_403(user, other_user, bob):
    conversation = group_with(user, other_user)
    assert bob.delete(url(conversation.id)).status_code == 403
    assert Conversation.objects.exists()


def test_delete_direct_is_400(user, other_user, alice):
    conversation = direct_conversation(user, other_user)
    assert alice.delete(url(conversation.id)).status_code == 400


# --- Members ---------------------------------------------------------------------------


def test_add_members(user, other_user, alice):
    make_friends(user, other_user)
    conversation = group_with(user)
    response = alice.post(
        url(conversation.id, "/members"), {"user_ids": [other_user.id]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["member_ids"] == [user.id, other_user.id]


def test_add_members_by_member_is_403(user, other_user, bob):
    carol = UserFactory()
    make_friends(other_user, carol)
    conversation = group_with(user, other_user)
    response = bob.post(url(conversation.id, "/members"), {"user_ids": [carol.id]}, format="json")
    assert response.status_code == 403


def test_add_non_friend_is_403(user, other_user, alice):
    conversation = group_with(user)
    response = alice.post(
        url(conversation.id, "/members"), {"user_ids": [other_user.id]}, format="json"
    )
    assert response.status_code == 403


def test_add_unknown_user_is_404(user, alice):
    conversation = group_with(user)
    response = alice.post(url(conversation.id, "/members"), {"user_ids": [999999]}, format="json")
    assert response.status_code == 404


def test_add_over_cap_is_409(user, other_user, alice):
    carol = UserFactory()
    make_friends(user, carol)
    conversation = group_with(user, other_user, max_participants=2)
    response = alice.post(url(conversation.id, "/members"), {"user_ids": [carol.id]}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "conversation_full"


@pytest.mark.parametrize("body", [{}, {"user_ids": []}, {"user_ids": 3}, {"user_ids": ["abc"]}])
def test_add_malformed_is_400(user, alice, body):
    conversation = group_with(user)
    assert alice.post(url(conversation.id, "/members"), body, format="json").status_code == 400


def test_add_to_direct_is_400(user, other_user, alice):
    carol = UserFactory()
    make_friends(user, carol)
    conversation = direct_conversation(user, other_user)
    response = alice.post(url(conversation.id, "/members"), {"user_ids": [carol.id]}, format="json")
    assert response.status_code == 400


def test_admin_removes_member(user, other_user, alice):
    conversation = group_with(user, other_user)
    assert alice.delete(url(conversation.id, f"/members/{other_user.id}")).status_code == 204
    assert list(conversation.memberships.values_list("user_id", flat=True)) == [user.id]


def test_member_removes_themselves(user, other_user, bob):
    conversation = group_with(user, other_user)
    assert bob.delete(url(conversation.id, f"/members/{other_user.id}/")).status_code == 204
    assert list(conversation.memberships.values_list("user_id", flat=True)) == [user.id]


def test_member_cannot_remove_others(user, other_user, bob):
    conversation = group_with(user, other_user)
    assert bob.delete(url(conversation.id, f"/members/{user.id}")).status_code == 403


@pytest.mark.parametrize("target", ["abc", "0", "424242"])
def test_remove_unknown_member_is_404(user, alice, target):
    conversation = group_with(user)
    assert alice.delete(url(conversation.id, f"/members/{target}")).status_code == 404


def test_remove_from_direct_is_400(user, other_user, alice):
    conversation = direct_conversation(user, other_user)
    assert alice.delete(url(conversation.id, f"/members/{other_user.id}")).status_code == 400


def test_leave(user, other_user, bob, sent_events, committed):
    conversation = group_with(user, other_user)
    with committed():
        assert bob.post(url(conversation.id, "/leave")).status_code == 204
    assert (
        f"user.{other_user.id}",
        {
            "type": "removed_from_conversation",
            "conversation_id": conversation.id,
        },
    ) in sent_events


def test_owner_leaving_hands_over(user, other_user, alice, bob):
    conversation = group_with(user, other_user)
    assert alice.post(url(conversation.id, "/leave")).status_code == 204
    assert bob.get(url(conversation.id)).json()["members"][0]["role"] == "owner"


def test_leave_direct_is_400(user, other_user, alice):
    conversation = direct_conversation(user, other_user)
    assert alice.post(url(conversation.id, "/leave")).status_code == 400


# --- Public rooms ----------------------------------------------------------------------


def test_public_rooms_list(user, other_user, bob):
    group_with(user, name="secret")
    direct_conversation(user, UserFactory())
    quiet = public_room_with(user, name="Quiet", description="nothing here")
    busy = public_room_with(user, UserFactory(), name="Busy", max_participants=2)
    MessageFactory(conversation=busy, sender=user)
    busy.refresh_from_db()
    response = bob.get(f"{URL}/public")
    assert response.status_code == 200
    assert response["X-Total-Count"] == "2"
    assert response.json() == [
        {
            "id": busy.id,
            "name": "Busy",
            "description": "",
            "avatar_url": None,
            "avatar_thumbnail_url": None,
            "member_count": 2,
            "max_participants": 2,
            "is_full": True,
            "last_activity": response.json()[0]["last_activity"],
        },
        {
            "id": quiet.id,
            "name": "Quiet",
            "description": "nothing here",
            "avatar_url": None,
            "avatar_thumbnail_url": None,
            "member_count": 1,
            "max_participants": None,
            "is_full": False,
            "last_activity": response.json()[1]["last_activity"],
        },
    ]
    assert response.json()[0]["last_activity"].replace("Z", "+00:00") == (
        busy.last_message_at.isoformat()
    )


def test_public_rooms_search(user, bob):
    public_room_with(user, name="Python fans")
    public_room_with(user, name="Cooking", description="we love PYTHONs too")
    public_room_with(user, name="Gardening")
    response = bob.get(f"{URL}/public", {"search": "python"})
    assert sorted(r["name"] for r in response.json()) == ["Cooking", "Python fans"]
    assert response["X-Total-Count"] == "2"


def test_public_rooms_pagination_and_link_header(user, bob):
    rooms = [public_room_with(user, name=f"Room {i}") for i in range(5)]
    response = bob.get(f"{URL}/public", {"limit": 2, "offset": 2, "search": "Room"})
    assert response["X-Total-Count"] == "5"
    assert [r["id"] for r in response.json()] == [rooms[2].id, rooms[1].id]
    link = response["Link"]
    assert "offset=4" in link and 'rel="next"' in link
    assert "offset=0" in link and 'rel="prev"' in link
    assert "search=Room" in link
    last = bob.get(f"{URL}/public", {"limit": 2, "offset": 4})
    assert [r["id"] for r in last.json()] == [rooms[0].id]
    assert 'rel="next"' not in last["Link"]


def test_public_rooms_limit_is_capped_at_100(user, bob):
    public_room_with(user)
    response = bob.get(f"{URL}/public", {"limit": 100000})
    assert response.status_code == 200
    assert "limit=100&" in response["Link"]


@pytest.mark.parametrize(
    "params",
    [{"limit": 0}, {"limit": -1}, {"limit": "ten"}, {"offset": -1}, {"offset": 10**20}],
)
def test_public_rooms_bad_paging_is_400(bob, params):
    assert bob.get(f"{URL}/public", params).status_code == 400


def test_public_rooms_query_count_is_constant(user, bob, django_assert_num_queries):
    for _ in range(4):
        public_room_with(user, UserFactory())
    with django_assert_num_queries(2):  # count + page
        assert len(bob.get(f"{URL}/public").json()) == 4
    for _ in range(4):
        public_room_with(user, UserFactory())
    with django_assert_num_queries(2):
        assert len(bob.get(f"{URL}/public").json()) == 8


def test_preview(user, other_user, bob):
    room = public_room_with(user, name="Lobby", max_participants=10)
    messages = [MessageFactory(conversation=room, sender=user) for _ in range(22)]
    response = bob.get(url(room.id, "/preview"))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == room.id
    assert body["member_count"] == 1
    assert body["is_full"] is False
    assert [m["id"] for m in body["recent_messages"]] == [m.id for m in messages[-20:]]
    assert body["recent_messages"][0]["sender_username"] == "alice"


@pytest.mark.parametrize("kind", ["private", "direct", "unknown"])
def test_preview_of_non_public_is_404(user, other_user, bob, kind):
    target = {
        "private": lambda: group_with(user).id,
        "direct": lambda: direct_conversation(user, UserFactory()).id,
        "unknown": lambda: 8888888,
    }[kind]()
    assert bob.get(url(target, "/preview")).status_code == 404


def test_join(user, other_user, bob):
    room = public_room_with(user)
    response = bob.post(url(room.id, "/join"))
    assert response.status_code == 200
    assert response.json()["member_ids"] == [user.id, other_user.id]
    assert bob.post(url(room.id, "/join")).status_code == 200  # already in


def test_join_private_is_404(user, bob):
    assert bob.post(url(group_with(user).id, "/join")).status_code == 404


def test_join_full_is_409(user, bob):
    room = public_room_with(user, UserFactory(), max_participants=2)
    response = bob.post(url(room.id, "/join"))
    assert response.status_code == 409
    assert response.json()["code"] == "conversation_full"


# --- Read marker -----------------------------------------------------------------------


def test_mark_read(user, other_user, alice, sent_events, committed):
    conversation = group_with(user, other_user)
    first = MessageFactory(conversation=conversation, sender=other_user)
    MessageFactory(conversation=conversation, sender=other_user)
    assert alice.get(url(conversation.id)).json()["unread_count"] == 2
    with committed():
        response = alice.post(
            url(conversation.id, "/read"), {"message_id": first.id}, format="json"
        )
    assert response.status_code == 204
    body = alice.get(url(conversation.id)).json()
    assert body["unread_count"] == 1
    assert body["last_read_message_id"] == first.id
    assert [e["type"] for g, e in sent_events] == ["read"]


@pytest.mark.parametrize("body", [{}, {"message_id": "abc"}, {"message_id": -1}])
def test_mark_read_malformed_is_400(user, alice, body):
    conversation = group_with(user)
    assert alice.post(url(conversation.id, "/read"), body, format="json").status_code == 400


def test_mark_read_message_of_another_conversation_is_404(user, other_user, alice):
    conversation = group_with(user)
    elsewhere = MessageFactory(conversation=group_with(other_user), sender=other_user)
    response = alice.post(
        url(conversation.id, "/read"), {"message_id": elsewhere.id}, format="json"
    )
    assert response.status_code == 404


# --- A stranger learns nothing ---------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("patch", "", {"name": "X"}),
        ("patch", "", {"name": ""}),  # even an invalid body: 404 before 400
        ("delete", "", None),
        ("post", "/members", {"user_ids": [1]}),
        ("post", "/members", {"user_ids": "junk"}),
        ("delete", "/members/{owner}", None),
        ("delete", "/members/{me}", None),
        ("post", "/leave", None),
        ("post", "/read", {"message_id": 1}),
        ("post", "/read", {}),
        ("get", "/preview", None),
        ("post", "/join", None),
    ],
)
@pytest.mark.parametrize("kind", ["group", "direct"])
def test_stranger_gets_404_on_every_route(user, other_user, client_for, method, suffix, body, kind):
    stranger = UserFactory()
    make_friends(stranger, user)
    conversation = (
        group_with(user, other_user) if kind == "group" else direct_conversation(user, other_user)
    )
    path = url(conversation.id, suffix.format(owner=user.id, me=stranger.id))
    response = getattr(client_for(stranger), method)(path, body, format="json")
    assert response.status_code == 404, (method, path, response.content)
    assert set(conversation.memberships.values_list("user_id", flat=True)) == {
        user.id,
        other_user.id,
    }
    assert Conversation.objects.filter(id=conversation.id).exists()


def test_ids_in_the_body_cannot_impersonate(user, other_user, bob):
    """`actor` is always the authenticated user: extra fields are ignored."""
    make_friends(user, other_user)
    conversation = group_with(user, other_user)
    response = bob.patch(
        url(conversation.id), {"name": "X", "actor": user.id, "user_id": user.id}, format="json"
    )
    assert response.status_code == 403


# --- A view leaves membership to the service it calls ------------------------------------


def _member_writes(user, size):
    """A group of `size` members with alice as admin, and the writes that name it, by
    name: (method, path, body) with a friend to add, a member to remove, a message."""
    members = [UserFactory() for _ in range(size - 1)]
    newcomer = UserFactory()
    make_friends(user, newcomer)
    conversation = group_with(user, *members)
    message = MessageFactory(conversation=conversation, sender=members[0])
    return {
        "rename": ("patch", url(conversation.id), {"name": f"Renamed {size}"}),
        "add": ("post", url(conversation.id, "/members"), {"user_ids": [newcomer.id]}),
        "remove": ("delete", url(conversation.id, f"/members/{members[-1].id}"), None),
        "read": ("post", url(conversation.id, "/read"), {"message_id": message.id}),
    }


def test_writes_read_membership_in_the_service_only(user, alice):
    """The view no longer checks membership before a service that checks it again (a
    PATCH read it three times: 25 queries, now 23; add 23 -> 21, remove 9 -> 7, read
    6 -> 5): the first query is the service's transaction, and the count is the same
    with twice the members. The system line a rename, an add or a removal writes into the
    history ("Alice added Bob": its insert, the sender's row, the markers of those who had
    read everything, the event's representation) costs 5 or 6 more."""
    counts: dict[str, list[int]] = {}
    for size in (3, 6):
        for name, (method, path, body) in _member_writes(user, size).items():
            with CaptureQueriesContext(connection) as queries:
                response = getattr(alice, method)(path, body, format="json")
            assert response.status_code in (200, 204), (name, response.content)
            assert queries.captured_queries[0]["sql"].startswith("SAVEPOINT"), name
            counts.setdefault(name, []).append(len(queries.captured_queries))
    # SQLite (the embedded pass) writes the system line in steps where PostgreSQL takes one
    # statement (messaging/services/send_write.py): five queries more, as constant.
    line = 5 if connection.vendor == "sqlite" else 0
    assert counts == {
        "rename": [28 + line] * 2,
        "add": [27 + line] * 2,
        "remove": [13 + line] * 2,
        "read": [5, 5],
    }


def test_a_strangers_bad_body_is_still_404_before_400(user, other_user, client_for):
    """The one case where a view reads membership itself: when the body is bad."""
    conversation = group_with(user, other_user)

    def patch(client, body) -> int:
        return client.patch(url(conversation.id), body, format="json").status_code

    with CaptureQueriesContext(connection) as good:
        assert patch(client_for(user), {"name": "Fine"}) == 200
    assert good.captured_queries[0]["sql"].startswith("SAVEPOINT")
    assert patch(client_for(UserFactory()), {"name": 5}) == 404
    assert patch(client_for(user), {"name": 5}) == 400

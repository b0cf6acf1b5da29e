import pytest

from accounts.events import notification as notification_event
from accounts.models import Notification
from accounts.tests.factories import UserFactory
from chat_project import realtime
from friends.models import Block, Friendship
from friends.tests.factories import AcceptedFriendshipFactory, BlockFactory, FriendshipFactory

pytestmark = pytest.mark.django_db

PENDING = Friendship.Status.PENDING
ACCEPTED = Friendship.Status.ACCEPTED


@pytest.fixture
def alice_client(client_for, user):
    return client_for(user)


def party(u, viewer, *, friends: bool = False) -> dict:
    """A request party as `viewer` sees it: the email only for its owner or a friend."""
    email = u.email if u == viewer or friends else None
    return {
        "id": u.pk,
        "username": u.username,
        "email": email,
        "display_name": u.display_name,
        "avatar_url": None,
        "avatar_thumbnail_url": None,
    }


def send(client, body):
    return client.post("/api/friends/request", body, format="json")


# --- auth ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/api/friends"),
        ("get", "/api/friends/requests"),
        ("post", "/api/friends/request"),
        ("put", "/api/friends/requests/1/accept"),
        ("put", "/api/friends/requests/1/reject"),
        ("delete", "/api/friends/requests/1"),
        ("delete", "/api/friends/1"),
        ("post", "/api/users/1/block"),
        ("delete", "/api/users/1/block"),
        ("get", "/api/blocks"),
    ],
)
def test_every_route_needs_authentication(api_client, method, path):
    response = getattr(api_client, method)(path, {}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# --- GET /api/friends ------------------------------------------------------------------


def test_friend_list_shape_and_presence_default(alice_client, user, other_user):
    AcceptedFriendshipFactory(requester=other_user, receiver=user)
    response = alice_client.get("/api/friends")
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": other_user.pk,
            "username": "bob",
            "email": other_user.email,
            "display_name": other_user.display_name,
            "is_online": False,
            "status": "offline",
            "last_seen": None,
            "avatar_url": None,
            "avatar_thumbnail_url": None,
        }
    ]


def test_friend_list_asks_presence_once_for_everyone(
    alice_client, user, other_user, carol, monkeypatch
):
    AcceptedFriendshipFactory(requester=user, receiver=other_user)
    AcceptedFriendshipFactory(requester=carol, receiver=user)
    calls = []

    def fake_online(ids):
        calls.append(sorted(ids))
        return {carol.pk}

    monkeypatch.setattr(realtime, "online_user_ids", fake_online)
    body = alice_client.get("/api/friends/").json()
    assert calls == [sorted([other_user.pk, carol.pk])]
    assert {f["username"]: f["is_online"] for f in body} == {"bob": False, "carol": True}


def test_friend_list_query_count_is_constant(
    alice_client, user, django_assert_num_queries, django_assert_max_num_queries
):
    for _ in range(5):
        AcceptedFriendshipFactory(requester=user)
    with django_assert_max_num_queries(3) as ctx:
        assert len(alice_client.get("/api/friends").json()) == 5
    n_queries = len(ctx.captured_queries)
    for _ in range(5):
        AcceptedFriendshipFactory(receiver=user)
    with django_assert_num_queries(n_queries):
        assert len(alice_client.get("/api/friends").json()) == 10


# --- GET /api/friends/requests ---------------------------------------------------------


def test_request_list_incoming_by_default(alice_client, user, other_user, carol):
    request = FriendshipFactory(requester=other_user, receiver=user)
    FriendshipFactory(requester=user, receiver=carol)
    response = alice_client.get("/api/friends/requests")
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": request.pk,
            "requester": party(other_user, user),
            "receiver": party(user, user),
            "status": "pending",
            "created_at": request.created_at.isoformat().replace("+00:00", "Z"),
        }
    ]


def test_request_list_outgoing(alice_client, user, other_user, carol):
    FriendshipFactory(requester=other_user, receiver=user)
    mine = FriendshipFactory(requester=user, receiver=carol)
    body = alice_client.get("/api/friends/requests/?direction=outgoing").json()
    assert [r["id"] for r in body] == [mine.pk]
    assert body[0]["receiver"] == party(carol, user)


@pytest.mark.parametrize("direction", ["", "both", "Incoming", "1"])
def test_request_list_bad_direction_is_400(alice_client, direction):
    response = alice_client.get("/api/friends/requests", {"direction": direction})
    assert response.status_code == 400
    assert "direction" in response.json()


@pytest.mark.parametrize("direction", ["incoming", "outgoing"])
def test_request_list_query_count_is_constant(
    alice_client, user, direction, django_assert_num_queries, django_assert_max_num_queries
):
    def make(count):
        for _ in range(count):
            if direction == "incoming":
                FriendshipFactory(receiver=user)
            else:
                FriendshipFactory(requester=user)

    make(5)
    url = f"/api/friends/requests?direction={direction}"
    with django_assert_max_num_queries(3) as ctx:
        assert len(alice_client.get(url).json()) == 5
    make(5)
    with django_assert_num_queries(len(ctx.captured_queries)):
        assert len(alice_client.get(url).json()) == 10


# --- POST /api/friends/request ---------------------------------------------------------


def test_send_request_201(
    alice_client, client_for, user, other_user, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = send(alice_client, {"username": "bob"})
    assert response.status_code == 201
    body = response.json()
    request = Friendship.objects.get()
    assert body["message"] == "Friend request sent successfully"
    assert body["request"]["id"] == request.pk
    assert body["request"]["requester"] == party(user, user)
    assert body["request"]["receiver"] == party(other_user, user)
    assert body["request"]["status"] == "pending"
    # The event carries exactly the REST representation its receiver sees.
    [as_bob] = client_for(other_user).get("/api/friends/requests").json()
    assert as_bob["requester"] == party(user, other_user)
    assert sent_events == [
        (f"user.{other_user.pk}", {"type": "friend_request", "request": as_bob}),
        (f"user.{other_user.pk}", notification_event(Notification.objects.get())),
    ]


def test_send_request_to_someone_who_asked_accepts_200(
    alice_client, user, other_user, sent_events, django_capture_on_commit_callbacks
):
    theirs = FriendshipFactory(requester=other_user, receiver=user)
    with django_capture_on_commit_callbacks(execute=True):
        response = send(alice_client, {"username": "bob"})
    assert response.status_code == 200
    body = response.json()
    assert body["message"] == "Friend request accepted"
    assert body["request"]["id"] == theirs.pk
    assert body["request"]["status"] == "accepted"
    # Friends now: each sees the other's email.
    assert body["request"]["requester"] == party(other_user, user, friends=True)
    assert body["request"]["receiver"] == party(user, user)
    assert sent_events == [
        (
            f"user.{other_user.pk}",
            {"type": "friend_request_accepted", "request": body["request"]},
        ),
        (f"user.{other_user.pk}", notification_event(Notification.objects.get())),
    ]


def test_send_request_ignores_identity_fields_in_body(alice_client, user, other_user, carol):
    """Nobody acts as someone else by naming them in the body."""
    response = send(
        alice_client,
        {"username": "carol", "requester": other_user.pk, "requester_id": other_user.pk},
    )
    assert response.status_code == 201
    assert Friendship.objects.get().requester == user


def test_send_request_to_self_400(alice_client):
    response = send(alice_client, {"username": "Alice"})
    assert response.status_code == 400
    assert "username" in response.json()


def test_send_request_unknown_user_404(alice_client):
    response = send(alice_client, {"username": "nobody"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("status", [PENDING, ACCEPTED])
def test_send_request_duplicate_409(alice_client, user, other_user, status):
    FriendshipFactory(requester=user, receiver=other_user, status=status)
    response = send(alice_client, {"username": "bob"})
    assert response.status_code == 409
    assert response.json()["code"] == (
        "request_pending" if status == PENDING else "already_friends"
    )


@pytest.mark.parametrize("i_block", [True, False])
def test_send_request_blocked_either_way_403(alice_client, user, other_user, i_block):
    if i_block:
        BlockFactory(blocker=user, blocked=other_user)
    else:
        BlockFactory(blocker=other_user, blocked=user)
    response = send(alice_client, {"username": "bob"})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"username": ""},
        {"username": None},
        {"username": 42},
        {"username": True},
        {"username": ["bob"]},
        {"username": {"x": 1}},
        {"username": "x" * 151},
    ],
)
def test_send_request_bad_input_400(alice_client, other_user, body):
    response = send(alice_client, body)
    assert response.status_code == 400
    assert "username" in response.json()
    assert not Friendship.objects.exists()


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"bob"', "null"])
def test_send_request_malformed_json_400(alice_client, raw):
    response = alice_client.post("/api/friends/request", data=raw, content_type="application/json")
    assert response.status_code == 400


def test_send_request_throttled_429(alice_client, other_user, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "friend_request": "1/min"}
    assert send(alice_client, {"username": "bob"}).status_code == 201
    response = send(alice_client, {"username": "bob"})
    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_rejected_request_can_be_sent_again(alice_client, user, other_user):
    FriendshipFactory(requester=user, receiver=other_user, status=Friendship.Status.REJECTED)
    assert send(alice_client, {"username": "bob"}).status_code == 201
    assert Friendship.objects.get().status == PENDING


# --- accept / reject / cancel ----------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "post"])
def test_accept(client_for, user, other_user, method):
    request = FriendshipFactory(requester=user, receiver=other_user)
    response = getattr(client_for(other_user), method)(f"/api/friends/requests/{request.pk}/accept")
    assert response.status_code == 200
    assert response.json() == {"message": "Friend request accepted"}
    request.refresh_from_db()
    assert request.status == ACCEPTED
    assert client_for(user).get("/api/friends").json()[0]["id"] == other_user.pk


@pytest.mark.parametrize("method", ["put", "post"])
def test_reject(client_for, user, other_user, method):
    request = FriendshipFactory(requester=user, receiver=other_user)
    response = getattr(client_for(other_user), method)(
        f"/api/friends/requests/{request.pk}/reject/"
    )
    assert response.status_code == 200
    assert response.json() == {"message": "Friend request rejected"}
    request.refresh_from_db()
    assert request.status == Friendship.Status.REJECTED
    assert client_for(user).get("/api/friends/requests?direction=outgoing").json() == []


@pytest.mark.parametrize("verb", ["accept", "reject"])
def test_answer_by_non_receiver_or_non_pending_404(client_for, user, other_user, carol, verb):
    request = FriendshipFactory(requester=user, receiver=other_user)
    for actor in (user, carol):
        response = client_for(actor).put(f"/api/friends/requests/{request.pk}/{verb}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    client_for(other_user).put(f"/api/friends/requests/{request.pk}/accept")
    response = client_for(other_user).put(f"/api/friends/requests/{request.pk}/{verb}")
    assert response.status_code == 404


@pytest.mark.parametrize("verb", ["accept", "reject"])
@pytest.mark.parametrize("bad_id", ["999999", "abc", "99999999999999999999999", "-1"])
def test_answer_unknown_id_404(alice_client, verb, bad_id):
    response = alice_client.put(f"/api/friends/requests/{bad_id}/{verb}")
    assert response.status_code == 404


def test_cancel_by_requester_204(client_for, user, other_user):
    request = FriendshipFactory(requester=user, receiver=other_user)
    response = client_for(user).delete(f"/api/friends/requests/{request.pk}")
    assert response.status_code == 204
    assert not Friendship.objects.exists()


def test_cancel_by_non_requester_404(client_for, user, other_user, carol):
    request = FriendshipFactory(requester=user, receiver=other_user)
    for actor in (other_user, carol):
        assert client_for(actor).delete(f"/api/friends/requests/{request.pk}").status_code == 404
    assert Friendship.objects.exists()


@pytest.mark.parametrize("bad_id", ["999999", "abc", "99999999999999999999999"])
def test_cancel_unknown_404(alice_client, bad_id):
    assert alice_client.delete(f"/api/friends/requests/{bad_id}").status_code == 404


def test_wrong_method_on_request_routes_405(alice_client):
    assert alice_client.get("/api/friends/request").status_code == 405
    assert alice_client.delete("/api/friends/requests").status_code == 405
    assert alice_client.get("/api/friends/requests/1/accept").status_code == 405


# --- DELETE /api/friends/{user_id} -----------------------------------------------------


def test_unfriend_204_either_side(client_for, user, other_user):
    AcceptedFriendshipFactory(requester=user, receiver=other_user)
    assert client_for(other_user).delete(f"/api/friends/{user.pk}").status_code == 204
    assert not Friendship.objects.exists()
    assert client_for(user).get("/api/friends").json() == []


def test_unfriend_not_friends_404(alice_client, user, other_user):
    FriendshipFactory(requester=user, receiver=other_user)
    response = alice_client.delete(f"/api/friends/{other_user.pk}/")
    assert response.status_code == 404
    assert Friendship.objects.get().status == PENDING


@pytest.mark.parametrize("bad_id", ["999999", "abc", "99999999999999999999999"])
def test_unfriend_unknown_user_404(alice_client, bad_id):
    assert alice_client.delete(f"/api/friends/{bad_id}").status_code == 404


# --- blocks ----------------------------------------------------------------------------


def test_block_201_then_200_idempotent(alice_client, user, other_user):
    AcceptedFriendshipFactory(requester=user, receiver=other_user)
    response = alice_client.post(f"/api/users/{other_user.pk}/block")
    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("id", "username", "display_name")} == {
        "id": other_user.pk,
        "username": "bob",
        "display_name": other_user.display_name,
    }
    assert body["blocked_at"]
    again = alice_client.post(f"/api/users/{other_user.pk}/block/")
    assert again.status_code == 200
    assert again.json() == body
    assert Block.objects.count() == 1
    assert not Friendship.objects.exists()
    assert alice_client.get("/api/friends").json() == []


def test_block_self_400(alice_client, user):
    response = alice_client.post(f"/api/users/{user.pk}/block")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


@pytest.mark.parametrize("bad_id", ["999999", "abc", "99999999999999999999999"])
@pytest.mark.parametrize("method", ["post", "delete"])
def test_block_unknown_user_404(alice_client, bad_id, method):
    assert getattr(alice_client, method)(f"/api/users/{bad_id}/block").status_code == 404


def test_unblock_204_then_404(alice_client, user, other_user):
    BlockFactory(blocker=user, blocked=other_user)
    assert alice_client.delete(f"/api/users/{other_user.pk}/block").status_code == 204
    assert not Block.objects.exists()
    response = alice_client.delete(f"/api/users/{other_user.pk}/block")
    assert response.status_code == 404


def test_cannot_unblock_a_block_made_by_the_other(client_for, user, other_user):
    BlockFactory(blocker=other_user, blocked=user)
    assert client_for(user).delete(f"/api/users/{other_user.pk}/block").status_code == 404
    assert Block.objects.exists()


def test_blocked_user_cannot_request(client_for, user, other_user):
    client_for(user).post(f"/api/users/{other_user.pk}/block")
    response = send(client_for(other_user), {"username": "alice"})
    assert response.status_code == 403


def test_block_list(alice_client, user, other_user, carol):
    BlockFactory(blocker=user, blocked=other_user)
    BlockFactory(blocker=carol, blocked=user)
    response = alice_client.get("/api/blocks")
    assert response.status_code == 200
    body = response.json()
    assert [b["id"] for b in body] == [other_user.pk]
    assert set(body[0]) == {
        "id",
        "username",
        "display_name",
        "blocked_at",
        "avatar_url",
        "avatar_thumbnail_url",
    }


def test_block_list_query_count_is_constant(
    alice_client, user, django_assert_num_queries, django_assert_max_num_queries
):
    for _ in range(5):
        BlockFactory(blocker=user)
    with django_assert_max_num_queries(3) as ctx:
        assert len(alice_client.get("/api/blocks").json()) == 5
    for _ in range(5):
        BlockFactory(blocker=user)
    with django_assert_num_queries(len(ctx.captured_queries)):
        assert len(alice_client.get("/api/blocks").json()) == 10


# --- neighbours on the router ----------------------------------------------------------


def test_user_search_still_answers_on_the_shared_users_prefix(alice_client, other_user):
    response = alice_client.get("/api/users?search=bo")
    assert response.status_code == 200
    assert [u["username"] for u in response.json()] == ["bob"]


def test_friends_paths_are_in_the_schema(alice_client):
    response = alice_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/friends",
        "/api/friends/request",
        "/api/friends/requests",
        "/api/friends/requests/{id}/accept",
        "/api/friends/{user_id}",
        "/api/users/{user_id}/block",
        "/api/blocks",
    ):
        assert any(p.rstrip("/") == path for p in paths), path


# --- events over the real channel layer ------------------------------------------------


@pytest.mark.needs_services
@pytest.mark.django_db(transaction=True)
def test_request_and_acceptance_reach_the_users_groups_after_commit(client_for):
    """A subscriber of `user.<id>` on the real bus receives the exact REST representation."""
    import orjson
    import redis
    from django.conf import settings

    from chat_project.realtime import bus as buses

    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    client = redis.Redis.from_url(settings.REDIS_URL)
    subscriptions = {}
    for u in (alice, bob):
        subscriptions[u.pk] = client.pubsub(ignore_subscribe_messages=True)
        subscriptions[u.pk].subscribe(buses.get_bus().channel(realtime.user_group(u.pk)))

    def next_event(user_id: int) -> dict:
        for _ in range(50):
            message = subscriptions[user_id].get_message(timeout=0.1)
            if message is not None:
                return orjson.loads(buses.split_event(message["data"])[1])
        raise AssertionError("no event")

    sent = client_for(alice).post("/api/friends/request", {"username": "bob"}, format="json")
    assert sent.status_code == 201
    [as_bob] = client_for(bob).get("/api/friends/requests").json()
    assert next_event(bob.pk) == {"type": "friend_request", "request": as_bob}
    assert as_bob["requester"]["email"] is None  # not friends yet

    request_id = sent.json()["request"]["id"]
    assert client_for(bob).put(f"/api/friends/requests/{request_id}/accept").status_code == 200
    event = next_event(alice.pk)
    assert event["type"] == "friend_request_accepted"
    assert event["request"]["id"] == request_id
    assert event["request"]["status"] == "accepted"
    assert event["request"]["receiver"]["email"] == bob.email  # friends now
    for subscription in subscriptions.values():
        subscription.close()
    client.close()


# --- GET /api/users/{id} (the profile card) ----------------------------------------------


def profile(client, user_id):
    return client.get(f"/api/users/{user_id}")


def test_profile_of_a_stranger(alice_client, user, carol):
    carol.display_name, carol.bio = "Carol C.", "Plays the cello."
    carol.save()
    response = profile(alice_client, carol.pk)
    assert response.status_code == 200
    assert response.json() == {
        "id": carol.pk,
        "username": "carol",
        "display_name": "Carol C.",
        "bio": "Plays the cello.",
        "avatar_url": None,
        "avatar_thumbnail_url": None,
        "is_friend": False,
        "is_online": None,  # presence is for friends only
        "status": None,
        "last_seen": None,
        "blocked": False,
        "friend_request": None,
        "is_bot": False,
    }
    assert "email" not in response.json()


def test_profile_of_a_friend_shows_presence(alice_client, user, other_user, monkeypatch):
    AcceptedFriendshipFactory(requester=other_user, receiver=user)
    monkeypatch.setattr(realtime, "is_online", lambda user_id: user_id == other_user.pk)
    body = profile(alice_client, other_user.pk).json()
    assert (body["is_friend"], body["is_online"], body["friend_request"]) == (True, True, None)


def test_profile_names_a_pending_request_and_its_direction(alice_client, user, other_user, carol):
    incoming = FriendshipFactory(requester=other_user, receiver=user)
    outgoing = FriendshipFactory(requester=user, receiver=carol)
    assert profile(alice_client, other_user.pk).json()["friend_request"] == {
        "id": incoming.pk,
        "direction": "incoming",
    }
    assert profile(alice_client, carol.pk).json()["friend_request"] == {
        "id": outgoing.pk,
        "direction": "outgoing",
    }
    rejected = FriendshipFactory(requester=UserFactory(), receiver=user, status="rejected")
    assert profile(alice_client, rejected.requester_id).json()["friend_request"] is None


def test_profile_says_whom_you_block_but_not_who_blocks_you(alice_client, user, other_user, carol):
    BlockFactory(blocker=user, blocked=other_user)
    BlockFactory(blocker=carol, blocked=user)
    assert profile(alice_client, other_user.pk).json()["blocked"] is True
    body = profile(alice_client, carol.pk).json()
    assert body["blocked"] is False and body["is_online"] is None


def test_profile_of_yourself(alice_client, user):
    body = profile(alice_client, user.pk).json()
    assert body["id"] == user.pk
    assert (body["is_friend"], body["blocked"], body["friend_request"]) == (False, False, None)


@pytest.mark.parametrize("user_id", ["999999", "abc", "0", str(2**70)])
def test_profile_of_nobody_is_404(alice_client, user_id):
    response = profile(alice_client, user_id)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_profile_of_a_disabled_account_is_404(alice_client, carol):
    carol.is_active = False
    carol.save()
    assert profile(alice_client, carol.pk).status_code == 404


def test_profile_needs_authentication(api_client, carol):
    assert profile(api_client, carol.pk).status_code == 401


def test_profile_does_not_shadow_the_avatar_route(alice_client):
    assert alice_client.get("/api/users/me").status_code == 404


def test_profile_query_count_is_the_same_for_anyone(
    alice_client, user, other_user, carol, django_assert_num_queries
):
    AcceptedFriendshipFactory(requester=other_user, receiver=user)
    FriendshipFactory(requester=carol, receiver=user)
    # the user, the friendship row, the block (the test client is authenticated as is)
    for target in (other_user, carol, UserFactory()):
        with django_assert_num_queries(3):
            assert profile(alice_client, target.pk).status_code == 200

"""Whose email anyone may see (docs/api.md): the owner's own, and accepted friends'.

Every REST answer and event that mentions another user is checked as a stranger (no
email of anyone but the viewer) and as an accepted friend (the friend's email where the
contract shows it). Events to one user's group may carry that user's own address;
events to a conversation's group (several users) carry none.
"""

import json

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from accounts.tests.factories import UserFactory
from accounts.ws_auth import WebSocketAuthMiddlewareStack
from friends import services as friend_services
from friends.tests.factories import make_friends
from messaging.routing import websocket_urlpatterns


def emails_in(payload: object) -> set[str]:
    """Every user's address that appears anywhere in `payload`."""
    text = payload.decode() if isinstance(payload, bytes) else json.dumps(payload)
    return {email for email in User.objects.values_list("email", flat=True) if email in text}


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


@pytest.mark.django_db
def test_a_stranger_sees_no_email_anywhere(
    alice, bob, client_for, sent_events, django_capture_on_commit_callbacks
):
    as_alice, as_bob = client_for(alice), client_for(bob)
    with django_capture_on_commit_callbacks(execute=True):
        room = as_bob.post(
            "/api/conversations",
            {"type": "group", "name": "Lobby", "is_public": True},
            format="json",
        ).json()
        assert as_alice.post(f"/api/conversations/{room['id']}/join").status_code == 200
        as_bob.patch(f"/api/conversations/{room['id']}", {"name": "Hall"}, format="json")
        sent = as_bob.post(
            "/api/messages",
            {"conversation_id": room["id"], "content": "hi @alice"},
            format="json",
        )
        assert sent.status_code == 201
        # The reported leak: the sender of a request read the receiver's address.
        asked = as_bob.post("/api/friends/request", {"username": "alice"}, format="json")
    assert asked.status_code == 201
    assert asked.json()["request"]["receiver"]["email"] is None
    assert asked.json()["request"]["requester"]["email"] == bob.email  # their own

    message_id = sent.json()["id"]
    for client, viewer, path in [
        (as_bob, bob, "/api/friends/requests?direction=outgoing"),
        (as_alice, alice, "/api/friends/requests"),
        (as_alice, alice, "/api/friends"),
        (as_alice, alice, "/api/users?search=bo"),
        (as_alice, alice, "/api/conversations"),
        (as_alice, alice, f"/api/conversations/{room['id']}"),
        (as_alice, alice, "/api/conversations/public"),
        (as_alice, alice, f"/api/conversations/{room['id']}/preview"),
        (as_alice, alice, f"/api/messages/conversation/{room['id']}"),
        (as_alice, alice, f"/api/messages/{message_id}"),
        (as_alice, alice, "/api/messages/search?q=hi"),
        (as_alice, alice, "/api/notifications"),
        (as_bob, bob, "/api/auth/me"),
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert emails_in(response.content) <= {viewer.email}, path
    incoming = as_alice.get("/api/friends/requests").json()
    assert incoming[0]["requester"]["email"] is None
    assert incoming[0]["receiver"]["email"] == alice.email

    kinds = {event["type"] for _, event in sent_events}
    assert {
        "conversation_created",
        "member_added",
        "conversation_updated",
        "new_message",
        "notification",
        "friend_request",
    } <= kinds
    owners = {f"user.{u.pk}": u.email for u in (alice, bob)}
    for group, event in sent_events:
        # A user's own group may carry their own address; a conversation's none at all.
        allowed = {owners[group]} if group in owners else set()
        assert emails_in(event) <= allowed, (group, event)


@pytest.mark.django_db
def test_accepted_friends_see_each_others_email(
    alice, bob, client_for, sent_events, django_capture_on_commit_callbacks
):
    carol = UserFactory(username="carol")
    make_friends(alice, carol)
    [friend] = client_for(alice).get("/api/friends").json()
    assert (friend["username"], friend["email"]) == ("carol", carol.email)

    with django_capture_on_commit_callbacks(execute=True):
        asked = client_for(bob).post("/api/friends/request", {"username": "alice"}, format="json")
    request_id = asked.json()["request"]["id"]
    sent_events.clear()
    with django_capture_on_commit_callbacks(execute=True):
        accepted = client_for(alice).put(f"/api/friends/requests/{request_id}/accept")
    assert accepted.status_code == 200
    [event] = [e for g, e in sent_events if e["type"] == "friend_request_accepted"]
    assert event["request"]["receiver"]["email"] == alice.email  # to bob, now her friend
    emails = {f["username"]: f["email"] for f in client_for(alice).get("/api/friends").json()}
    assert emails == {"bob": bob.email, "carol": carol.email}
    # Carol is not bob's friend: a friend of a friend is a stranger.
    assert emails_in(client_for(bob).get("/api/friends").content) == {alice.email}


@pytest.mark.django_db
def test_asking_someone_who_asked_you_answers_with_their_email(alice, bob, client_for):
    client_for(bob).post("/api/friends/request", {"username": "alice"}, format="json")
    response = client_for(alice).post("/api/friends/request", {"username": "bob"}, format="json")
    assert response.status_code == 200  # accepted theirs: friends now
    assert response.json()["request"]["requester"]["email"] == bob.email


@pytest.mark.django_db(transaction=True)
@pytest.mark.needs_services
async def test_friend_request_over_a_real_socket_carries_no_stranger_email():
    alice = await database_sync_to_async(UserFactory)(username="alice")
    bob = await database_sync_to_async(UserFactory)(username="bob")
    token = await database_sync_to_async(lambda: str(RefreshToken.for_user(alice).access_token))()
    app = WebSocketAuthMiddlewareStack(URLRouter(websocket_urlpatterns))
    comm = WebsocketCommunicator(
        app, "/ws/", headers=[(b"authorization", f"Bearer {token}".encode())]
    )
    connected, _ = await comm.connect(timeout=5)
    assert connected
    try:
        assert (await comm.receive_json_from(timeout=5))["type"] == "connected"
        await database_sync_to_async(friend_services.friend_request_send)(
            actor=bob, username="alice"
        )
        frames = {}
        while len(frames) < 2:
            frame = await comm.receive_json_from(timeout=5)
            frames[frame["type"]] = frame
        assert set(frames) == {"friend_request", "notification"}
        request = frames["friend_request"]["request"]
        assert request["requester"]["username"] == "bob"
        assert request["requester"]["email"] is None
        assert await database_sync_to_async(emails_in)(frames) == {alice.email}
    finally:
        await comm.disconnect(timeout=5)

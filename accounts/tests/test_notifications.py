"""Notifications: created by the services that cause them, listed and marked read over REST,
pushed as `notification` events after commit (one test over a real socket at the end)."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.http import Http404
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import selectors, services
from accounts.events import notification as notification_event
from accounts.models import Notification
from accounts.tests.factories import UserFactory
from conversations import services as conversation_services
from conversations.tests.factories import public_room_with
from friends import services as friend_services
from friends.tests.factories import make_friends

pytestmark = pytest.mark.django_db

URL = "/api/notifications"


def notify(recipient, actor, type="friend_request", **ids) -> Notification:
    return Notification.objects.create(recipient=recipient, actor=actor, type=type, **ids)


def kinds(user) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("type", flat=True))


# --- services ------------------------------------------------------------------------------


def test_create_pushes_the_rest_representation_after_commit(
    user, other_user, sent_events, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        (created,) = services.notifications_create(
            actor=user,
            recipient_ids=[other_user.id, user.id],
            type="mention",
            conversation_id=7,
            message_id=9,
        )
    assert kinds(user) == []  # never the actor
    assert sent_events == [
        (
            f"user.{other_user.id}",
            {
                "type": "notification",
                "notification": {
                    "id": created.id,
                    "type": "mention",
                    "actor": {
                        "id": user.id,
                        "username": "alice",
                        "avatar_url": None,
                        "avatar_thumbnail_url": None,
                    },
                    "conversation_id": 7,
                    "message_id": 9,
                    "is_read": False,
                    "created_at": created.created_at.isoformat().replace("+00:00", "Z"),
                },
            },
        )
    ]


def test_rolled_back_cause_leaves_no_notification_and_no_event(
    user, other_user, sent_events, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.notification_create(actor=user, recipient_id=other_user.id, type="friend_request")
        raise RuntimeError("boom")
    assert Notification.objects.count() == 0
    assert sent_events == []


def test_mention_is_created_once_per_message(user, other_user):
    for _ in range(2):
        services.notifications_create(
            actor=user, recipient_ids=[other_user.id], type="mention", message_id=5
        )
    assert Notification.objects.filter(recipient=other_user).count() == 1


def test_friend_request_and_acceptance_notify(user, other_user):
    outcome = friend_services.friend_request_send(actor=user, username="bob")
    assert kinds(other_user) == ["friend_request"]
    friend_services.friend_request_accept(actor=other_user, request_id=outcome.request.pk)
    accepted = Notification.objects.get(recipient=user)
    assert (accepted.type, accepted.actor) == ("friend_request_accepted", other_user)


@pytest.mark.parametrize("answer", ["accept", "reject", "cancel"])
def test_an_answered_friend_request_leaves_the_bell(
    user, other_user, answer, sent_events, django_capture_on_commit_callbacks
):
    """Issue 16, bug 2: accepting on the Friends page left "X sent you a friend request"
    unread in the bell, even after a reload. Answered (or withdrawn), it is settled, and
    every device of the receiver is told."""
    outcome = friend_services.friend_request_send(actor=user, username="bob")
    (request_notification,) = Notification.objects.filter(recipient=other_user)
    with django_capture_on_commit_callbacks(execute=True):
        if answer == "cancel":
            friend_services.friend_request_cancel(actor=user, request_id=outcome.request.pk)
        else:
            getattr(friend_services, f"friend_request_{answer}")(
                actor=other_user, request_id=outcome.request.pk
            )
    request_notification.refresh_from_db()
    assert request_notification.is_read
    assert selectors.notification_unread_count(user=other_user) == 0
    assert (
        f"user.{other_user.id}",
        {"type": "notifications_read", "notification_ids": [request_notification.id]},
    ) in sent_events


def test_asking_back_accepts_and_notifies_the_first_requester(user, other_user):
    friend_services.friend_request_send(actor=user, username="bob")
    friend_services.friend_request_send(actor=other_user, username="alice")
    assert kinds(user) == ["friend_request_accepted"]
    assert kinds(other_user) == ["friend_request"]


def test_added_to_group_notifies_members_but_not_the_creator(user, other_user):
    carol = UserFactory(username="carol")
    make_friends(user, other_user, carol)
    group = conversation_services.conversation_group_create(
        actor=user, name="Team", member_user_ids=[other_user.id]
    )
    assert kinds(user) == []
    added = Notification.objects.get(recipient=other_user)
    assert (added.type, added.actor_id, added.conversation_id) == (
        "added_to_conversation",
        user.id,
        group.id,
    )
    conversation_services.conversation_members_add(
        actor=user, conversation_id=group.id, user_ids=[carol.id, other_user.id]
    )
    assert kinds(carol) == ["added_to_conversation"]
    assert Notification.objects.filter(recipient=other_user).count() == 1  # already in


def test_joining_a_public_room_yourself_or_a_direct_chat_does_not_notify(user, other_user):
    room = public_room_with(UserFactory())
    conversation_services.conversation_join(actor=user, conversation_id=room.id)
    make_friends(user, other_user)
    conversation_services.conversation_direct_get_or_create(actor=user, other_user_id=other_user.id)
    assert Notification.objects.count() == 0


def test_mark_read_only_your_own(user, other_user):
    mine = notify(user, other_user)
    theirs = notify(other_user, user)
    assert services.notification_mark_read(actor=user, notification_id=mine.id).is_read
    with pytest.raises(Http404):
        services.notification_mark_read(actor=user, notification_id=theirs.id)
    theirs.refresh_from_db()
    assert not theirs.is_read


def test_mark_all_read_touches_only_the_actor(user, other_user):
    notify(user, other_user)
    notify(user, other_user)
    notify(other_user, user)
    assert services.notifications_mark_all_read(actor=user) == 2
    assert selectors.notification_unread_count(user=user) == 0
    assert selectors.notification_unread_count(user=other_user) == 1


# --- REST ----------------------------------------------------------------------------------


def test_list_newest_first_with_total_and_links(client_for, user, other_user):
    made = [notify(user, other_user) for _ in range(5)]
    notify(other_user, user)  # someone else's: never listed
    response = client_for(user).get(URL, {"limit": 2, "offset": 2})
    assert response.status_code == 200
    assert [n["id"] for n in response.json()] == [made[2].id, made[1].id]
    assert response["X-Total-Count"] == "5"
    link = response["Link"]
    assert 'offset=4>; rel="next"' in link and 'offset=0>; rel="prev"' in link
    assert 'rel="first"' in link and 'offset=4>; rel="last"' in link
    first = client_for(user).get(URL).json()[0]
    assert first == {
        "id": made[4].id,
        "type": "friend_request",
        "actor": {
            "id": other_user.id,
            "username": "bob",
            "avatar_url": None,
            "avatar_thumbnail_url": None,
        },
        "conversation_id": None,
        "message_id": None,
        "is_read": False,
        "created_at": first["created_at"],
    }


def test_list_unread_filter_and_limit_bounds(client_for, user, other_user):
    read = notify(user, other_user)
    unread = notify(user, other_user)
    services.notification_mark_read(actor=user, notification_id=read.id)
    client = client_for(user)
    response = client.get(URL, {"unread": "true"})
    assert [n["id"] for n in response.json()] == [unread.id]
    assert response["X-Total-Count"] == "1"
    assert "unread=true" in response["Link"]
    assert len(client.get(URL, {"unread": "false"}).json()) == 2
    assert client.get(URL, {"limit": 1000}).status_code == 200  # clamped to 100
    assert "limit=100" in client.get(URL, {"limit": 1000})["Link"]
    for bad in ({"limit": 0}, {"limit": "x"}, {"offset": -1}, {"unread": "maybe"}):
        assert client.get(URL, bad).status_code == 400


def test_list_needs_authentication(api_client):
    assert api_client.get(URL).status_code == 401


def test_list_query_count_is_constant(client_for, user, django_assert_num_queries):
    client = client_for(user)

    def fill(n: int) -> None:
        for _ in range(n):
            notify(user, UserFactory())

    fill(5)
    with django_assert_num_queries(2) as first:  # count + page (actors joined)
        assert len(client.get(URL).json()) == 5
    fill(5)
    with django_assert_num_queries(len(first.captured_queries)):
        assert len(client.get(URL).json()) == 10


def test_read_one_read_all_and_unread_count(client_for, user, other_user):
    first, second = notify(user, other_user), notify(user, other_user)
    theirs = notify(other_user, user)
    client = client_for(user)
    assert client.get(f"{URL}/unread-count").json() == {"unread_count": 2}
    response = client.post(f"{URL}/{first.id}/read")
    assert response.status_code == 200
    assert response.json()["id"] == first.id and response.json()["is_read"] is True
    assert client.post(f"{URL}/{first.id}/read/").status_code == 200  # idempotent
    assert client.get(f"{URL}/unread-count/").json() == {"unread_count": 1}
    assert client.post(f"{URL}/read-all").status_code == 204
    second.refresh_from_db()
    assert second.is_read
    assert client.get(f"{URL}/unread-count").json() == {"unread_count": 0}
    theirs.refresh_from_db()
    assert not theirs.is_read  # read-all is yours only


@pytest.mark.parametrize("bad_id", ["theirs", "999999", "abc", "99999999999999999999999"])
def test_read_someone_elses_or_unknown_is_404(client_for, user, other_user, bad_id):
    theirs = notify(other_user, user)
    target = theirs.id if bad_id == "theirs" else bad_id
    response = client_for(user).post(f"{URL}/{target}/read")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- a real socket ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.needs_services
async def test_notification_reaches_every_socket_of_the_recipient(user, other_user):
    from chat_project.asgi import application

    token = await database_sync_to_async(
        lambda: str(RefreshToken.for_user(other_user).access_token)
    )()
    headers = [(b"authorization", f"Bearer {token}".encode())]
    sockets = [WebsocketCommunicator(application, "/ws/", headers=headers) for _ in range(2)]
    try:
        for comm in sockets:
            connected, _ = await comm.connect(timeout=5)
            assert connected
            assert (await comm.receive_json_from(timeout=5))["type"] == "connected"
        await database_sync_to_async(friend_services.friend_request_send)(
            actor=user, username="bob"
        )
        notification = await database_sync_to_async(Notification.objects.get)(recipient=other_user)
        expected = await database_sync_to_async(notification_event)(
            await database_sync_to_async(Notification.objects.select_related("actor").get)(
                pk=notification.pk
            )
        )
        for comm in sockets:
            frames = [await comm.receive_json_from(timeout=5) for _ in range(2)]
            by_type = {frame["type"]: frame for frame in frames}
            assert by_type["notification"] == expected
            assert by_type["notification"]["notification"]["actor"] == {
                "id": user.id,
                "username": "alice",
                "avatar_url": None,
                "avatar_thumbnail_url": None,
            }
            assert "friend_request" in by_type
    finally:
        for comm in sockets:
            await comm.disconnect()

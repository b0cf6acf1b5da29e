"""User status (online / away / dnd / invisible) and "last seen": the service, REST and what
friends see (never across a block, as presence)."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Status, User
from accounts.status import shown_last_seen, shown_status
from chat_project import realtime
from friends import status as status_services
from friends.tests.factories import block, make_friends

pytestmark = pytest.mark.django_db

URL = "/api/users/me/status"
SEEN = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)


def test_what_friends_see():
    assert shown_status("online", False) == "online"
    assert shown_status("online", True) == "away"
    assert shown_status("away", False) == "away"
    assert shown_status("dnd", True) == "dnd"
    assert shown_status("invisible", False) is None
    assert shown_last_seen("online", SEEN) == SEEN
    assert shown_last_seen("invisible", SEEN) is None


def test_set_status_tells_own_devices_and_not_an_offline_users_friends(
    user, other_user, sent_events, django_capture_on_commit_callbacks
):
    make_friends(user, other_user)
    with django_capture_on_commit_callbacks(execute=True):
        status_services.user_status_set(actor=user, status="dnd")
    assert User.objects.get(pk=user.pk).status == Status.DND
    assert sent_events == [
        (
            f"user.{user.pk}",
            {
                "type": "status_changed",
                "status": "dnd",
                "idle": False,
                "shown_as": "dnd",
                "last_seen": None,
            },
        )
    ]


@pytest.fixture
def connected(user):
    """`user` has an open socket (as far as presence knows)."""
    from asgiref.sync import async_to_sync

    async_to_sync(realtime.presence_connect)(user.pk, "socket-1")
    yield
    async_to_sync(realtime.presence_disconnect)(user.pk, "socket-1")


def test_a_connected_users_friends_hear_each_change_blocked_people_never(
    user, other_user, user_factory, connected, sent_events, django_capture_on_commit_callbacks
):
    carol = user_factory(username="carol")
    make_friends(user, other_user)
    make_friends(user, carol)
    block(carol, user)  # a block ends the friendship: carol is no audience
    for status, idle in (("dnd", None), ("online", True), ("invisible", None), ("online", False)):
        with django_capture_on_commit_callbacks(execute=True):
            status_services.user_status_set(
                actor=user,
                status=status,
                idle=status_services.UNCHANGED if idle is None else idle,
            )
    to_friends = [event for group, event in sent_events if group != f"user.{user.pk}"]
    assert {group for group, _ in sent_events} == {f"user.{user.pk}", f"user.{other_user.pk}"}
    assert to_friends == [
        {"type": "user_online", "user_id": user.pk, "status": "dnd", "last_seen": None},
        {"type": "user_online", "user_id": user.pk, "status": "away", "last_seen": None},
        {"type": "user_offline", "user_id": user.pk, "status": "offline", "last_seen": None},
        {"type": "user_online", "user_id": user.pk, "status": "online", "last_seen": None},
    ]


def test_going_offline_records_last_seen_unless_invisible(user):
    event = status_services.user_went_offline(user_id=user.pk, at=SEEN)
    assert event == {
        "type": "user_offline",
        "user_id": user.pk,
        "status": "offline",
        "last_seen": "2026-05-01T08:30:00Z",
    }
    status_services.user_status_set(actor=user, status="invisible")
    later = status_services.user_went_offline(user_id=user.pk, at=SEEN.replace(hour=9))
    assert later is not None and later["last_seen"] is None
    assert User.objects.get(pk=user.pk).last_seen_at == SEEN  # not moved while invisible


def test_bad_values_are_refused(user):
    with pytest.raises(ValidationError):
        status_services.user_status_set(actor=user, status="busy")
    with pytest.raises(ValidationError):
        status_services.user_status_set(actor=user, idle="yes")


# --- REST --------------------------------------------------------------------------------------


def test_get_and_put_own_status(user, client_for):
    alice = client_for(user)
    assert alice.get(URL).json() == {
        "status": "online",
        "idle": False,
        "shown_as": "online",
        "last_seen": None,
    }
    response = alice.put(URL, {"status": "away"}, format="json")
    assert response.status_code == 200
    assert response.json()["shown_as"] == "away"
    assert alice.put(URL, {"idle": True}, format="json").json() == {
        "status": "away",
        "idle": True,
        "shown_as": "away",
        "last_seen": None,
    }


@pytest.mark.parametrize(
    ("body", "field"), [({"status": "busy"}, "status"), ({"idle": "yes"}, "idle")]
)
def test_bad_bodies_are_400_naming_the_field(user, client_for, body, field):
    response = client_for(user).put(URL, body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_options_describes_the_status_route(user, client_for):
    """DRF's OPTIONS looks up the object a PUT changes: a route without an id was a 500."""
    response = client_for(user).options(URL)
    assert response.status_code == 200
    assert "status" in response.json()["actions"]["PUT"]


def test_anonymous_is_401(api_client):
    assert api_client.get(URL).status_code == 401


def test_friend_list_and_profile_show_status_and_last_seen(
    user, other_user, user_factory, client_for, connected
):
    make_friends(user, other_user)
    bob = client_for(other_user)
    User.objects.filter(pk=user.pk).update(status="dnd", last_seen_at=SEEN)
    (alice,) = bob.get("/api/friends").json()
    assert (alice["is_online"], alice["status"], alice["last_seen"]) == (True, "dnd", None)
    profile = bob.get(f"/api/users/{user.pk}").json()
    assert (profile["is_online"], profile["status"]) == (True, "dnd")
    # Invisible: offline to friends, and "last seen" hidden.
    User.objects.filter(pk=user.pk).update(status="invisible")
    (alice,) = bob.get("/api/friends").json()
    assert (alice["is_online"], alice["status"], alice["last_seen"]) == (False, "offline", None)
    profile = bob.get(f"/api/users/{user.pk}").json()
    assert (profile["is_online"], profile["status"], profile["last_seen"]) == (
        False,
        "offline",
        None,
    )
    # A stranger sees nothing.
    stranger = client_for(user_factory(username="mallory")).get(f"/api/users/{user.pk}").json()
    assert (stranger["status"], stranger["last_seen"]) == (None, None)


def test_an_offline_friend_shows_last_seen(user, other_user, client_for):
    make_friends(user, other_user)
    User.objects.filter(pk=user.pk).update(last_seen_at=SEEN)
    (alice,) = client_for(other_user).get("/api/friends").json()
    assert (alice["status"], alice["last_seen"]) == ("offline", "2026-05-01T08:30:00Z")

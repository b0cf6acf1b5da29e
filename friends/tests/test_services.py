import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404

from accounts.events import notification as notification_event
from accounts.models import Notification
from accounts.tests.factories import UserFactory, staff_with
from chat_project.exceptions import Conflict, Throttled
from friends import services
from friends.models import Block, Friendship
from friends.tests.factories import AcceptedFriendshipFactory, BlockFactory, FriendshipFactory
from friends.tests.test_api import party
from tests.concurrency import run_concurrently

pytestmark = pytest.mark.django_db

PENDING = Friendship.Status.PENDING
ACCEPTED = Friendship.Status.ACCEPTED
REJECTED = Friendship.Status.REJECTED


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block's on-commit callbacks (events) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def request_repr(friendship: Friendship, *, viewer, status: str) -> dict:
    """The request as `viewer` sees it over REST, written out (docs/api.md): an email is
    shown for the viewer's own side, and for the other once the request is accepted."""
    friendship.refresh_from_db()
    friends = status == "accepted"
    return {
        "id": friendship.pk,
        "requester": party(friendship.requester, viewer, friends=friends),
        "receiver": party(friendship.receiver, viewer, friends=friends),
        "status": status,
        "created_at": friendship.created_at.isoformat().replace("+00:00", "Z"),
    }


# --- friend_request_send ---------------------------------------------------------------


def test_send_creates_pending_request_and_tells_receiver(user, other_user, sent_events, committed):
    with committed():
        outcome = services.friend_request_send(actor=user, username="bob")
    assert outcome.accepted is False
    request = outcome.request
    assert (request.requester, request.receiver, request.status) == (user, other_user, PENDING)
    notification = Notification.objects.get(recipient=other_user)
    assert sent_events == [
        (
            f"user.{other_user.pk}",
            {
                "type": "friend_request",
                "request": request_repr(request, viewer=other_user, status="pending"),
            },
        ),
        (f"user.{other_user.pk}", notification_event(notification)),
    ]
    assert (notification.type, notification.actor) == ("friend_request", user)
    payload = sent_events[0][1]["request"]
    # Not friends yet: the receiver does not see the requester's email.
    assert payload["requester"] == {
        "id": user.pk,
        "username": "alice",
        "email": None,
        "display_name": user.display_name,
        "avatar_url": None,
        "avatar_thumbnail_url": None,
    }
    assert payload["receiver"]["email"] == other_user.email  # their own
    assert payload["status"] == "pending"


def test_send_username_is_case_insensitive_and_trimmed(user, other_user):
    outcome = services.friend_request_send(actor=user, username="  BoB ")
    assert outcome.request.receiver == other_user


def test_send_to_self_is_invalid(user):
    with pytest.raises(ValidationError) as exc:
        services.friend_request_send(actor=user, username="ALICE")
    assert "username" in exc.value.message_dict
    assert not Friendship.objects.exists()


@pytest.mark.parametrize("username", ["nobody", "", "   "])
def test_send_to_unknown_user_is_not_found(user, username):
    with pytest.raises(Http404):
        services.friend_request_send(actor=user, username=username)


def test_send_to_disabled_user_is_not_found(user):
    UserFactory(username="banned", is_active=False)
    with pytest.raises(Http404):
        services.friend_request_send(actor=user, username="banned")


def test_send_twice_is_conflict(user, other_user, sent_events, committed):
    services.friend_request_send(actor=user, username="bob")
    with committed(), pytest.raises(Conflict) as exc:
        services.friend_request_send(actor=user, username="bob")
    assert exc.value.code == "request_pending"
    assert Friendship.objects.count() == 1
    assert sent_events == []


@pytest.mark.parametrize("they_asked", [True, False])
def test_send_when_already_friends_is_conflict(user, other_user, they_asked):
    pair = (other_user, user) if they_asked else (user, other_user)
    AcceptedFriendshipFactory(requester=pair[0], receiver=pair[1])
    with pytest.raises(Conflict) as exc:
        services.friend_request_send(actor=user, username="bob")
    assert exc.value.code == "already_friends"


def test_send_to_someone_who_asked_you_accepts_their_request(
    user, other_user, sent_events, committed
):
    theirs = FriendshipFactory(requester=other_user, receiver=user)
    with committed():
        outcome = services.friend_request_send(actor=user, username="bob")
    assert outcome.accepted is True
    assert outcome.request.pk == theirs.pk
    theirs.refresh_from_db()
    assert theirs.status == ACCEPTED
    assert Friendship.objects.count() == 1
    notification = Notification.objects.get(recipient=other_user)
    assert (notification.type, notification.actor) == ("friend_request_accepted", user)
    assert sent_events == [
        (
            f"user.{other_user.pk}",
            {
                "type": "friend_request_accepted",
                "request": request_repr(theirs, viewer=other_user, status="accepted"),
            },
        ),
        (f"user.{other_user.pk}", notification_event(notification)),
    ]


def test_rejected_request_may_be_sent_again_reusing_the_row(
    user, other_user, sent_events, committed
):
    old = FriendshipFactory(requester=user, receiver=other_user, status=REJECTED)
    old_created = old.created_at
    with committed():
        outcome = services.friend_request_send(actor=user, username="bob")
    assert outcome.request.pk == old.pk
    old.refresh_from_db()
    assert old.status == PENDING
    assert old.created_at > old_created
    assert Friendship.objects.count() == 1
    assert [event["type"] for _, event in sent_events] == ["friend_request", "notification"]


def test_receiver_who_rejected_may_ask_back(user, other_user):
    FriendshipFactory(requester=user, receiver=other_user, status=REJECTED)
    outcome = services.friend_request_send(actor=other_user, username="alice")
    assert outcome.accepted is False
    assert (outcome.request.requester, outcome.request.status) == (other_user, PENDING)
    assert Friendship.objects.count() == 2


@pytest.mark.parametrize("i_block", [True, False])
def test_send_is_forbidden_when_blocked_either_way(user, other_user, i_block):
    BlockFactory(blocker=user if i_block else other_user, blocked=other_user if i_block else user)
    with pytest.raises(PermissionDenied):
        services.friend_request_send(actor=user, username="bob")
    assert not Friendship.objects.exists()


def test_send_rolled_back_sends_no_event(user, other_user, sent_events, committed):
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        services.friend_request_send(actor=user, username="bob")
        raise RuntimeError("caller failed after the service")
    assert sent_events == []
    assert not Friendship.objects.exists()


def test_send_is_rate_limited(user, other_user, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "friend_request": "2/min"}
    UserFactory(username="dave")
    services.friend_request_send(actor=user, username="bob")
    with pytest.raises(Http404):  # failures count too: no free username probing
        services.friend_request_send(actor=user, username="nobody")
    with pytest.raises(Throttled) as exc:
        services.friend_request_send(actor=user, username="dave")
    assert exc.value.wait > 0
    assert Friendship.objects.count() == 1


# --- accept / reject / cancel ----------------------------------------------------------


def test_accept_by_receiver(user, other_user, sent_events, committed):
    request = FriendshipFactory(requester=other_user, receiver=user)
    with committed():
        accepted = services.friend_request_accept(actor=user, request_id=request.pk)
    assert accepted.status == ACCEPTED
    request.refresh_from_db()
    assert request.status == ACCEPTED
    notification = Notification.objects.get(recipient=other_user)
    assert (notification.type, notification.actor) == ("friend_request_accepted", user)
    assert sent_events == [
        (
            f"user.{other_user.pk}",
            {
                "type": "friend_request_accepted",
                "request": request_repr(request, viewer=other_user, status="accepted"),
            },
        ),
        (f"user.{other_user.pk}", notification_event(notification)),
    ]


@pytest.mark.parametrize("verb", ["accept", "reject"])
def test_only_the_receiver_answers(user, other_user, carol, verb):
    request = FriendshipFactory(requester=user, receiver=other_user)
    service = getattr(services, f"friend_request_{verb}")
    for actor in (user, carol):  # the requester and a stranger look the same: not found
        with pytest.raises(Http404):
            service(actor=actor, request_id=request.pk)
    request.refresh_from_db()
    assert request.status == PENDING


@pytest.mark.parametrize("verb", ["accept", "reject"])
@pytest.mark.parametrize("status", [ACCEPTED, REJECTED])
def test_answering_a_non_pending_request_is_not_found(user, other_user, verb, status):
    request = FriendshipFactory(requester=other_user, receiver=user, status=status)
    with pytest.raises(Http404):
        getattr(services, f"friend_request_{verb}")(actor=user, request_id=request.pk)
    request.refresh_from_db()
    assert request.status == status


@pytest.mark.parametrize("verb", ["accept", "reject", "cancel"])
@pytest.mark.parametrize("bad_id", [999_999, "abc", None, -1, 0, 2**70, True, "1.5"])
def test_unknown_or_malformed_request_id_is_not_found(user, verb, bad_id):
    with pytest.raises(Http404):
        getattr(services, f"friend_request_{verb}")(actor=user, request_id=bad_id)


def test_reject_keeps_the_row_and_tells_nobody(user, other_user, sent_events, committed):
    request = FriendshipFactory(requester=other_user, receiver=user)
    with committed():
        services.friend_request_reject(actor=user, request_id=request.pk)
    request.refresh_from_db()
    assert request.status == REJECTED
    assert sent_events == []


def test_cancel_by_requester_deletes_and_tells_receiver(user, other_user, sent_events, committed):
    request = FriendshipFactory(requester=user, receiver=other_user)
    with committed():
        services.friend_request_cancel(actor=user, request_id=request.pk)
    assert not Friendship.objects.exists()
    assert sent_events == [
        (
            f"user.{other_user.pk}",
            {"type": "friend_request_cancelled", "request_id": request.pk},
        )
    ]


def test_cancel_by_receiver_or_stranger_is_not_found(user, other_user, carol):
    request = FriendshipFactory(requester=user, receiver=other_user)
    for actor in (other_user, carol):
        with pytest.raises(Http404):
            services.friend_request_cancel(actor=actor, request_id=request.pk)
    assert Friendship.objects.filter(pk=request.pk, status=PENDING).exists()


def test_cancel_of_an_accepted_request_is_not_found(user, other_user):
    friendship = AcceptedFriendshipFactory(requester=user, receiver=other_user)
    with pytest.raises(Http404):
        services.friend_request_cancel(actor=user, request_id=friendship.pk)
    assert Friendship.objects.filter(pk=friendship.pk).exists()


# --- friendship_remove -----------------------------------------------------------------


@pytest.mark.parametrize("by_requester", [True, False])
def test_either_side_unfriends(user, other_user, sent_events, committed, by_requester):
    AcceptedFriendshipFactory(requester=user, receiver=other_user)
    actor, other = (user, other_user) if by_requester else (other_user, user)
    with committed():
        services.friendship_remove(actor=actor, user_id=other.pk)
    assert not Friendship.objects.exists()
    assert sorted(sent_events, key=lambda e: e[0]) == sorted(
        [
            (f"user.{user.pk}", {"type": "friend_removed", "user_id": other_user.pk}),
            (f"user.{other_user.pk}", {"type": "friend_removed", "user_id": user.pk}),
        ],
        key=lambda e: e[0],
    )


def test_unfriend_then_either_may_ask_again(user, other_user):
    AcceptedFriendshipFactory(requester=user, receiver=other_user)
    services.friendship_remove(actor=user, user_id=other_user.pk)
    outcome = services.friend_request_send(actor=other_user, username="alice")
    assert outcome.request.status == PENDING


@pytest.mark.parametrize("status", [None, PENDING, REJECTED])
def test_unfriend_when_not_friends_is_not_found(user, other_user, status):
    if status:
        FriendshipFactory(requester=user, receiver=other_user, status=status)
    with pytest.raises(Http404):
        services.friendship_remove(actor=user, user_id=other_user.pk)
    assert Friendship.objects.count() == (1 if status else 0)


@pytest.mark.parametrize("bad_id", [999_999, "abc", 2**70, None])
def test_unfriend_unknown_user_is_not_found(user, bad_id):
    with pytest.raises(Http404):
        services.friendship_remove(actor=user, user_id=bad_id)


def test_unfriend_does_not_touch_other_pairs(user, other_user, carol):
    AcceptedFriendshipFactory(requester=user, receiver=other_user)
    kept = AcceptedFriendshipFactory(requester=user, receiver=carol)
    services.friendship_remove(actor=user, user_id=other_user.pk)
    assert list(Friendship.objects.all()) == [kept]


# --- blocks ----------------------------------------------------------------------------


def test_block_ends_friendship_and_requests(user, other_user, carol, sent_events, committed):
    friendship = AcceptedFriendshipFactory(requester=other_user, receiver=user)
    unrelated = FriendshipFactory(requester=carol, receiver=user)
    with committed():
        block, created = services.user_block(actor=user, user_id=other_user.pk)
    assert created is True
    assert (block.blocker, block.blocked) == (user, other_user)
    assert not Friendship.objects.filter(pk=friendship.pk).exists()
    assert list(Friendship.objects.all()) == [unrelated]
    assert {group for group, _ in sent_events} == {f"user.{user.pk}", f"user.{other_user.pk}"}
    assert {event["type"] for _, event in sent_events} == {"friend_removed"}


@pytest.mark.parametrize("i_asked", [True, False])
def test_block_ends_pending_requests_either_way(user, other_user, sent_events, committed, i_asked):
    pair = (user, other_user) if i_asked else (other_user, user)
    request = FriendshipFactory(requester=pair[0], receiver=pair[1])
    FriendshipFactory(requester=pair[1], receiver=pair[0], status=REJECTED)
    with committed():
        services.user_block(actor=user, user_id=other_user.pk)
    assert not Friendship.objects.exists()
    assert sent_events == [
        (
            f"user.{pair[1].pk}",
            {"type": "friend_request_cancelled", "request_id": request.pk},
        )
    ]


def test_block_twice_is_idempotent(user, other_user):
    first, created = services.user_block(actor=user, user_id=other_user.pk)
    again, created_again = services.user_block(actor=user, user_id=other_user.pk)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk and again.created_at == first.created_at
    assert Block.objects.count() == 1


def test_both_may_block_each_other(user, other_user):
    services.user_block(actor=user, user_id=other_user.pk)
    services.user_block(actor=other_user, user_id=user.pk)
    assert Block.objects.count() == 2


def test_block_self_is_invalid(user):
    with pytest.raises(ValidationError):
        services.user_block(actor=user, user_id=user.pk)
    assert not Block.objects.exists()


@pytest.mark.parametrize("bad_id", [999_999, "abc", 2**70, None, -5])
def test_block_unknown_user_is_not_found(user, bad_id):
    with pytest.raises(Http404):
        services.user_block(actor=user, user_id=bad_id)


def test_block_a_disabled_account_works(user):
    banned = UserFactory(is_active=False)
    _, created = services.user_block(actor=user, user_id=banned.pk)
    assert created


def test_blocked_user_cannot_request_and_neither_can_blocker(user, other_user):
    services.user_block(actor=user, user_id=other_user.pk)
    with pytest.raises(PermissionDenied):
        services.friend_request_send(actor=other_user, username="alice")
    with pytest.raises(PermissionDenied):
        services.friend_request_send(actor=user, username="bob")


def test_unblock_lifts_the_block_but_not_the_friendship(user, other_user):
    AcceptedFriendshipFactory(requester=user, receiver=other_user)
    services.user_block(actor=user, user_id=other_user.pk)
    services.user_unblock(actor=user, user_id=other_user.pk)
    assert not Block.objects.exists()
    assert not Friendship.objects.exists()
    assert services.friend_request_send(actor=other_user, username="alice").accepted is False


def test_unblock_when_not_blocked_is_not_found(user, other_user):
    with pytest.raises(Http404):
        services.user_unblock(actor=user, user_id=other_user.pk)


def test_only_the_blocker_can_unblock(user, other_user):
    BlockFactory(blocker=other_user, blocked=user)
    with pytest.raises(Http404):
        services.user_unblock(actor=user, user_id=other_user.pk)
    assert Block.objects.count() == 1


@pytest.mark.parametrize("bad_id", [999_999, "abc", 2**70])
def test_unblock_unknown_user_is_not_found(user, bad_id):
    with pytest.raises(Http404):
        services.user_unblock(actor=user, user_id=bad_id)


# --- moderation ------------------------------------------------------------------------


def test_moderator_delete_needs_staff(user, other_user):
    friendship = AcceptedFriendshipFactory(requester=user, receiver=other_user)
    with pytest.raises(PermissionDenied):
        services.friendship_moderate_delete(actor=user, friendship=friendship)
    assert Friendship.objects.exists()


def test_moderator_delete_needs_the_delete_permission(user, other_user):
    friendship = AcceptedFriendshipFactory(requester=user, receiver=other_user)
    with pytest.raises(PermissionDenied):
        services.friendship_moderate_delete(actor=UserFactory(is_staff=True), friendship=friendship)
    assert Friendship.objects.exists()


def test_moderator_delete_tells_both(user, other_user, sent_events, committed):
    moderator = staff_with("friends.delete_friendship")
    friendship = AcceptedFriendshipFactory(requester=user, receiver=other_user)
    with committed():
        services.friendship_moderate_delete(actor=moderator, friendship=friendship)
    assert not Friendship.objects.exists()
    assert len(sent_events) == 2


# --- races (real PostgreSQL, real threads) ---------------------------------------------


def _live_rows(a, b):
    return list(
        Friendship.objects.filter(
            requester__in=[a, b], receiver__in=[a, b], status__in=[PENDING, ACCEPTED]
        )
    )


@pytest.mark.needs_services
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pair_lock", [True, False], ids=["pair-lock", "constraints-only"])
def test_mutual_requests_at_once_end_as_one_friendship(monkeypatch, pair_lock):
    """Without the pair lock, the live-pair constraint + savepoint retry must still hold."""
    if not pair_lock:
        monkeypatch.setattr(services, "_lock_pair", lambda a, b: None)
    for _ in range(5):
        a, b = UserFactory(), UserFactory()
        results = run_concurrently(
            lambda a=a, b=b: services.friend_request_send(actor=a, username=b.username),
            lambda a=a, b=b: services.friend_request_send(actor=b, username=a.username),
        )
        assert all(isinstance(r, services.FriendRequestOutcome) for r in results), results
        rows = _live_rows(a, b)
        assert len(rows) == 1
        if rows[0].status == ACCEPTED:
            assert sorted(r.accepted for r in results) == [False, True]
        else:  # both saw nothing and one lost the insert: it must have accepted instead
            pytest.fail(f"two mutual requests left a pending row: {results}")


@pytest.mark.needs_services
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pair_lock", [True, False], ids=["pair-lock", "constraints-only"])
def test_double_submit_makes_one_request(monkeypatch, pair_lock):
    if not pair_lock:
        monkeypatch.setattr(services, "_lock_pair", lambda a, b: None)
    a, b = UserFactory(), UserFactory()
    results = run_concurrently(
        *[lambda: services.friend_request_send(actor=a, username=b.username) for _ in range(3)]
    )
    outcomes = [r for r in results if isinstance(r, services.FriendRequestOutcome)]
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert (len(outcomes), len(conflicts)) == (1, 2), results
    assert Friendship.objects.filter(requester=a, receiver=b, status=PENDING).count() == 1


@pytest.mark.needs_services
@pytest.mark.django_db(transaction=True)
def test_block_racing_a_request_leaves_no_live_relation():
    for _ in range(5):
        a, b = UserFactory(), UserFactory()
        results = run_concurrently(
            lambda a=a, b=b: services.friend_request_send(actor=b, username=a.username),
            lambda a=a, b=b: services.user_block(actor=a, user_id=b.pk),
        )
        assert not isinstance(results[0], Exception) or isinstance(results[0], PermissionDenied)
        assert isinstance(results[1], tuple), results
        assert Block.objects.filter(blocker=a, blocked=b).exists()
        assert _live_rows(a, b) == []


@pytest.mark.needs_services
@pytest.mark.django_db(transaction=True)
def test_accept_racing_cancel_has_one_winner():
    for _ in range(5):
        a, b = UserFactory(), UserFactory()
        request = FriendshipFactory(requester=a, receiver=b)
        results = run_concurrently(
            lambda b=b, pk=request.pk: services.friend_request_accept(actor=b, request_id=pk),
            lambda a=a, pk=request.pk: services.friend_request_cancel(actor=a, request_id=pk),
        )
        errors = [r for r in results if isinstance(r, Exception)]
        assert len(errors) == 1 and isinstance(errors[0], Http404), results
        row = Friendship.objects.filter(pk=request.pk).first()
        if isinstance(results[0], Http404):
            assert row is None
        else:
            assert row.status == ACCEPTED

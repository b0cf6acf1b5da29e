"""State changes of the social graph: friend requests, friendships, blocks.

Every change to one pair of users first locks both user rows (`_lock_pair`), so
two people asking each other at once, or a block racing a request, are
serialised. The database constraints stay the last word: a write that still
collides (a writer that skipped the lock) rolls back to its savepoint and the
decision is taken again on fresh rows, so a race ends as a clean 200/201/409,
never an IntegrityError.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import Notification, User
from chat_project import ratelimit, realtime
from chat_project.exceptions import Conflict
from chat_project.permissions import require_permission

from . import events, selectors
from .models import Block, Friendship

CONSTRAINT_RETRIES = 3

ALREADY_FRIENDS = "You are already friends with this user."
ALREADY_PENDING = "A friend request to this user is already pending."
BLOCKED = "You cannot send a friend request to this user."
NOT_FRIENDS = "You are not friends with this user."
NOT_BLOCKED = "You have not blocked this user."


@dataclass(frozen=True)
class FriendRequestOutcome:
    """What `friend_request_send` did: `accepted` is True when it accepted the other
    user's pending request instead of creating one (REST answers 200, not 201)."""

    request: Friendship
    accepted: bool


def _friend_request_rate() -> str:
    return settings.THROTTLE_RATES["friend_request"]


def _lock_pair(user_a_id: int, user_b_id: int) -> None:
    """Serialise every change to one pair by locking both user rows in id order.

    FOR NO KEY UPDATE does not block inserts that reference the users (messages,
    memberships), only other changes to this pair. A no-op on SQLite, which
    serialises writers anyway.
    """
    list(
        User.objects.select_for_update(no_key=True)
        .filter(pk__in=sorted({user_a_id, user_b_id}))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _pair(user_a_id: int, user_b_id: int) -> Q:
    return Q(requester_id=user_a_id, receiver_id=user_b_id) | Q(
        requester_id=user_b_id, receiver_id=user_a_id
    )


# --- Requests ---------------------------------------------------------------------------


@transaction.atomic
def friend_request_send(*, actor: User, username: str) -> FriendRequestOutcome:
    """Ask `username` to be friends; if they already asked the actor, accept theirs.

    Every attempt counts against the rate limit, failures included, so the endpoint
    cannot be used to probe which usernames exist.
    """
    ratelimit.hit(f"friend_request:{actor.pk}", _friend_request_rate())
    receiver = selectors.user_get_by_username(username=username)
    if receiver.pk == actor.pk:
        raise ValidationError({"username": ["You cannot send a friend request to yourself."]})
    if receiver.is_bot or actor.is_bot:  # bots join groups through their owner or a webhook
        raise ValidationError({"username": ["Bots do not have friends."]})
    _lock_pair(actor.pk, receiver.pk)
    if selectors.is_blocked_between(actor.pk, receiver.pk):
        raise PermissionDenied(BLOCKED)
    for attempt in range(CONSTRAINT_RETRIES):
        try:
            with transaction.atomic():
                return _send_once(actor=actor, receiver=receiver)
        except IntegrityError:
            if attempt == CONSTRAINT_RETRIES - 1:
                raise Conflict(ALREADY_PENDING, code="request_pending") from None
    raise AssertionError("unreachable")  # pragma: no cover


def _send_once(*, actor: User, receiver: User) -> FriendRequestOutcome:
    rows = {
        (row.requester_id, row.receiver_id): row
        for row in Friendship.objects.select_for_update()
        .select_related("requester", "receiver")
        .filter(_pair(actor.pk, receiver.pk))
    }
    theirs = rows.get((receiver.pk, actor.pk))
    mine = rows.get((actor.pk, receiver.pk))
    if any(row.status == Friendship.Status.ACCEPTED for row in rows.values()):
        raise Conflict(ALREADY_FRIENDS, code="already_friends")
    if theirs is not None and theirs.status == Friendship.Status.PENDING:
        _accept(theirs)
        return FriendRequestOutcome(request=theirs, accepted=True)
    if mine is not None and mine.status == Friendship.Status.PENDING:
        raise Conflict(ALREADY_PENDING, code="request_pending")
    if mine is not None:  # rejected before: the same ordered-pair row is asked again
        mine.status = Friendship.Status.PENDING
        mine.created_at = timezone.now()  # sorts as new in the receiver's inbox
        mine.save(update_fields=["status", "created_at", "updated_at"])
    else:
        mine = Friendship(requester=actor, receiver=receiver)
        mine.full_clean(validate_constraints=False)  # the database checks them atomically
        mine.save()
    realtime.broadcast_on_commit(realtime.user_group(receiver.pk), events.friend_request(mine))
    accounts_services.notification_create(
        actor=actor, recipient_id=receiver.pk, type=Notification.Type.FRIEND_REQUEST
    )
    return FriendRequestOutcome(request=mine, accepted=False)


def _settle_request_notification(friendship: Friendship) -> None:
    """The receiver's "sent you a friend request" is answered: out of their bell."""
    accounts_services.notifications_settle(
        recipient_id=friendship.receiver_id,
        actor_id=friendship.requester_id,
        type=Notification.Type.FRIEND_REQUEST,
    )


def _accept(friendship: Friendship) -> None:
    friendship.status = Friendship.Status.ACCEPTED
    friendship.save(update_fields=["status", "updated_at"])
    _settle_request_notification(friendship)
    realtime.broadcast_on_commit(
        realtime.user_group(friendship.requester_id), events.friend_request_accepted(friendship)
    )
    accounts_services.notification_create(
        actor=friendship.receiver,
        recipient_id=friendship.requester_id,
        type=Notification.Type.FRIEND_REQUEST_ACCEPTED,
    )


def _pending_for_update(*, request_id: object, **role: int) -> Friendship:
    """The pending request in the caller's role, re-read under the pair lock."""
    found = selectors.pending_request_get(request_id=request_id, **role)
    _lock_pair(found.requester_id, found.receiver_id)
    try:
        return (
            Friendship.objects.select_for_update()
            .select_related("requester", "receiver")
            .get(pk=found.pk, status=Friendship.Status.PENDING, **role)
        )
    except Friendship.DoesNotExist as exc:  # answered or withdrawn meanwhile
        raise Http404(selectors.REQUEST_NOT_FOUND) from exc


@transaction.atomic
def friend_request_accept(*, actor: User, request_id: int) -> Friendship:
    """Only the receiver accepts, only while pending; anyone else gets 404."""
    friendship = _pending_for_update(request_id=request_id, receiver_id=actor.pk)
    _accept(friendship)
    return friendship


@transaction.atomic
def friend_request_reject(*, actor: User, request_id: int) -> Friendship:
    """The row stays as `rejected` (not deleted) so the requester may ask again later.

    The requester gets no event: a silent decline is kinder, and their outgoing
    list simply no longer shows it.
    """
    friendship = _pending_for_update(request_id=request_id, receiver_id=actor.pk)
    friendship.status = Friendship.Status.REJECTED
    friendship.save(update_fields=["status", "updated_at"])
    _settle_request_notification(friendship)
    return friendship


@transaction.atomic
def friend_request_cancel(*, actor: User, request_id: int) -> None:
    """Only the requester withdraws a pending request; the receiver's inbox is told."""
    friendship = _pending_for_update(request_id=request_id, requester_id=actor.pk)
    receiver_id, pk = friendship.receiver_id, friendship.pk
    _settle_request_notification(friendship)
    friendship.delete()
    realtime.broadcast_on_commit(
        realtime.user_group(receiver_id), events.friend_request_cancelled(pk)
    )


# --- Friendships ------------------------------------------------------------------------


def _end_relations(*, user_a_id: int, user_b_id: int) -> None:
    """Delete every row between the pair and tell both sides what disappeared."""
    rows = list(Friendship.objects.select_for_update().filter(_pair(user_a_id, user_b_id)))
    for row in rows:
        _announce_removal(row)
    Friendship.objects.filter(pk__in=[row.pk for row in rows]).delete()


def _announce_removal(row: Friendship) -> None:
    if row.status == Friendship.Status.ACCEPTED:
        realtime.broadcast_on_commit(
            realtime.user_group(row.requester_id), events.friend_removed(row.receiver_id)
        )
        realtime.broadcast_on_commit(
            realtime.user_group(row.receiver_id), events.friend_removed(row.requester_id)
        )
    elif row.status == Friendship.Status.PENDING:
        realtime.broadcast_on_commit(
            realtime.user_group(row.receiver_id), events.friend_request_cancelled(row.pk)
        )


@transaction.atomic
def friendship_remove(*, actor: User, user_id: int) -> None:
    """Unfriend, by either side. The pair starts over: either may ask again."""
    other_id = selectors.user_get_by_id(user_id=user_id).pk
    _lock_pair(actor.pk, other_id)
    if not Friendship.objects.filter(
        _pair(actor.pk, other_id), status=Friendship.Status.ACCEPTED
    ).exists():
        raise Http404(NOT_FRIENDS)
    _end_relations(user_a_id=actor.pk, user_b_id=other_id)


@transaction.atomic
def friendship_moderate_delete(*, actor: User, friendship: Friendship) -> None:
    """A moderator removes a request or friendship (admin), with the same events."""
    require_permission(
        actor,
        "friends.delete_friendship",
        message="Only moderators can remove other people's relations.",
    )
    _lock_pair(friendship.requester_id, friendship.receiver_id)
    for row in Friendship.objects.select_for_update().filter(pk=friendship.pk):
        _announce_removal(row)
        row.delete()


# --- Blocks -----------------------------------------------------------------------------


@transaction.atomic
def user_block(*, actor: User, user_id: int) -> tuple[Block, bool]:
    """Block a user: friendship and pending requests end at once. Idempotent.

    Returns the block and whether it is new; blocking again changes nothing (the
    original date stays). The blocked user is told nothing beyond a friend leaving.
    """
    other = selectors.user_get_by_id(user_id=user_id)
    if other.pk == actor.pk:
        raise ValidationError("You cannot block yourself.", code="self_block")
    _lock_pair(actor.pk, other.pk)
    existing = selectors.block_get(blocker_id=actor.pk, blocked_id=other.pk)
    if existing is not None:
        return existing, False
    block = Block(blocker=actor, blocked=other)
    block.full_clean(validate_constraints=False)
    block.save()
    _end_relations(user_a_id=actor.pk, user_b_id=other.pk)
    return block, True


@transaction.atomic
def user_unblock(*, actor: User, user_id: int) -> None:
    """Lift a block. The friendship does not come back: either may ask again."""
    other_id = selectors.user_get_by_id(user_id=user_id).pk
    _lock_pair(actor.pk, other_id)
    deleted, _ = Block.objects.filter(blocker_id=actor.pk, blocked_id=other_id).delete()
    if not deleted:
        raise Http404(NOT_BLOCKED)

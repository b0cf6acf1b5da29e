"""Reads over the social graph. Other apps ask these questions; they never query friends' models."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Case, F, IntegerField, Q, QuerySet, Subquery, When
from django.db.models.functions import Lower
from django.http import Http404

from accounts.models import User
from accounts.selectors import USER_NOT_FOUND
from chat_project.ids import id_or_404

from .models import Block, Friendship


def are_friends(user_a_id: int, user_b_id: int) -> bool:
    return Friendship.objects.filter(
        Q(requester_id=user_a_id, receiver_id=user_b_id)
        | Q(requester_id=user_b_id, receiver_id=user_a_id),
        status=Friendship.Status.ACCEPTED,
    ).exists()


def friend_ids(user_id: int) -> set[int]:
    """Ids of everyone `user_id` is friends with."""
    rows = Friendship.objects.filter(
        Q(requester_id=user_id) | Q(receiver_id=user_id), status=Friendship.Status.ACCEPTED
    ).values_list("requester_id", "receiver_id")
    return {b if a == user_id else a for a, b in rows}


def is_blocked_between(user_a_id: int, user_b_id: int) -> bool:
    """True when either user blocks the other."""
    return Block.objects.filter(
        Q(blocker_id=user_a_id, blocked_id=user_b_id)
        | Q(blocker_id=user_b_id, blocked_id=user_a_id)
    ).exists()


def blocked_ids_either_way(user_id: int) -> set[int]:
    """Everyone `user_id` blocks or is blocked by."""
    rows = Block.objects.filter(Q(blocker_id=user_id) | Q(blocked_id=user_id)).values_list(
        "blocker_id", "blocked_id"
    )
    return {b if a == user_id else a for a, b in rows}


def presence_audience(user_id: int) -> set[int]:
    """Who may see `user_id`'s presence (online, offline): friends, never across a block."""
    return friend_ids(user_id) - blocked_ids_either_way(user_id)


# --- Lists and lookups for the friends API ---------------------------------------------

INCOMING = "incoming"
OUTGOING = "outgoing"
DIRECTIONS = (INCOMING, OUTGOING)

REQUEST_NOT_FOUND = "Friend request not found."


def user_get_by_username(*, username: str) -> User:
    """The active user with this username (any letter case), else 404.

    Disabled accounts look unknown: they cannot take part in the social graph.
    """
    try:
        return User.objects.get(username__iexact=(username or "").strip(), is_active=True)
    except User.DoesNotExist as exc:
        raise Http404(USER_NOT_FOUND) from exc


def user_get_by_id(*, user_id: object) -> User:
    """Any existing user (active or not): a block must still work on a banned account."""
    try:
        return User.objects.get(pk=id_or_404(user_id, USER_NOT_FOUND))
    except User.DoesNotExist as exc:
        raise Http404(USER_NOT_FOUND) from exc


def pending_request_get(*, request_id: object, **parties: int) -> Friendship:
    """A pending request where the caller holds the given role (`receiver_id=` or
    `requester_id=`), else 404 — so nobody learns that someone else's request exists."""
    try:
        return Friendship.objects.select_related("requester", "receiver").get(
            pk=id_or_404(request_id, REQUEST_NOT_FOUND), status=Friendship.Status.PENDING, **parties
        )
    except Friendship.DoesNotExist as exc:
        raise Http404(REQUEST_NOT_FOUND) from exc


def friend_list_for_user(*, user: User) -> QuerySet[User]:
    """The user's active friends, alphabetical; one query whatever the count.

    The friend ids come from a subquery over both directions, which the
    (requester, status) and (receiver, status) indexes serve.
    """
    other = Case(
        When(requester_id=user.pk, then=F("receiver_id")),
        default=F("requester_id"),
        output_field=IntegerField(),
    )
    ids = (
        Friendship.objects.filter(
            Q(requester_id=user.pk) | Q(receiver_id=user.pk), status=Friendship.Status.ACCEPTED
        )
        .annotate(other_id=other)
        .values("other_id")
    )
    return User.objects.filter(pk__in=Subquery(ids), is_active=True).order_by(
        Lower("username"), "pk"
    )


def request_list_for_user(*, user: User, direction: str = INCOMING) -> QuerySet[Friendship]:
    """Pending requests to (incoming) or from (outgoing) the user, newest first.

    Requests involving a disabled account are hidden: a banned spammer's requests
    vanish from everyone's inbox.
    """
    if direction not in DIRECTIONS:
        raise ValidationError({"direction": [f"Must be one of: {', '.join(DIRECTIONS)}."]})
    qs = Friendship.objects.filter(status=Friendship.Status.PENDING).select_related(
        "requester", "receiver"
    )
    if direction == INCOMING:
        qs = qs.filter(receiver_id=user.pk, requester__is_active=True)
    else:
        qs = qs.filter(requester_id=user.pk, receiver__is_active=True)
    return qs.order_by("-created_at", "-pk")


def block_list_for_user(*, user: User) -> QuerySet[Block]:
    """Everyone the user blocks (not who blocks them: that stays private), newest first."""
    return (
        Block.objects.filter(blocker_id=user.pk)
        .select_related("blocked")
        .order_by("-created_at", "-pk")
    )


def block_get(*, blocker_id: int, blocked_id: int) -> Block | None:
    return Block.objects.filter(blocker_id=blocker_id, blocked_id=blocked_id).first()


# --- A person as another user sees them (the profile card) --------------------------------


@dataclass(frozen=True)
class Relationship:
    """What `viewer` and another user are to each other, as the viewer may know it.

    `friend_request` is a pending request between them (its id, and "incoming" when the
    other user asked); `blocked` is the viewer's own block (who blocks the viewer stays
    private).
    """

    is_friend: bool
    blocked: bool
    friend_request: dict[str, int | str] | None


def user_profile_get(*, viewer_id: int, user_id: int) -> tuple[User, Relationship]:
    """An active user and what they are to the viewer: three queries, whoever they are.

    Disabled accounts are unknown (404), as in user search. The viewer may look at
    anyone: what a profile shows (names, picture, bio) is what a shared room shows anyway.
    """
    try:
        user = User.objects.get(pk=user_id, is_active=True)
    except User.DoesNotExist as exc:
        raise Http404(USER_NOT_FOUND) from exc
    if user.pk == viewer_id:
        return user, Relationship(is_friend=False, blocked=False, friend_request=None)
    row = (
        Friendship.objects.filter(
            Q(requester_id=viewer_id, receiver_id=user.pk)
            | Q(requester_id=user.pk, receiver_id=viewer_id),
            status__in=[Friendship.Status.ACCEPTED, Friendship.Status.PENDING],
        )
        .values("id", "status", "requester_id")
        .first()
    )
    blocked = Block.objects.filter(blocker_id=viewer_id, blocked_id=user.pk).exists()
    request: dict[str, int | str] | None = None
    if row is not None and row["status"] == Friendship.Status.PENDING:
        direction = INCOMING if row["requester_id"] == user.pk else OUTGOING
        request = {"id": row["id"], "direction": direction}
    is_friend = row is not None and row["status"] == Friendship.Status.ACCEPTED
    return user, Relationship(is_friend=is_friend, blocked=blocked, friend_request=request)

"""Reads over conversations that carry permission: "missing" and "not yours" look the same."""

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, DateTimeField, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from rest_framework import serializers

from chat_project.permissions import SUPERUSER, has_permission

from .models import (
    Conversation,
    ConversationBan,
    ConversationInvite,
    ConversationMember,
    Mute,
    StaffAccessGrant,
)

NOT_FOUND = "Conversation not found."


def conversation_ids_for_user(user_id: int) -> list[int]:
    return list(
        ConversationMember.objects.filter(user_id=user_id).values_list("conversation_id", flat=True)
    )


def member_ids(conversation_id: int) -> list[int]:
    return list(
        ConversationMember.objects.filter(conversation_id=conversation_id).values_list(
            "user_id", flat=True
        )
    )


def membership_rows_for_user(*, user_id: int) -> list[tuple]:
    """(conversation id, last_seq, type, is_public, notification_level, muted_until) of
    each of the user's conversations, one query: what a socket keeps while it is open."""
    return list(
        ConversationMember.objects.filter(user_id=user_id).values_list(
            "conversation_id",
            "conversation__last_seq",
            "conversation__type",
            "conversation__is_public",
            "notification_level",
            "muted_until",
        )
    )


def membership_get(*, user_id: int, conversation_id: int) -> ConversationMember:
    """The caller's membership (with its conversation), or 404 for missing and not-a-member."""
    try:
        return ConversationMember.objects.select_related("conversation").get(
            user_id=user_id, conversation_id=conversation_id
        )
    except (ConversationMember.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(NOT_FOUND) from exc


def conversation_get_for_user(*, user_id: int, conversation_id: int) -> Conversation:
    return membership_get(user_id=user_id, conversation_id=conversation_id).conversation


#: What a conversation's representation shows of each member, read as plain rows.
MEMBER_COLUMNS = (
    "conversation_id",
    "user_id",
    "role",
    "last_read_seq",
    "last_read_message_id",
    "notification_level",
    "muted_until",
    "user__username",
    "user__display_name",
    "user__is_bot",
    "user__avatar",
)


def _with_members(queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """Memberships (oldest first) with their users in one extra query for the whole page."""
    return queryset.prefetch_related(
        Prefetch(
            "memberships",
            queryset=ConversationMember.objects.select_related("user").order_by("joined_at", "id"),
        )
    )


def _by_activity(queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
    return queryset.annotate(
        last_activity=Coalesce("last_message_at", "created_at", output_field=DateTimeField())
    ).order_by("-last_activity", "-id")


def conversation_list_for_user(*, user_id: int) -> QuerySet[Conversation]:
    """The user's conversations, most recent activity first, members prefetched.

    The caller's own read marker comes from the prefetched memberships, so the list
    costs two queries whatever its length.
    """
    return _with_members(_by_activity(Conversation.objects.filter(memberships__user_id=user_id)))


@dataclass(slots=True)
class ConversationRow:
    """What a conversation's representation reads, as a plain row (lists only)."""

    id: int
    type: str
    name: str
    description: str
    is_public: bool
    max_participants: int | None
    private_pair_key: str | None
    created_at: datetime
    last_message_id: int | None
    last_seq: int
    avatar: str
    member_rows: list[dict] = field(default_factory=list)


_ROW_FIELDS = tuple(f.name for f in fields(ConversationRow) if f.name != "member_rows")


def conversation_page_for_user(*, user_id: int) -> list[ConversationRow]:
    """The user's whole conversation list, ready to render: two queries whatever its length.

    Conversations and their members are read as plain rows (`ConversationRow`, member
    dicts oldest first), not model instances: building ORM objects was most of the cost of
    a 1,000-conversation list (docs/benchmarks.md, convlist-1k). The members are selected
    by a join on the user's memberships, not by an IN list of every conversation id.
    """
    queryset = _by_activity(Conversation.objects.filter(memberships__user_id=user_id))
    conversations = [ConversationRow(*values) for values in queryset.values_list(*_ROW_FIELDS)]
    rows: dict[int, list[dict]] = {conversation.id: [] for conversation in conversations}
    members = ConversationMember.objects.filter(conversation__memberships__user_id=user_id)
    for values in members.order_by("joined_at", "id").values_list(*MEMBER_COLUMNS):
        row = dict(zip(MEMBER_COLUMNS, values, strict=True))
        if row["conversation_id"] in rows:  # joined between the two queries: not listed
            rows[row["conversation_id"]].append(row)
    for conversation in conversations:
        conversation.member_rows = rows[conversation.id]
    return conversations


def conversation_detail_for_user(*, user_id: int, conversation_id: int) -> Conversation:
    """One conversation in the list's shape; 404 for missing and not-a-member alike."""
    try:
        return conversation_list_for_user(user_id=user_id).get(id=conversation_id)
    except (Conversation.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(NOT_FOUND) from exc


def conversation_with_members(*, conversation_id: int) -> Conversation:
    """A conversation with its members, no permission check: for services and event payloads."""
    return _with_members(Conversation.objects.all()).get(id=conversation_id)


def _public_rooms() -> QuerySet[Conversation]:
    return _by_activity(
        Conversation.objects.filter(type=Conversation.Type.GROUP, is_public=True).annotate(
            member_count=Count("memberships")
        )
    )


def public_room_list(*, search: str = "") -> QuerySet[Conversation]:
    """Discoverable rooms, most recently active first, each with its `member_count`."""
    rooms = _public_rooms()
    search = (search or "").strip()
    if search:
        rooms = rooms.filter(Q(name__icontains=search) | Q(description__icontains=search))
    return rooms


def public_room_get(*, conversation_id: int) -> Conversation:
    """A public room for anyone logged in; a private or missing one is a 404."""
    try:
        return _public_rooms().get(id=conversation_id)
    except (Conversation.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404(NOT_FOUND) from exc


# --- Staff (the admin) ---------------------------------------------------------------------


def staff_opened_conversation_ids(*, viewer) -> QuerySet[StaffAccessGrant, Any]:
    """Ids of the private conversations `viewer` opened and may read now, as a subquery.

    Only an active superuser's unexpired grants count: a grant dies with its hour, and with
    its holder's superuser status.
    """
    if not has_permission(viewer, SUPERUSER):
        return StaffAccessGrant.objects.none().values("conversation_id")
    return StaffAccessGrant.objects.filter(user_id=viewer.pk, expires_at__gt=timezone.now()).values(
        "conversation_id"
    )


def staff_can_read_q(*, viewer, prefix: str = "") -> Q:
    """Conversations whose messages staff `viewer` may read in the admin: public rooms, and
    the private ones (direct chats, private groups) that this superuser opened. `prefix`
    reaches the conversation from another model (`"conversation__"` for messages).

    Everything else is read only through a report (the reported message and its context).
    """
    return Q(**{f"{prefix}is_public": True}) | Q(
        **{f"{prefix}pk__in": staff_opened_conversation_ids(viewer=viewer)}
    )


def staff_access_until(*, viewer, conversation_id: int):
    """When `viewer`'s access to a private conversation ends, or None when they have none."""
    if not has_permission(viewer, SUPERUSER):
        return None
    return (
        StaffAccessGrant.objects.filter(
            user_id=viewer.pk, conversation_id=conversation_id, expires_at__gt=timezone.now()
        )
        .order_by("-expires_at")
        .values_list("expires_at", flat=True)
        .first()
    )


# --- Administration: bans and invite links -----------------------------------------------


def ban_list_for_admin(*, user_id: int, conversation_id: int) -> QuerySet[ConversationBan]:
    """The bans of a group, newest first, for its admins (a member -> 403, a stranger -> 404)."""
    membership = membership_get(user_id=user_id, conversation_id=conversation_id)
    if not membership.manages:
        raise PermissionDenied("Only an admin of this conversation can do this.")
    return ConversationBan.objects.filter(conversation_id=conversation_id).select_related("user")


def invite_list_for_admin(*, user_id: int, conversation_id: int) -> QuerySet[ConversationInvite]:
    """A group's links that still work or could (not revoked), newest first, for its admins."""
    membership = membership_get(user_id=user_id, conversation_id=conversation_id)
    if not membership.manages:
        raise PermissionDenied("Only an admin of this conversation can do this.")
    return ConversationInvite.objects.filter(
        conversation_id=conversation_id, revoked_at__isnull=True
    )


def invite_get(*, code: str) -> ConversationInvite:
    """A link by its code with its group and the group's `member_count` (for a preview)."""
    try:
        return ConversationInvite.objects.select_related("conversation").get(code=code)
    except ConversationInvite.DoesNotExist as exc:
        raise Http404("Invite not found.") from exc


def member_count(conversation_id: int) -> int:
    return ConversationMember.objects.filter(conversation_id=conversation_id).count()


def is_member(conversation_id: int, user_id: int) -> bool:
    return ConversationMember.objects.filter(
        conversation_id=conversation_id, user_id=user_id
    ).exists()


def active_mutes_for(user_id: int) -> list[dict[str, object]]:
    """The user's own running mutes, `[{conversation_id (null: everywhere), until}]`, for
    the composer (the web UI's config): one indexed query."""
    as_text = serializers.DateTimeField().to_representation
    return [
        {"conversation_id": conversation_id, "until": as_text(ends_at)}
        for conversation_id, ends_at in Mute.objects.filter(
            user_id=user_id, lifted_at__isnull=True, ends_at__gt=timezone.now()
        ).values_list("conversation_id", "ends_at")
    ]

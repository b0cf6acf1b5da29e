"""What a data export contains: everything of one user, and nobody else's data.

Each section is read with one query whatever its size (the payments history with one per
`HISTORY_MAX_LIMIT` entries, through its own selector), and written to the file as it is
read, so a user with 100,000 messages costs memory for one chunk, not for the archive.
Only the user's own rows are read: messages *they* sent (with the conversation each is
in), reactions *they* made, files *they* uploaded; of other people only what the user
already saw of them (id, username and display name of a friend or counterpart).

Attachment URLs are signed for the owner and expire like any other
(`ATTACHMENT_URL_MAX_AGE`); `GET /api/messages/{message_id}` gives fresh ones while the
account exists.
"""

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any

import orjson
from django.db.models import F, Q

from accounts.models import Notification, User
from conversations.models import Conversation, ConversationMember
from friends import selectors as friends_selectors
from messaging import attachments as message_attachments
from messaging.models import Attachment, Message, Reaction
from payments import selectors as payments_selectors
from payments.api.serializers import balance_representation, transaction_representation

FORMAT = "chat-export/1"
CHUNK = 2000


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _person(user: User) -> dict[str, Any]:
    return {"id": user.pk, "username": user.username, "display_name": user.display_name}


def profile(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "bio": user.bio,
        "has_avatar": bool(user.avatar),
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
    }


def friends(user: User) -> list[dict[str, Any]]:
    return [_person(friend) for friend in friends_selectors.friend_list_for_user(user=user)]


def friend_requests(user: User) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for direction in friends_selectors.DIRECTIONS:
        rows = friends_selectors.request_list_for_user(user=user, direction=direction)
        out[direction] = [
            {
                "id": row.pk,
                "user": _person(
                    row.requester if direction == friends_selectors.INCOMING else row.receiver
                ),
                "created_at": _iso(row.created_at),
            }
            for row in rows
        ]
    return out


def blocks(user: User) -> list[dict[str, Any]]:
    return [
        {"user": _person(block.blocked), "created_at": _iso(block.created_at)}
        for block in friends_selectors.block_list_for_user(user=user)
    ]


def conversations(user: User) -> list[dict[str, Any]]:
    """Conversations the user is in, and those they wrote in and have left (one query)."""
    memberships = {
        row["conversation_id"]: row
        for row in ConversationMember.objects.filter(user_id=user.pk).values(
            "conversation_id", "role", "joined_at"
        )
    }
    written = Message.objects.filter(sender_id=user.pk).values("conversation_id")
    joined = ConversationMember.objects.filter(user_id=user.pk).values("conversation_id")
    rows = (
        Conversation.objects.filter(Q(pk__in=written) | Q(pk__in=joined))
        .order_by("id")
        .values("id", "type", "name", "description", "is_public", "created_at")
    )
    out = []
    for row in rows:
        member = memberships.get(row["id"])
        out.append(
            {
                **row,
                "created_at": _iso(row["created_at"]),
                "member": member is not None,
                "role": member["role"] if member else None,
                "joined_at": _iso(member["joined_at"]) if member else None,
            }
        )
    return out


def messages(user: User) -> Iterator[dict[str, Any]]:
    rows = (
        Message.objects.filter(sender_id=user.pk)
        .order_by("id")
        .values(
            "id",
            "conversation_id",
            "seq",
            "message_type",
            "content",
            "reply_to_id",
            "created_at",
            "edited_at",
            "is_deleted",
        )
    )
    for row in rows.iterator(chunk_size=CHUNK):
        deleted = row["is_deleted"]
        yield {
            **row,
            "content": "" if deleted else row["content"],
            "created_at": _iso(row["created_at"]),
            "edited_at": _iso(row["edited_at"]),
        }


def attachments(user: User) -> Iterator[dict[str, Any]]:
    rows = (
        Attachment.objects.filter(uploader_id=user.pk)
        .annotate(conversation_id=F("message__conversation_id"))
        .order_by("id")
        .values(
            "id",
            "message_id",
            "conversation_id",
            "name",
            "size",
            "content_type",
            "thumbnail",
            "created_at",
        )
    )
    for row in rows.iterator(chunk_size=CHUNK):
        url, _ = message_attachments.file_urls(row["id"], row["name"], False, user.pk)
        yield {
            "id": row["id"],
            "message_id": row["message_id"],
            "conversation_id": row["conversation_id"],
            "name": row["name"],
            "size": row["size"],
            "content_type": row["content_type"],
            "url": url if row["message_id"] is not None else None,
            "created_at": _iso(row["created_at"]),
        }


def reactions(user: User) -> Iterator[dict[str, Any]]:
    rows = (
        Reaction.objects.filter(user_id=user.pk)
        .annotate(conversation_id=F("message__conversation_id"))
        .order_by("id")
        .values("message_id", "conversation_id", "emoji", "created_at")
    )
    for row in rows.iterator(chunk_size=CHUNK):
        yield {**row, "created_at": _iso(row["created_at"])}


def notifications(user: User) -> Iterator[dict[str, Any]]:
    rows = (
        Notification.objects.filter(recipient_id=user.pk)
        .order_by("id")
        .values("type", "actor_id", "conversation_id", "message_id", "is_read", "created_at")
    )
    for row in rows.iterator(chunk_size=CHUNK):
        yield {**row, "created_at": _iso(row["created_at"])}


def payments(user: User) -> dict[str, Any]:
    balances = payments_selectors.balances_for_user(user_id=user.pk)
    entries: list[dict[str, Any]] = []
    before = None
    while True:
        page = payments_selectors.transactions_for_user(
            user_id=user.pk, limit=payments_selectors.HISTORY_MAX_LIMIT, before=before
        )
        entries.extend(transaction_representation(entry) for entry in page)
        if len(page) < payments_selectors.HISTORY_MAX_LIMIT:
            break
        before = page[-1].pk
    return {
        "balances": [balance_representation(balance) for balance in balances],
        "transactions": entries,
    }


def _dump(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS)


def _write_list(out: IO[bytes], items: Iterable[Any]) -> None:
    out.write(b"[")
    first = True
    for item in items:
        if not first:
            out.write(b",")
        out.write(b"\n")
        out.write(_dump(item))
        first = False
    out.write(b"\n]")


def write(user: User, out: IO[bytes], generated_at: datetime) -> None:
    """The archive of `user` as one JSON object, written section by section."""
    sections: list[tuple[str, Any]] = [
        ("format", FORMAT),
        ("generated_at", _iso(generated_at)),
        ("profile", profile(user)),
        ("friends", friends(user)),
        ("friend_requests", friend_requests(user)),
        ("blocks", blocks(user)),
        ("conversations", conversations(user)),
        ("messages", messages(user)),
        ("attachments", attachments(user)),
        ("reactions", reactions(user)),
        ("notifications", notifications(user)),
        ("payments", payments(user)),
    ]
    out.write(b"{")
    for index, (key, value) in enumerate(sections):
        out.write(b"," if index else b"")
        out.write(b"\n" + _dump(key) + b": ")
        if isinstance(value, Iterator):
            _write_list(out, value)
        else:
            out.write(_dump(value))
    out.write(b"\n}\n")

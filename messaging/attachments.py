"""Attachments as clients see them, and who may fetch their files.

Every attachment in a representation carries `url` and `thumbnail_url`: same-origin paths
signed for one viewer (`/files/<id>/<token>/<name>`, the token is the viewer's id, an
expiry and an HMAC of both with the attachment id, `django.core.signing`). They work in
`<img src>` without any header, and they are checked again when used (`download_allowed`):
the viewer must still be a member of the message's conversation and the message not
deleted; an upload not attached yet is for its uploader only. A URL is good for
ATTACHMENT_URL_MAX_AGE (rounded up to the next 10 minutes, so the same viewer gets the
same URL for a while and browsers can cache the file).

A representation built without a viewer (events go to every member) is signed for
nobody, and `for_viewer` re-signs it per recipient: the delivery hub does that for each
socket (`register_event_signing`), the conversation serializer for each viewer.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare

from conversations.models import ConversationMember

from .models import Attachment

#: The columns an attachment's representation reads, as `values()` names.
ATTACHMENT_ROW_FIELDS = (
    "id",
    "message_id",
    "name",
    "size",
    "content_type",
    "width",
    "height",
    "thumbnail",
)
#: The most attachments one message carries.
MAX_ATTACHMENTS = 10
#: Expiries are rounded up to this many seconds: stable URLs within a window.
URL_WINDOW = 600
#: The viewer id of a representation signed for nobody (its URLs never open).
NOBODY = 0
_SIGNER = signing.Signer(salt="messaging.attachment.download")


def _expiry(now: float | None) -> int:
    at = time.time() if now is None else now
    return (int(at + settings.ATTACHMENT_URL_MAX_AGE) // URL_WINDOW + 1) * URL_WINDOW


def download_token(attachment_id: int, viewer_id: int, *, now: float | None = None) -> str:
    """`<viewer>.<expires>.<signature>` for `viewer_id` to fetch this attachment's files."""
    value = f"{viewer_id}.{_expiry(now)}"
    return f"{value}.{_SIGNER.signature(f'{attachment_id}.{value}')}"


def token_viewer(attachment_id: int, token: str, *, now: float | None = None) -> int | None:
    """The viewer a token was signed for, if it is genuine and not expired; else None."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    value = f"{parts[0]}.{parts[1]}"
    if not constant_time_compare(parts[2], _SIGNER.signature(f"{attachment_id}.{value}")):
        return None
    if int(parts[1]) < (time.time() if now is None else now):
        return None
    viewer_id = int(parts[0])
    return viewer_id if viewer_id != NOBODY else None


def file_urls(
    attachment_id: int, name: str, has_thumbnail: bool, viewer_id: int | None
) -> tuple[str, str | None]:
    """(url, thumbnail_url) signed for `viewer_id` (None: for nobody)."""
    token = download_token(attachment_id, viewer_id or NOBODY)
    base = f"/files/{attachment_id}/{token}"
    quoted = quote(name, safe="")
    thumbnail = f"{base}/thumb/{quote(name.rsplit('.', 1)[0], safe='')}.webp"
    return f"{base}/{quoted}", thumbnail if has_thumbnail else None


def attachment_representation(row: Mapping[str, Any], viewer_id: int | None) -> dict[str, Any]:
    """One attachment as every client sees it, from its ATTACHMENT_ROW_FIELDS."""
    url, thumbnail_url = file_urls(row["id"], row["name"], bool(row["thumbnail"]), viewer_id)
    return {
        "id": row["id"],
        "name": row["name"],
        "size": row["size"],
        "content_type": row["content_type"],
        "width": row["width"],
        "height": row["height"],
        "url": url,
        "thumbnail_url": thumbnail_url,
    }


def as_row(attachment: Attachment) -> dict[str, Any]:
    return {field: getattr(attachment, field) for field in ATTACHMENT_ROW_FIELDS}


def rows_by_message(message_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The attachments of these messages as rows, in their order: one query (none for no
    ids)."""
    ids = list(message_ids)
    found: dict[int, list[dict[str, Any]]] = {}
    if not ids:
        return found
    rows = (
        Attachment.objects.filter(message_id__in=ids)
        .order_by("message_id", "position", "id")
        .values(*ATTACHMENT_ROW_FIELDS)
    )
    for row in rows:
        found.setdefault(row["message_id"], []).append(row)
    return found


def rows_of(message: Any) -> list[dict[str, Any]]:
    """A message instance's attachment rows: set by the send (`attachment_rows`),
    prefetched (`prefetch_related("attachments")`), or read now (one query)."""
    rows = getattr(message, "attachment_rows", None)
    if rows is not None:
        return rows
    prefetched = getattr(message, "_prefetched_objects_cache", {}).get("attachments")
    if prefetched is not None:
        return [as_row(attachment) for attachment in prefetched]
    return rows_by_message([message.id]).get(message.id, [])


def _resigned(attachments: list[dict[str, Any]], viewer_id: int | None) -> list[dict[str, Any]]:
    signed = []
    for item in attachments:
        url, thumbnail_url = file_urls(
            item["id"], item["name"], item["thumbnail_url"] is not None, viewer_id
        )
        signed.append({**item, "url": url, "thumbnail_url": thumbnail_url})
    return signed


def for_viewer(message: dict[str, Any] | None, viewer_id: int | None) -> dict[str, Any] | None:
    """A message representation with its attachment URLs signed for `viewer_id` (a copy;
    the same dict when it has no attachments)."""
    if not message or not message.get("attachments"):
        return message
    return {**message, "attachments": _resigned(message["attachments"], viewer_id)}


# --- Download permission -----------------------------------------------------------------


def download_allowed(attachment: Attachment, viewer_id: int) -> bool:
    """Whether `viewer_id` may fetch this attachment's files now: its uploader while it is
    not attached; once attached, a member of the message's conversation while the message
    is not deleted (redacted is deleted). A banned user's sessions and tokens are dead
    already, and a signed URL names a user: it needs that user to be active too."""
    from accounts.models import User

    if not User.objects.filter(pk=viewer_id, is_active=True).exists():
        return False
    if attachment.attached_at is None:
        return attachment.uploader_id == viewer_id
    message = attachment.message
    if message is None or message.is_deleted:
        return False
    return ConversationMember.objects.filter(
        conversation_id=message.conversation_id, user_id=viewer_id
    ).exists()


# --- Events: each socket gets URLs signed for its own user ---------------------------------


def _sign_message_event(event: dict[str, Any]) -> Any:
    message = event.get("message")
    if not isinstance(message, dict) or not message.get("attachments"):
        return None
    return lambda user_id: {**event, "message": for_viewer(message, user_id)}


def _sign_conversation_event(event: dict[str, Any]) -> Any:
    conversation = event.get("conversation")
    if not isinstance(conversation, dict):
        return None
    last = conversation.get("last_message")
    if not isinstance(last, dict) or not last.get("attachments"):
        return None
    return lambda user_id: {
        **event,
        "conversation": {**conversation, "last_message": for_viewer(last, user_id)},
    }


def register_event_signing() -> None:
    """Tell the delivery hub how to sign the attachment URLs of events per recipient."""
    from chat_project.realtime import hub

    hub.per_recipient("new_message", _sign_message_event)
    hub.per_recipient("message_updated", _sign_message_event)
    hub.per_recipient("message_pinned", _sign_message_event)
    hub.per_recipient("conversation_updated", _sign_conversation_event)

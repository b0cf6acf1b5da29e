"""Uploads and attachments: storing a file, attaching uploads to a message, removing files.

An upload belongs to its uploader until one message takes it (`message_send` with
`attachment_ids`: `claim` locks the rows in the send's transaction, `attach` links them).
Files are written and deleted only through Django's default storage. A file is deleted
after the transaction that dropped its row commits, so a rolled-back removal keeps it.
What a user's uploads take together is capped (UPLOAD_QUOTA_BYTES), checked under a lock
on the user's row so parallel uploads cannot pass it together.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Case, Q, Sum, Value, When
from django.http import Http404
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import ModerationLog, User
from chat_project import ratelimit, realtime, uploads
from chat_project.ids import MAX_ID
from chat_project.permissions import require_permission
from messaging import events
from messaging.attachments import MAX_ATTACHMENTS, as_row
from messaging.models import Attachment, Message

from .checks import clean_content

UPLOAD_NOT_FOUND = "Upload not found."
ATTACHMENT_NOT_FOUND = "Attachment not found."


# --- storing ---------------------------------------------------------------------------


def _storage_name(extension: str, *, kind: str = "") -> str:
    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}{kind}{extension}"


def _delete_files_on_commit(names: Iterable[str]) -> None:
    names = [name for name in names if name]

    def delete() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete)


def storage_used(user_id: int) -> int:
    """Bytes the user's uploads take now (attached or not, until purged)."""
    return Attachment.objects.filter(uploader_id=user_id).aggregate(total=Sum("size"))["total"] or 0


def attachment_upload(*, actor: User, file: UploadedFile) -> Attachment:
    """Store an upload for `actor` to attach to one message within UPLOAD_UNUSED_TTL.

    Images are re-encoded without metadata and get a thumbnail (chat_project.images);
    other files are stored as they came with their sniffed type. Errors: over the upload
    rate -> Throttled; an image over the pixel cap or unreadable -> ValidationError on
    `file`; over the quota -> UploadRefused (413, `quota_exceeded`). Nothing is left in
    the storage when it fails.
    """
    ratelimit.hit(f"upload:{actor.id}", settings.THROTTLE_RATES["upload"])
    prepared = uploads.prepare(file)
    stored: list[str] = []
    try:
        with transaction.atomic():
            # Serialises this user's uploads: the quota check and the insert go together.
            User.objects.select_for_update().filter(pk=actor.id).values_list("pk").first()
            used = storage_used(actor.id)
            quota = settings.UPLOAD_QUOTA_BYTES
            if used + prepared.size > quota:
                raise uploads.UploadRefused(
                    f"Your uploads would take more than your {quota} bytes "
                    f"({used} bytes used): delete some first.",
                    "quota_exceeded",
                )
            content: File = (
                ContentFile(prepared.data) if prepared.data is not None else prepared.source
            )
            content.seek(0)
            stored.append(default_storage.save(_storage_name(prepared.extension), content))
            thumbnail = ""
            if prepared.thumbnail is not None:
                thumbnail = default_storage.save(
                    _storage_name(".webp", kind="-thumb"), ContentFile(prepared.thumbnail)
                )
                stored.append(thumbnail)
            return Attachment.objects.create(
                uploader=actor,
                name=prepared.name,
                size=prepared.size,
                content_type=prepared.content_type,
                width=prepared.width,
                height=prepared.height,
                file=stored[0],
                thumbnail=thumbnail,
            )
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


@transaction.atomic
def attachment_delete(*, actor: User, attachment_id: int) -> None:
    """Delete your own upload that no message has taken; anything else -> Http404."""
    attachment = (
        Attachment.objects.select_for_update()
        .filter(pk=attachment_id, uploader_id=actor.id, attached_at__isnull=True)
        .first()
    )
    if attachment is None:
        raise Http404(UPLOAD_NOT_FOUND)
    _remove(attachment)


def _remove(attachment: Attachment) -> None:
    _delete_files_on_commit([attachment.file, attachment.thumbnail])
    attachment.delete()


# --- attaching to a message (called by message_send) ---------------------------------------


def clean_attachment_ids(value: object) -> list[int]:
    """None or [] -> []; else up to MAX_ATTACHMENTS distinct ids (ValidationError)."""
    if value is None:
        return []
    if not isinstance(value, list) or any(
        isinstance(i, bool) or not isinstance(i, int) or not 1 <= i <= MAX_ID for i in value
    ):
        raise ValidationError({"attachment_ids": ["Must be a list of upload ids."]})
    if len(value) > MAX_ATTACHMENTS:
        raise ValidationError(
            {"attachment_ids": [f"At most {MAX_ATTACHMENTS} attachments per message."]}
        )
    if len(set(value)) != len(value):
        raise ValidationError({"attachment_ids": ["The same upload is given twice."]})
    return value


def clean_text(content: object, *, with_attachments: bool) -> str:
    """A message's text: may be empty (or left out) when it carries attachments."""
    if with_attachments and (content is None or (isinstance(content, str) and not content.strip())):
        return ""
    return clean_content(content)


def claim(*, actor_id: int, attachment_ids: list[int]) -> list[Attachment]:
    """Lock the uploads a send attaches (inside its transaction); all must be the sender's,
    not attached and not expired, else ValidationError naming `attachment_ids`."""
    if not attachment_ids:
        return []
    fresh_since = timezone.now() - timedelta(seconds=settings.UPLOAD_UNUSED_TTL)
    found = list(
        Attachment.objects.select_for_update()
        .filter(
            id__in=attachment_ids,
            uploader_id=actor_id,
            attached_at__isnull=True,
            created_at__gt=fresh_since,
        )
        .order_by("id")
    )
    missing = sorted(set(attachment_ids) - {a.id for a in found})
    if missing:
        raise ValidationError(
            {
                "attachment_ids": [
                    f"Not an upload of yours that can still be attached: {missing[0]} "
                    "(unknown, someone else's, used already or expired)."
                ]
            }
        )
    return found


def attach(*, message: Message, claimed: list[Attachment], attachment_ids: list[int]) -> None:
    """Link the claimed uploads to `message` in the order given; the message instance
    keeps their rows for its representation (no query to show them)."""
    if not claimed:
        message.attachment_rows = []  # type: ignore[attr-defined]
        return
    now = timezone.now()
    Attachment.objects.filter(id__in=attachment_ids).update(
        message_id=message.id,
        attached_at=now,
        position=Case(*(When(id=i, then=Value(p)) for p, i in enumerate(attachment_ids))),
    )
    by_id = {a.id: a for a in claimed}
    rows = []
    for position, attachment_id in enumerate(attachment_ids):
        attachment = by_id[attachment_id]
        attachment.message_id, attachment.attached_at = message.id, now
        attachment.position = position
        rows.append(as_row(attachment))
    message.attachment_rows = rows  # type: ignore[attr-defined]


# --- moderation and the purge ----------------------------------------------------------------


#: Either permission lets staff remove attachments: `remove_attachment` (the moderators
#: group) or the model's delete permission (the admin asks the same).
REMOVE_ATTACHMENT_PERMISSIONS = ("messaging.remove_attachment", "messaging.delete_attachment")


def _require_moderator(actor: User) -> None:
    require_permission(
        actor, *REMOVE_ATTACHMENT_PERMISSIONS, message="Only moderators can remove attachments."
    )


def _announce_changed(message_ids: Iterable[int]) -> None:
    """`message_updated` for live messages that lost attachments (read after the delete)."""
    messages = Message.objects.filter(id__in=set(message_ids), is_deleted=False).select_related(
        "sender"
    )
    for message in messages.prefetch_related("attachments"):
        realtime.broadcast_on_commit(
            realtime.conversation_group(message.conversation_id), events.message_updated(message)
        )


@transaction.atomic
def attachment_remove(*, actor: User, attachment_id: int, reason: str = "") -> None:
    """Moderation: remove one attachment (row and files) and write the audit log; the
    message's members get `message_updated` without it. Not staff -> PermissionDenied."""
    _require_moderator(actor)
    attachment = Attachment.objects.select_for_update().filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404(ATTACHMENT_NOT_FOUND)
    message_id = attachment.message_id
    accounts_services.moderation_log_write(
        actor=actor,
        action=ModerationLog.Action.REMOVE_ATTACHMENT,
        target_type="attachment",
        target_id=attachment.id,
        target_repr=(
            f"{attachment.name[:100]} by user {attachment.uploader_id}"
            + (f" in message {message_id}" if message_id else "")
        ),
        reason=reason,
    )
    _remove(attachment)
    if message_id:
        _announce_changed([message_id])


@transaction.atomic
def user_uploads_purge(*, actor: User, user_id: int, reason: str = "") -> int:
    """Moderation: remove every upload of a banned user (rows and files, attached or not),
    one audit-log entry; returns how many. An active user -> ValidationError (ban first)."""
    _require_moderator(actor)
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise Http404("User not found.")
    if user.is_active:
        raise ValidationError("Only a banned user's uploads can be purged: ban the user first.")
    doomed = list(Attachment.objects.select_for_update().filter(uploader_id=user_id))
    accounts_services.moderation_log_write(
        actor=actor,
        action=ModerationLog.Action.PURGE_UPLOADS,
        target_type="user",
        target_id=user.id,
        target_repr=f"{user.username}: {len(doomed)} uploads",
        reason=reason,
    )
    message_ids = [a.message_id for a in doomed if a.message_id]
    _delete_files_on_commit([name for a in doomed for name in (a.file, a.thumbnail)])
    Attachment.objects.filter(id__in=[a.id for a in doomed]).delete()
    _announce_changed(message_ids)
    return len(doomed)


def purgeable(now: Any = None) -> Q:
    """Attachments whose files nobody can reach any more: uploads never attached within
    UPLOAD_UNUSED_TTL, and attachments of deleted (or redacted, or gone) messages."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.UPLOAD_UNUSED_TTL)
    return (
        Q(attached_at__isnull=True, created_at__lt=cutoff)
        | Q(attached_at__isnull=False, message__isnull=True)
        | Q(message__is_deleted=True)
    )


def attachments_purge(*, now: Any = None, batch: int = 500) -> int:
    """Delete what `purgeable` finds, rows and files, in batches; returns how many."""
    removed = 0
    while True:
        with transaction.atomic():
            doomed = list(
                Attachment.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(purgeable(now))
                .order_by("id")[:batch]
            )
            if not doomed:
                return removed
            _delete_files_on_commit([name for a in doomed for name in (a.file, a.thumbnail)])
            Attachment.objects.filter(id__in=[a.id for a in doomed]).delete()
        removed += len(doomed)

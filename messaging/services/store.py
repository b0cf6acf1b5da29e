"""The message store's business rules: send, edit, delete/redact, read markers.

The message store's invariants live here:

* `seq` is gapless per conversation. It is allocated by one row-level atomic UPDATE of
  `Conversation.last_seq` in the same write as the INSERT (`send_write`), so concurrent
  senders queue on the conversation row and each gets the next number; a rolled-back send
  also rolls back its increment. On PostgreSQL the same UPDATE draws the message id from its
  sequence, so inside one conversation ids grow in commit order too (the `after=<id>`
  catch-up never skips a message that committed late).
* `client_id` makes a send idempotent per sender: a replay returns the first message and
  emits nothing. The unique constraint on (sender, client_id) detects it: the failed write
  statement leaves nothing behind (its seq increment included), and the existing row is
  returned.
* Deletion is soft: `is_deleted`/`deleted_at`/`deleted_by` are set and the original text
  stays in the database for moderation (reports). The text is never exposed: the one
  serializer blanks it, and search skips deleted messages. A deleted message is no longer
  pinned.
* Text is rendered when it is written (`content.render_content`: Markdown to sanitised
  HTML, mentions of members), on send and on edit, never when it is read.
* Every change — send, edit, delete, redact (and reactions, pins) — takes the
  conversation's next change number (`changes`), which the catch-up reads by.

Events are built in `messaging.events` and leave through `chat_project.realtime` only
after commit.
"""

import math

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import ModerationLog, User
from accounts.tokens import TokenActor
from chat_project import ratelimit, realtime
from chat_project.exceptions import Conflict, Overloaded, Throttled
from chat_project.ids import id_or_404
from chat_project.permissions import require_permission
from conversations.models import Conversation, ConversationMember
from conversations.selectors import NOT_FOUND as CONVERSATION_NOT_FOUND
from conversations.selectors import membership_get
from messaging import events, push
from messaging.models import Message

from . import attachments
from .changes import record_change
from .checks import (
    MESSAGE_NOT_FOUND,
    check_not_blocked,
    clean_client_id,
    clean_content,
    clean_reply_to,
    membership_for_message,
)
from .content import render_content
from .mentions import notify_mentions
from .send_write import insert_message, write_block

#: Either permission lets staff redact (`message_redact`; the admin asks the same).
REDACT_PERMISSIONS = ("messaging.redact_message", "messaging.change_message")

# --- send --------------------------------------------------------------------------------


def _replay(*, actor: User | TokenActor, client_id: str, conversation_id: int) -> Message | None:
    messages = Message.objects.filter(sender_id=actor.id, client_id=client_id)
    if isinstance(actor, TokenActor):
        messages = messages.select_related("sender")
    existing = messages.first()
    if existing is None:
        return None
    if existing.conversation_id != conversation_id:
        raise Conflict(
            "This client_id was already used for a message in another conversation.",
            code="client_id_reused",
        )
    if isinstance(actor, User):
        existing.sender = actor
    return existing


def _check_not_overloaded() -> None:
    """Back-pressure: while events reach sockets late, new ones are refused, not queued
    (docs/api.md, "Back-pressure"), so latency stays bounded instead of growing."""
    wait = realtime.overloaded_for()
    if wait:
        raise Overloaded(
            wait=max(1, math.ceil(wait)),
            detail="The server is delivering messages late; send again after Retry-After.",
        )


def message_send_clean(
    *, conversation_id: object, content: object, client_id: object, reply_to: object = None
) -> None:
    """The input checks of `message_send` alone (no side effect): ValidationError/Http404."""
    id_or_404(conversation_id, CONVERSATION_NOT_FOUND)
    clean_content(content)
    clean_client_id(client_id)
    clean_reply_to(reply_to)


def message_send_window(user_id: int) -> ratelimit.Window:
    """The per-user message rate `message_send` counts (REST and WebSocket alike)."""
    return ratelimit.Window.of(f"message_send:{user_id}", settings.THROTTLE_RATES["message_send"])


def message_send(
    *,
    actor: User | TokenActor,
    conversation_id: int,
    content: str,
    client_id: str | None = None,
    counted: tuple[int, float] | None = None,
    reply_to: int | None = None,
    attachment_ids: list[int] | None = None,
) -> tuple[Message, bool]:
    """Store a message and announce it; returns (message, created).

    Sending is optimistic about `client_id`: a replay is rare, so it is not looked up
    first; the unique constraint on (sender, client_id) catches it, the failed write leaves
    nothing behind (seq increment included), and the first message is returned instead —
    also when the replay would now be blocked or throttled. A common send is one
    PostgreSQL statement after authentication and one Redis round trip for the rate limit.

    `actor` is a loaded User, or a `TokenActor` (the lean REST path): then the statement
    also checks the token against the user row and a refused actor gets Http404 like a
    non-member (only `created=True` proves the check passed; the caller tells the cases
    apart). `counted` is this send's (total, wait) in `message_send_window` when the
    caller counted it already (the lean path does, in one round trip with its throttles).

    `attachment_ids`: up to MAX_ATTACHMENTS of the sender's own unattached uploads
    (`services.attachments`), locked and attached in the send's transaction; the text may
    then be empty. `reply_to` makes the message a reply to an earlier message of the same
    conversation.

    Errors: not a member -> Http404; blocked in a direct chat -> PermissionDenied; bad
    content, client_id, attachment_ids or reply_to (not a message of this conversation,
    or deleted) -> ValidationError; client_id reused in another conversation ->
    Conflict; over the per-user rate (shared by REST and WebSocket) -> Throttled; while
    this process delivers events late (back-pressure) -> Overloaded.
    """
    conversation_id = id_or_404(conversation_id, CONVERSATION_NOT_FOUND)
    upload_ids = attachments.clean_attachment_ids(attachment_ids)
    text = attachments.clean_text(content, with_attachments=bool(upload_ids))
    key = clean_client_id(client_id)
    reply_to = clean_reply_to(reply_to)
    try:
        _check_not_overloaded()
        window = message_send_window(actor.id)
        ratelimit.hit(window.key, settings.THROTTLE_RATES["message_send"], counted)
        with write_block(text, attachments=bool(upload_ids)):
            claimed = attachments.claim(actor_id=actor.id, attachment_ids=upload_ids)
            # Inside: with a mention, the members it names are read in the transaction
            # that stores the message and its notifications.
            rendered = render_content(conversation_id, text)
            message = insert_message(
                actor=actor,
                conversation_id=conversation_id,
                content=text,
                client_id=key,
                rendered=rendered,
                reply_to=reply_to,
            )
            attachments.attach(message=message, claimed=claimed, attachment_ids=upload_ids)
            if reply_to is not None:  # the quoted preview (the statement checked it exists)
                message.reply_to = Message.objects.select_related("sender").get(pk=reply_to)
            realtime.broadcast_on_commit(
                realtime.conversation_group(conversation_id), events.new_message(message)
            )
            mentioned = notify_mentions(actor=message.sender, message=message)
            push.push_on_commit(message=message, mentioned=mentioned, new=True)
    except (IntegrityError, PermissionDenied, Throttled, ValidationError):
        existing = (
            _replay(actor=actor, client_id=key, conversation_id=conversation_id) if key else None
        )
        if existing is None:
            raise
        return existing, False
    return message, True


# --- edit / delete -----------------------------------------------------------------------


@transaction.atomic
def message_edit(*, actor: User, message_id: int, content: str) -> Message:
    """Change the text of your own message; members get `message_updated`.

    Not a member -> Http404; not the sender -> PermissionDenied; a deleted message or one
    of another type than text (a transfer) -> ValidationError (400: it keeps its place in
    history but has no text to edit); blocked in
    a direct chat -> PermissionDenied. Saving the same text again changes nothing and
    emits nothing.
    """
    message, membership = membership_for_message(actor=actor, message_id=message_id, lock=True)
    if message.sender_id != actor.id:
        raise PermissionDenied("Only the sender can edit a message.")
    if message.is_deleted:
        raise ValidationError("A deleted message cannot be edited.", code="deleted")
    if message.message_type != Message.Type.TEXT:
        raise ValidationError("Only a text message can be edited.", code="not_text")
    text = clean_content(content)
    check_not_blocked(membership.conversation, actor.id)
    if text == message.content:
        return message
    rendered = render_content(message.conversation_id, text)
    message.content = text
    message.content_html, message.mention_ids = rendered
    message.edited_at = timezone.now()
    record_change(message, "content", "content_html", "mention_ids", "edited_at")
    realtime.broadcast_on_commit(
        realtime.conversation_group(message.conversation_id), events.message_updated(message)
    )
    # Only mentions new to this message notify (and push).
    mentioned = notify_mentions(actor=actor, message=message)
    push.push_on_commit(message=message, mentioned=mentioned, new=False)
    return message


def _soft_delete(message: Message, *, by: User) -> None:
    message.is_deleted = True
    message.deleted_at = timezone.now()
    message.deleted_by = by
    message.pinned_at = message.pinned_by = None  # no longer pinned: no separate event
    record_change(message, "is_deleted", "deleted_at", "deleted_by", "pinned_at", "pinned_by")
    realtime.broadcast_on_commit(
        realtime.conversation_group(message.conversation_id), events.message_deleted(message)
    )


@transaction.atomic
def message_delete(*, actor: User, message_id: int) -> None:
    """Soft-delete: the sender, or an admin of a group, may delete; members get
    `message_deleted`. Deleting an already-deleted message is a no-op (no second event).

    Not a member -> Http404; anyone else -> PermissionDenied.
    """
    message, membership = membership_for_message(actor=actor, message_id=message_id, lock=True)
    is_group_admin = membership.conversation.type == Conversation.Type.GROUP and membership.manages
    if message.sender_id != actor.id and not is_group_admin:
        raise PermissionDenied("Only the sender or a group admin can delete this message.")
    if message.is_deleted:
        return
    _soft_delete(message, by=actor)


@transaction.atomic
def message_redact(*, actor: User, message_id: int, reason: str = "") -> None:
    """Moderation: staff delete any message (the admin action), live clients are told.

    The text stays in the database for the moderation record; `deleted_by` names the
    moderator, and the audit log records the action. Needs `messaging.redact_message` (the
    moderators group) or the model's `change_message`, else PermissionDenied; unknown id ->
    Http404; idempotent (a second call neither emits nor logs).
    """
    require_permission(actor, *REDACT_PERMISSIONS, message="Only moderators can redact messages.")
    try:
        # NO KEY UPDATE, as `membership_for_message` locks (see there).
        message = Message.objects.select_for_update(no_key=True).get(
            pk=id_or_404(message_id, MESSAGE_NOT_FOUND)
        )
    except Message.DoesNotExist as exc:
        raise Http404(MESSAGE_NOT_FOUND) from exc
    if message.is_deleted:
        return
    _soft_delete(message, by=actor)
    accounts_services.moderation_log_write(
        actor=actor,
        action=ModerationLog.Action.REDACT_MESSAGE,
        target_type="message",
        target_id=message.id,
        target_repr=f"message {message.id} by user {message.sender_id}",
        subject_user_id=message.sender_id,
        reason=reason,
    )


@transaction.atomic
def message_unredact(*, actor: User, message_id: int, reason: str) -> bool:
    """Undo a moderator's redaction (a mistake, an appeal upheld): the message is back for
    everyone (members get `message_updated`), logged with the required reason.

    Only a redaction is undone: a message its sender or a group admin deleted stays
    deleted (ValidationError). False when the message is not deleted. Needs the
    redaction permission."""
    require_permission(actor, *REDACT_PERMISSIONS, message="Only moderators can redact messages.")
    text = accounts_services.clean_reason(reason)
    try:
        message = Message.objects.select_for_update(no_key=True).get(
            pk=id_or_404(message_id, MESSAGE_NOT_FOUND)
        )
    except Message.DoesNotExist as exc:
        raise Http404(MESSAGE_NOT_FOUND) from exc
    if not message.is_deleted:
        return False
    last = (
        ModerationLog.objects.filter(target_type="message", target_id=message.pk)
        .filter(
            action__in=[ModerationLog.Action.REDACT_MESSAGE, ModerationLog.Action.UNREDACT_MESSAGE]
        )
        .order_by("-id")
        .values_list("action", flat=True)
        .first()
    )
    if last != ModerationLog.Action.REDACT_MESSAGE or message.deleted_by_id == message.sender_id:
        raise ValidationError(
            "Only a moderator's redaction can be undone; this message was deleted by its "
            "sender or a group admin.",
            code="not_redacted",
        )
    message.is_deleted = False
    message.deleted_at = None
    message.deleted_by = None
    record_change(message, "is_deleted", "deleted_at", "deleted_by")
    message = Message.objects.select_related("sender").get(pk=message.pk)
    realtime.broadcast_on_commit(
        realtime.conversation_group(message.conversation_id), events.message_updated(message)
    )
    accounts_services.moderation_log_write(
        actor=actor,
        action=ModerationLog.Action.UNREDACT_MESSAGE,
        target_type="message",
        target_id=message.id,
        target_repr=f"message {message.id} by {message.sender.username}",
        subject_user_id=message.sender_id,
        reason=text,
    )
    return True


# --- read markers ------------------------------------------------------------------------


@transaction.atomic
def message_mark_read(*, actor: User, conversation_id: int, message_id: int) -> None:
    """Move the actor's read marker up to `message_id`; the conversation gets `read`.

    The marker only moves forward (an old message id is accepted and changes nothing, and
    then no event is sent). The message must belong to that conversation, else Http404 —
    as for a conversation the actor is not in.
    """
    membership = membership_get(user_id=actor.id, conversation_id=conversation_id)
    row = (
        Message.objects.filter(
            pk=id_or_404(message_id, MESSAGE_NOT_FOUND), conversation_id=membership.conversation_id
        )
        .values_list("id", "seq")
        .first()
    )
    if row is None:
        raise Http404(MESSAGE_NOT_FOUND)
    read_id, read_seq = row
    moved = ConversationMember.objects.filter(pk=membership.pk, last_read_seq__lt=read_seq).update(
        last_read_seq=read_seq, last_read_message_id=read_id
    )
    if moved:
        realtime.broadcast_on_commit(
            realtime.conversation_group(membership.conversation_id),
            events.read(
                conversation_id=membership.conversation_id,
                user_id=actor.id,
                message_id=read_id,
                seq=read_seq,
            ),
        )

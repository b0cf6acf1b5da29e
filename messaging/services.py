"""State changes for messages: send, edit, delete/redact, read markers.

The message store's invariants live here:

* `seq` is gapless per conversation. It is allocated by one row-level atomic UPDATE of
  `Conversation.last_seq` inside the send transaction, so concurrent senders queue on the
  conversation row and each gets the next number; a rolled-back send also rolls back its
  increment. On PostgreSQL the same UPDATE draws the message id from its sequence, so inside
  one conversation ids grow in commit order too (the `after=<id>` catch-up never skips a
  message that committed late).
* `client_id` makes a send idempotent per sender: a replay returns the first message and
  emits nothing. It is checked before a seq is allocated; under a race the unique
  constraint fires, the send's atomic block (a savepoint when the caller already has a
  transaction) rolls back together with its seq increment, and the existing row is returned.
* Deletion is soft: `is_deleted`/`deleted_at`/`deleted_by` are set and the original text
  stays in the database for moderation (reports). The text is never exposed: the one
  serializer blanks it, and search skips deleted messages.

Events are built in `messaging.events` and leave through `chat_project.realtime` only
after commit.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from chat_project import ratelimit, realtime
from chat_project.exceptions import Conflict
from conversations.models import Conversation, ConversationMember
from conversations.selectors import membership_get
from friends.selectors import is_blocked_between

from . import events
from .models import Message

MESSAGE_NOT_FOUND = "Message not found."
CLIENT_ID_MAX_LENGTH = 64


# --- validation helpers ------------------------------------------------------------------


def _clean_content(content: object) -> str:
    if not isinstance(content, str):
        raise ValidationError({"content": ["Content must be a string."]})
    text = content.strip()
    if not text:
        raise ValidationError({"content": ["Message content cannot be empty."]})
    limit = settings.MESSAGE_MAX_LENGTH
    if len(text) > limit:
        raise ValidationError(
            {"content": [f"Ensure this field has no more than {limit} characters ({len(text)})."]}
        )
    return text


def _clean_client_id(client_id: object) -> str | None:
    """None or '' mean "no idempotency key"; anything else must be a short string."""
    if client_id is None or client_id == "":
        return None
    if not isinstance(client_id, str):
        raise ValidationError({"client_id": ["client_id must be a string."]})
    if len(client_id) > CLIENT_ID_MAX_LENGTH:
        raise ValidationError(
            {
                "client_id": [
                    f"Ensure this field has no more than {CLIENT_ID_MAX_LENGTH} characters."
                ]
            }
        )
    return client_id


def _as_id(value: object) -> int:
    """An integer id, or the not-found every unknown id gets (never a 500 on garbage)."""
    if isinstance(value, bool):
        raise Http404(MESSAGE_NOT_FOUND)
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError) as exc:
        raise Http404(MESSAGE_NOT_FOUND) from exc


def _direct_peer_id(conversation: Conversation, user_id: int) -> int | None:
    """The other user of a direct chat, read from its pair key (no query)."""
    if conversation.type != Conversation.Type.DIRECT or not conversation.private_pair_key:
        return None
    _, low, high = conversation.private_pair_key.split(":")
    return int(high) if int(low) == user_id else int(low)


def _check_not_blocked(conversation: Conversation, user_id: int) -> None:
    peer_id = _direct_peer_id(conversation, user_id)
    if peer_id is not None and is_blocked_between(user_id, peer_id):
        raise PermissionDenied("You cannot message this user.")


def _membership_for_message(*, actor: User, message_id: object, lock: bool = False):
    """(message, membership) when `actor` is in the message's conversation, else 404.

    "Missing" and "not in that conversation" give the same answer, so ids leak nothing.
    """
    queryset = Message.objects.select_related("sender")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    try:
        message = queryset.get(pk=_as_id(message_id))
    except Message.DoesNotExist as exc:
        raise Http404(MESSAGE_NOT_FOUND) from exc
    try:
        membership = membership_get(user_id=actor.id, conversation_id=message.conversation_id)
    except Http404 as exc:
        raise Http404(MESSAGE_NOT_FOUND) from exc
    return message, membership


# --- send --------------------------------------------------------------------------------


def _replay(*, actor: User, client_id: str, conversation_id: int) -> Message | None:
    existing = Message.objects.filter(sender_id=actor.id, client_id=client_id).first()
    if existing is None:
        return None
    if existing.conversation_id != conversation_id:
        raise Conflict(
            "This client_id was already used for a message in another conversation.",
            code="client_id_reused",
        )
    existing.sender = actor
    return existing


def _allocate_seq(*, membership: ConversationMember, now) -> tuple[int, int | None]:
    """Take the next seq with one atomic UPDATE (the row lock serialises senders).

    Returns (seq, message id or None). On PostgreSQL the same statement draws the message id
    from its sequence (so `last_message_id` needs no second UPDATE) and moves the sender's
    read marker: your own message is never unread. Fewer statements after the UPDATE also
    means the hot conversation row is locked for less time.
    """
    qn = connection.ops.quote_name
    conversations = qn(Conversation._meta.db_table)
    members = qn(ConversationMember._meta.db_table)
    if connection.vendor == "postgresql":
        sql = (
            f"WITH c AS (UPDATE {conversations} SET last_seq = last_seq + 1, "
            "last_message_at = %s, "
            "last_message_id = nextval(pg_get_serial_sequence(%s, 'id')) "
            "WHERE id = %s RETURNING last_seq, last_message_id), "
            f"r AS (UPDATE {members} m SET last_read_seq = c.last_seq, "
            "last_read_message_id = c.last_message_id FROM c "
            "WHERE m.id = %s AND m.last_read_seq < c.last_seq) "
            "SELECT last_seq, last_message_id FROM c"
        )
        params = [now, Message._meta.db_table, membership.conversation_id, membership.pk]
    else:  # SQLite (embedded mode) serialises writers itself; no sequences, no UPDATE CTEs.
        sql = (
            f"UPDATE {conversations} SET last_seq = last_seq + 1, last_message_at = %s "
            "WHERE id = %s RETURNING last_seq, NULL"
        )
        params = [now, membership.conversation_id]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:  # deleted between the membership check and now
        raise Http404("Conversation not found.")
    return int(row[0]), row[1]


def _send_atomic(
    *,
    actor: User,
    membership: ConversationMember,
    content: str,
    client_id: str | None,
) -> Message:
    conversation = membership.conversation
    seq, message_id = _allocate_seq(membership=membership, now=timezone.now())
    message = Message(
        id=message_id,
        conversation=conversation,
        seq=seq,
        sender=actor,
        content=content,
        client_id=client_id,
        message_type=Message.Type.TEXT,
    )
    message.save(force_insert=True)
    if message_id is None:  # SQLite: what the PostgreSQL statement did in one go
        Conversation.objects.filter(pk=conversation.id).update(last_message_id=message.id)
        ConversationMember.objects.filter(pk=membership.pk, last_read_seq__lt=seq).update(
            last_read_seq=seq, last_read_message_id=message.id
        )
    realtime.broadcast_on_commit(
        realtime.conversation_group(conversation.id), events.new_message(message)
    )
    return message


def message_send(
    *,
    actor: User,
    conversation_id: int,
    content: str,
    client_id: str | None = None,
) -> tuple[Message, bool]:
    """Store a message and announce it; returns (message, created).

    The whole write runs in one atomic block (a savepoint when the caller already holds a
    transaction). It is opened here rather than by a decorator so that an IntegrityError on
    a racing `client_id` replay can be caught *outside* it: by then the block, and with it
    the seq increment, has been rolled back, and the first message is returned instead.

    Errors: not a member -> Http404; blocked in a direct chat -> PermissionDenied; bad
    content or client_id -> ValidationError; client_id reused in another conversation ->
    Conflict; over the per-user rate (shared by REST and WebSocket) -> Throttled.
    """
    membership = membership_get(user_id=actor.id, conversation_id=conversation_id)
    conversation_id = membership.conversation_id
    text = _clean_content(content)
    key = _clean_client_id(client_id)
    if key is not None:
        existing = _replay(actor=actor, client_id=key, conversation_id=conversation_id)
        if existing is not None:
            return existing, False
    _check_not_blocked(membership.conversation, actor.id)
    ratelimit.hit(f"message_send:{actor.id}", settings.THROTTLE_RATES["message_send"])
    try:
        with transaction.atomic():
            message = _send_atomic(actor=actor, membership=membership, content=text, client_id=key)
    except IntegrityError:
        if key is None:
            raise
        existing = _replay(actor=actor, client_id=key, conversation_id=conversation_id)
        if existing is None:
            raise
        return existing, False
    return message, True


# --- edit / delete -----------------------------------------------------------------------


@transaction.atomic
def message_edit(*, actor: User, message_id: int, content: str) -> Message:
    """Change the text of your own message; members get `message_updated`.

    Not a member -> Http404; not the sender -> PermissionDenied; a deleted message ->
    ValidationError (400: it keeps its place in history but has no text to edit); blocked in
    a direct chat -> PermissionDenied. Saving the same text again changes nothing and
    emits nothing.
    """
    message, membership = _membership_for_message(actor=actor, message_id=message_id, lock=True)
    if message.sender_id != actor.id:
        raise PermissionDenied("Only the sender can edit a message.")
    if message.is_deleted:
        raise ValidationError("A deleted message cannot be edited.", code="deleted")
    text = _clean_content(content)
    _check_not_blocked(membership.conversation, actor.id)
    if text == message.content:
        return message
    message.content = text
    message.edited_at = timezone.now()
    message.save(update_fields=["content", "edited_at"])
    realtime.broadcast_on_commit(
        realtime.conversation_group(message.conversation_id), events.message_updated(message)
    )
    return message


def _soft_delete(message: Message, *, by: User) -> None:
    message.is_deleted = True
    message.deleted_at = timezone.now()
    message.deleted_by = by
    message.save(update_fields=["is_deleted", "deleted_at", "deleted_by"])
    realtime.broadcast_on_commit(
        realtime.conversation_group(message.conversation_id), events.message_deleted(message)
    )


@transaction.atomic
def message_delete(*, actor: User, message_id: int) -> None:
    """Soft-delete: the sender, or an admin of a group, may delete; members get
    `message_deleted`. Deleting an already-deleted message is a no-op (no second event).

    Not a member -> Http404; anyone else -> PermissionDenied.
    """
    message, membership = _membership_for_message(actor=actor, message_id=message_id, lock=True)
    is_group_admin = (
        membership.conversation.type == Conversation.Type.GROUP
        and membership.role == ConversationMember.Role.ADMIN
    )
    if message.sender_id != actor.id and not is_group_admin:
        raise PermissionDenied("Only the sender or a group admin can delete this message.")
    if message.is_deleted:
        return
    _soft_delete(message, by=actor)


@transaction.atomic
def message_redact(*, actor: User, message_id: int) -> None:
    """Moderation: staff delete any message (the admin action), live clients are told.

    The text stays in the database for the moderation record; `deleted_by` names the
    moderator. Not staff -> PermissionDenied; unknown id -> Http404; idempotent.
    """
    if not (actor.is_active and actor.is_staff):
        raise PermissionDenied("Only moderators can redact messages.")
    try:
        message = Message.objects.select_for_update().get(pk=_as_id(message_id))
    except Message.DoesNotExist as exc:
        raise Http404(MESSAGE_NOT_FOUND) from exc
    if message.is_deleted:
        return
    _soft_delete(message, by=actor)


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
        Message.objects.filter(pk=_as_id(message_id), conversation_id=membership.conversation_id)
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

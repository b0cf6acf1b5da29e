"""State changes for messages: send, edit, delete/redact, read markers.

The message store's invariants live here:

* `seq` is gapless per conversation. It is allocated by one row-level atomic UPDATE of
  `Conversation.last_seq` in the same write as the INSERT, so concurrent senders queue on the
  conversation row and each gets the next number; a rolled-back send also rolls back its
  increment. On PostgreSQL the same UPDATE draws the message id from its sequence, so inside
  one conversation ids grow in commit order too (the `after=<id>` catch-up never skips a
  message that committed late).
* `client_id` makes a send idempotent per sender: a replay returns the first message and
  emits nothing. The unique constraint on (sender, client_id) detects it: the failed write
  statement leaves nothing behind (its seq increment included), and the existing row is
  returned.
* Deletion is soft: `is_deleted`/`deleted_at`/`deleted_by` are set and the original text
  stays in the database for moderation (reports). The text is never exposed: the one
  serializer blanks it, and search skips deleted messages.

Events are built in `messaging.events` and leave through `chat_project.realtime` only
after commit.

Mentions: `@username` of a member of the conversation (not the sender, not across a block
either way) notifies that member once per message, on send or on the edit that adds it
(`accounts.services.notifications_create`).

Reports: users report messages they can see, or other users; one open report per
reporter and target. Moderators resolve or dismiss them; every moderator action lands in
the audit log (`accounts.ModerationLog`).
"""

import functools
import math
import re
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import psycopg
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.functions import Lower
from django.http import Http404
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import ModerationLog, Notification, User
from accounts.tokens import TOKEN_ACTOR_VALID_SQL, TokenActor, actor_is_valid
from chat_project import ratelimit, realtime
from chat_project.exceptions import Conflict, Overloaded, Throttled
from chat_project.text import BadText, check_text
from conversations.models import MAX_ID, Conversation, ConversationMember
from conversations.selectors import membership_get
from friends.models import Block
from friends.selectors import blocked_ids_either_way, is_blocked_between

from . import events
from .models import Message, Report

MESSAGE_NOT_FOUND = "Message not found."
CLIENT_ID_MAX_LENGTH = 64


# --- validation helpers ------------------------------------------------------------------


def _clean_content(content: object) -> str:
    if not isinstance(content, str):
        raise ValidationError({"content": ["Content must be a string."]})
    text = content.strip()
    if not text:
        raise ValidationError({"content": ["Message content cannot be empty."]})
    try:
        check_text(text)
    except BadText as exc:
        raise ValidationError({"content": [str(exc)]}) from None
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
    try:
        check_text(client_id)
    except BadText as exc:
        raise ValidationError({"client_id": [str(exc)]}) from None
    if len(client_id) > CLIENT_ID_MAX_LENGTH:
        raise ValidationError(
            {
                "client_id": [
                    f"Ensure this field has no more than {CLIENT_ID_MAX_LENGTH} characters."
                ]
            }
        )
    return client_id


def _as_id(value: object, not_found: str = MESSAGE_NOT_FOUND) -> int:
    """An integer id, or the not-found every unknown id gets (never a 500 on garbage)."""
    if isinstance(value, bool):
        raise Http404(not_found)
    try:
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError) as exc:
        raise Http404(not_found) from exc
    if not 1 <= number <= MAX_ID:
        raise Http404(not_found)
    return number


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


# --- mentions ----------------------------------------------------------------------------

#: `@name` not preceded by a username character (so e-mail addresses do not count).
MENTION_RE = re.compile(r"(?<![A-Za-z0-9_.@-])@([A-Za-z0-9_.-]{3,32})")
#: Distinct names looked at per message: a wall of @s costs one bounded query.
MENTION_MAX_NAMES = 50


def mentioned_names(text: str) -> set[str]:
    """Lower-cased candidate usernames in `text`; a trailing '.'/'-' may end the sentence."""
    names: set[str] = set()
    for match in MENTION_RE.finditer(text):
        name = match.group(1).lower()
        names.add(name)
        trimmed = name.rstrip(".-")
        if trimmed != name and len(trimmed) >= 3:
            names.add(trimmed)
        if len(names) >= MENTION_MAX_NAMES:
            break
    return names


def _notify_mentions(*, actor: User, message: Message) -> None:
    """`mention` notifications for the members named in the message (see module docstring)."""
    if "@" not in message.content:
        return
    names = mentioned_names(message.content)
    if not names:
        return
    member_ids = set(
        ConversationMember.objects.filter(
            conversation_id=message.conversation_id, user__is_active=True
        )
        .annotate(username_lower=Lower("user__username"))
        .filter(username_lower__in=names)
        .exclude(user_id=actor.id)
        .values_list("user_id", flat=True)
    )
    if member_ids:
        member_ids -= blocked_ids_either_way(actor.id)
    if not member_ids:
        return
    accounts_services.notifications_create(
        actor=actor,
        recipient_ids=sorted(member_ids),
        type=Notification.Type.MENTION,
        conversation_id=message.conversation_id,
        message_id=message.id,
    )


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


# {actor}, {actor_check} and {actor_username} are empty for a loaded User; for a
# TokenActor they make the statement check the user row too and return the username.
_SEND_SQL = """
WITH {actor}m AS (
    SELECT m.id FROM {members} m JOIN {conversations} v ON v.id = m.conversation_id
    WHERE m.conversation_id = %(conversation)s AND m.user_id = %(sender)s
      AND CASE WHEN v.type = %(direct)s THEN NOT EXISTS (
            SELECT 1 FROM {members} o JOIN {blocks} b
              ON (b.blocker_id = o.user_id AND b.blocked_id = %(sender)s)
              OR (b.blocker_id = %(sender)s AND b.blocked_id = o.user_id)
            WHERE o.conversation_id = %(conversation)s AND o.user_id <> %(sender)s)
          ELSE true END{actor_check}
), c AS (
    UPDATE {conversations} SET last_seq = last_seq + 1, last_message_at = %(now)s,
        last_message_id = nextval(pg_get_serial_sequence(%(messages)s, 'id'))
    WHERE id = %(conversation)s AND EXISTS (SELECT 1 FROM m)
    RETURNING last_seq, last_message_id
), r AS (
    UPDATE {members} SET last_read_seq = c.last_seq, last_read_message_id = c.last_message_id
    FROM c, m WHERE {members}.id = m.id AND {members}.last_read_seq < c.last_seq
)
INSERT INTO {messages} (id, conversation_id, seq, sender_id, content, message_type,
    client_id, created_at, is_deleted)
SELECT c.last_message_id, %(conversation)s, c.last_seq, %(sender)s, %(content)s, %(type)s,
    %(client_id)s, %(now)s, false FROM c
RETURNING id, seq{actor_username}
"""


@functools.cache
def _send_sql(token_actor: bool) -> str:
    qn = connection.ops.quote_name
    actor = actor_check = actor_username = ""
    if token_actor:
        users = qn(User._meta.db_table)
        actor = f"u AS (SELECT u.username FROM {users} u WHERE {TOKEN_ACTOR_VALID_SQL}), "
        actor_check = "\n      AND EXISTS (SELECT 1 FROM u)"
        actor_username = ", (SELECT username FROM u)"
    return _SEND_SQL.format(
        members=qn(ConversationMember._meta.db_table),
        conversations=qn(Conversation._meta.db_table),
        blocks=qn(Block._meta.db_table),
        messages=qn(Message._meta.db_table),
        actor=actor,
        actor_check=actor_check,
        actor_username=actor_username,
    )


def _prepared_cursor() -> Any:
    """A Django cursor whose statements are bound server-side and prepared once per
    connection (`prepare=True`), for the send statement only.

    Django binds parameters client-side (psycopg's ClientCursor, `server_side_binding`
    off), so psycopg re-renders the send statement's 19 placeholders into SQL text on
    every send; prepared, the text is parsed once per connection and each send only
    sends the values: ~60 µs less CPU per send in this process (measured by alternating
    both over 6 x 1,000 sends). The cursor keeps Django's wrapper (error translation, query
    logging); the rest of the project keeps Django's default binding.
    """
    connection.ensure_connection()
    raw = _PreparedCursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


class _PreparedCursor(psycopg.Cursor):
    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        return super().execute(query, params, prepare=True)


def _why_not_sent(*, actor: User | TokenActor, conversation_id: int) -> Exception:
    """The error for a send the write statement refused (the uncommon path, so it may
    take its time): not a member (404), blocked (403), or deleted meanwhile (404)."""
    membership = membership_get(user_id=actor.id, conversation_id=conversation_id)
    _check_not_blocked(membership.conversation, actor.id)
    return Http404("Conversation not found.")


def _insert_message(
    *, actor: User | TokenActor, conversation_id: int, content: str, client_id: str | None
) -> Message:
    """Check the sender may write here and store the message: next seq, the row itself,
    the conversation's last message and the sender's read marker (your own message is
    never unread). For a `TokenActor` the same statement checks that the user row still
    validates the token (accounts.tokens) and reads the username; a refused actor looks
    like a non-member (Http404), and the message's `sender` is a User with id and username.

    On PostgreSQL this is *one* statement (`_SEND_SQL`): membership and, in a direct chat,
    the block check; the UPDATE of `Conversation.last_seq`, whose row lock serialises
    senders and which draws the message id from the sequence (so inside one conversation
    ids grow in commit order); the INSERT and the marker UPDATE. A single statement is
    atomic by itself, so a send needs no BEGIN/COMMIT round trips, and a `client_id`
    collision fails all of it, increment included. SQLite (the embedded mode) serialises
    writers itself and runs the same steps one by one inside the caller's transaction.
    """
    now = timezone.now()
    message = Message(
        conversation_id=conversation_id,
        sender_id=actor.id,
        content=content,
        client_id=client_id,
        message_type=Message.Type.TEXT,
        created_at=now,
    )
    token_actor = isinstance(actor, TokenActor)
    if not token_actor:
        message.sender = actor
    if connection.vendor != "postgresql":
        if token_actor:
            user = User.objects.filter(pk=actor.id).first()
            if not actor_is_valid(actor, user):
                raise Http404("Conversation not found.")
            message.sender = user
        membership = membership_get(user_id=actor.id, conversation_id=conversation_id)
        _check_not_blocked(membership.conversation, actor.id)
        updated = Conversation.objects.filter(pk=conversation_id).update(
            last_seq=F("last_seq") + 1, last_message_at=now
        )
        if not updated:  # deleted between the membership check and now
            raise Http404("Conversation not found.")
        message.seq = Conversation.objects.values_list("last_seq", flat=True).get(
            pk=conversation_id
        )
        message.save(force_insert=True)
        Conversation.objects.filter(pk=conversation_id).update(last_message_id=message.id)
        ConversationMember.objects.filter(pk=membership.pk, last_read_seq__lt=message.seq).update(
            last_read_seq=message.seq, last_read_message_id=message.id
        )
        return message
    params = {
        "now": now,
        "messages": Message._meta.db_table,
        "conversation": conversation_id,
        "sender": actor.id,
        "direct": Conversation.Type.DIRECT.value,
        "content": content,
        "type": message.message_type,
        "client_id": client_id,
    }
    if token_actor:
        params["actor_id"] = actor.id
        params["actor_digest"] = actor.password_digest
    with _prepared_cursor() as cursor:
        cursor.execute(_send_sql(token_actor), params)
        row = cursor.fetchone()
    if row is None:
        raise _why_not_sent(actor=actor, conversation_id=conversation_id)
    message.id, message.seq = row[:2]
    if token_actor:
        message.sender = User(id=actor.id, username=row[2])
    message._state.adding = False
    message._state.db = connection.alias
    return message


def _write_block(text: str) -> AbstractContextManager[object]:
    """The transaction a send needs: none for PostgreSQL's single statement, unless
    mention notifications must commit with the message, or a caller's transaction needs a
    savepoint so a `client_id` collision does not abort it."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block and "@" not in text:
        return nullcontext()
    return transaction.atomic()


def _check_not_overloaded() -> None:
    """Back-pressure: while events reach sockets late, new ones are refused, not queued
    (docs/api.md, "Back-pressure"), so latency stays bounded instead of growing."""
    wait = realtime.overloaded_for()
    if wait:
        raise Overloaded(
            wait=max(1, math.ceil(wait)),
            detail="The server is delivering messages late; send again after Retry-After.",
        )


def message_send_clean(*, conversation_id: object, content: object, client_id: object) -> None:
    """The input checks of `message_send` alone (no side effect): ValidationError/Http404."""
    _as_id(conversation_id, "Conversation not found.")
    _clean_content(content)
    _clean_client_id(client_id)


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

    Errors: not a member -> Http404; blocked in a direct chat -> PermissionDenied; bad
    content or client_id -> ValidationError; client_id reused in another conversation ->
    Conflict; over the per-user rate (shared by REST and WebSocket) -> Throttled; while
    this process delivers events late (back-pressure) -> Overloaded.
    """
    conversation_id = _as_id(conversation_id, "Conversation not found.")
    text = _clean_content(content)
    key = _clean_client_id(client_id)
    try:
        _check_not_overloaded()
        window = message_send_window(actor.id)
        ratelimit.hit(window.key, settings.THROTTLE_RATES["message_send"], counted)
        with _write_block(text):
            message = _insert_message(
                actor=actor, conversation_id=conversation_id, content=text, client_id=key
            )
            realtime.broadcast_on_commit(
                realtime.conversation_group(conversation_id), events.new_message(message)
            )
            _notify_mentions(actor=message.sender, message=message)
    except (IntegrityError, PermissionDenied, Throttled):
        existing = key and _replay(actor=actor, client_id=key, conversation_id=conversation_id)
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
    _notify_mentions(actor=actor, message=message)  # only mentions new to this message notify
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
def message_redact(*, actor: User, message_id: int, reason: str = "") -> None:
    """Moderation: staff delete any message (the admin action), live clients are told.

    The text stays in the database for the moderation record; `deleted_by` names the
    moderator, and the audit log records the action. Not staff -> PermissionDenied (the
    admin also asks for the `messaging.redact_message` permission); unknown id -> Http404;
    idempotent (a second call neither emits nor logs).
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
    accounts_services.moderation_log_write(
        actor=actor,
        action=ModerationLog.Action.REDACT_MESSAGE,
        target_type="message",
        target_id=message.id,
        target_repr=f"message {message.id} by user {message.sender_id}",
        reason=reason,
    )


# --- reports -----------------------------------------------------------------------------

REPORT_REASON_MAX_LENGTH = 1000
REPORT_NOT_FOUND = "Report not found."
ALREADY_REPORTED = "You already have an open report about this."


def _clean_reason(reason: object) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError({"reason": ["Give a reason."]})
    text = reason.strip()
    if len(text) > REPORT_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": [
                    f"Ensure this field has no more than {REPORT_REASON_MAX_LENGTH} characters."
                ]
            }
        )
    return text


def _save_report(report: Report) -> Report:
    """Insert; the partial unique constraints decide "one open report per target" atomically."""
    report.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as exc:
        raise Conflict(ALREADY_REPORTED, code="already_reported") from exc
    return report


def _report_rate_hit(actor: User) -> None:
    ratelimit.hit(f"report:{actor.id}", settings.THROTTLE_RATES["report"])


@transaction.atomic
def message_report(*, actor: User, message_id: int, reason: str) -> Report:
    """Report a message of a conversation the actor is in (else 404); keeps its text.

    Your own message -> ValidationError; an open report by you on it already -> Conflict.
    """
    message, _membership = _membership_for_message(actor=actor, message_id=message_id)
    text = _clean_reason(reason)
    if message.sender_id == actor.id:
        raise ValidationError("You cannot report your own message.", code="self_report")
    _report_rate_hit(actor)
    return _save_report(
        Report(
            reporter=actor,
            target_type=Report.TargetType.MESSAGE,
            message=message,
            user_id=message.sender_id,
            conversation_id=message.conversation_id,
            message_text=message.content,
            reason=text,
        )
    )


@transaction.atomic
def user_report(*, actor: User, user_id: int, reason: str) -> Report:
    """Report another (active) user; unknown -> 404, yourself -> ValidationError."""
    try:
        target = User.objects.get(pk=int(user_id), is_active=True)
    except (User.DoesNotExist, TypeError, ValueError, OverflowError) as exc:
        raise Http404("User not found.") from exc
    text = _clean_reason(reason)
    if target.pk == actor.id:
        raise ValidationError("You cannot report yourself.", code="self_report")
    _report_rate_hit(actor)
    return _save_report(
        Report(reporter=actor, target_type=Report.TargetType.USER, user=target, reason=text)
    )


def _handle_report(*, actor: User, report_id: int, status: str, action: str, note: str) -> bool:
    accounts_services.require_permission(actor, "messaging.resolve_report")
    try:
        report = Report.objects.select_for_update().get(pk=_as_id(report_id))
    except (Report.DoesNotExist, Http404) as exc:
        raise Http404(REPORT_NOT_FOUND) from exc
    if report.status != Report.Status.OPEN:
        return False
    report.status = status
    report.handled_at = timezone.now()
    report.handled_by = actor
    report.save(update_fields=["status", "handled_at", "handled_by"])
    accounts_services.moderation_log_write(
        actor=actor,
        action=action,
        target_type="report",
        target_id=report.pk,
        target_repr=str(report),
        reason=note,
    )
    return True


@transaction.atomic
def report_resolve(*, actor: User, report_id: int, note: str = "") -> bool:
    """A moderator closes a report as acted upon. False when it was no longer open."""
    return _handle_report(
        actor=actor,
        report_id=report_id,
        status=Report.Status.RESOLVED,
        action=ModerationLog.Action.RESOLVE_REPORT,
        note=note,
    )


@transaction.atomic
def report_dismiss(*, actor: User, report_id: int, note: str = "") -> bool:
    """A moderator closes a report as unfounded. False when it was no longer open."""
    return _handle_report(
        actor=actor,
        report_id=report_id,
        status=Report.Status.DISMISSED,
        action=ModerationLog.Action.DISMISS_REPORT,
        note=note,
    )


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


def _open_report_for_update(report_id: int) -> Report:
    try:
        return Report.objects.select_for_update().get(pk=_as_id(report_id))
    except (Report.DoesNotExist, Http404) as exc:
        raise Http404(REPORT_NOT_FOUND) from exc


@transaction.atomic
def report_redact_message(*, actor: User, report_id: int, note: str = "") -> bool:
    """Redact the reported message (members get `message_deleted`) and resolve the report.

    Needs `messaging.redact_message` and `messaging.resolve_report`. A user report, or one
    whose message is gone, is a ValidationError. Returns whether the report was open.
    """
    accounts_services.require_permission(actor, "messaging.redact_message")
    accounts_services.require_permission(actor, "messaging.resolve_report")
    report = _open_report_for_update(report_id)
    if report.message_id is None:
        raise ValidationError("This report has no message to redact.", code="no_message")
    message_redact(actor=actor, message_id=report.message_id, reason=note or f"report #{report.pk}")
    return report_resolve(actor=actor, report_id=report.pk, note=note)


@transaction.atomic
def report_ban_user(*, actor: User, report_id: int, note: str = "") -> bool:
    """Ban the reported user (or the reported message's author) and resolve the report.

    Needs `accounts.ban_user` and `messaging.resolve_report`; see `accounts.services.user_ban`.
    """
    accounts_services.require_permission(actor, "messaging.resolve_report")
    report = _open_report_for_update(report_id)
    if report.user_id is None:
        raise ValidationError("This report names no user.", code="no_user")
    accounts_services.user_ban(
        actor=actor, user_id=report.user_id, reason=note or f"report #{report.pk}"
    )
    return report_resolve(actor=actor, report_id=report.pk, note=note)

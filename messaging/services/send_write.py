"""The write of a send: how one message row is stored, apart from the rules around it
(`store.message_send` validates, counts the rate, announces and handles replays).

On PostgreSQL the write is one prepared statement (`_SEND_SQL`); SQLite (the embedded mode)
runs the same steps one by one inside the caller's transaction. `write_block` says which
transaction, if any, a send needs around it.
"""

import functools
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import orjson
import psycopg
from django.db import connection, transaction
from django.db.models import DEFERRED, F
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from accounts.tokens import TOKEN_ACTOR_VALID_SQL, TokenActor, actor_is_valid
from conversations.models import Conversation, ConversationMember, Mute
from conversations.selectors import membership_get
from conversations.services import check_not_muted
from friends.models import Block
from messaging.formatting import Rendered, render
from messaging.models import Message

from .checks import check_not_blocked, check_reply_to

# {actor}, {actor_check} and {actor_username} are empty for a loaded User; for a
# TokenActor they make the statement check the user row too and return the username.
_SEND_SQL = """
WITH {actor}m AS (
    SELECT m.id, v.private_pair_key
    FROM {members} m JOIN {conversations} v ON v.id = m.conversation_id
    WHERE m.conversation_id = %(conversation)s AND m.user_id = %(sender)s
      AND CASE WHEN v.type = %(direct)s THEN NOT EXISTS (
            SELECT 1 FROM {members} o JOIN {blocks} b
              ON (b.blocker_id = o.user_id AND b.blocked_id = %(sender)s)
              OR (b.blocker_id = %(sender)s AND b.blocked_id = o.user_id)
            WHERE o.conversation_id = %(conversation)s AND o.user_id <> %(sender)s)
          ELSE true END{actor_check}{mute_check}
      AND (%(reply_to)s::bigint IS NULL OR EXISTS (
            SELECT 1 FROM {messages} t WHERE t.id = %(reply_to)s::bigint
              AND t.conversation_id = %(conversation)s AND NOT t.is_deleted))
), c AS (
    UPDATE {conversations} SET last_seq = last_seq + 1, last_message_at = %(now)s,
        last_message_id = nextval(pg_get_serial_sequence(%(messages)s, 'id')),
        last_change_seq = last_change_seq + 1
    WHERE id = %(conversation)s AND EXISTS (SELECT 1 FROM m)
    RETURNING last_seq, last_message_id, last_change_seq
), r AS (
    UPDATE {members} SET last_read_seq = c.last_seq, last_read_message_id = c.last_message_id
    FROM c, m WHERE {members}.id = m.id AND {members}.last_read_seq < c.last_seq
)
INSERT INTO {messages} (id, conversation_id, seq, sender_id, content, content_html,
    mention_ids, reply_to_id, change_seq, message_type, client_id, payload, created_at,
    is_deleted)
SELECT c.last_message_id, %(conversation)s, c.last_seq, %(sender)s, %(content)s,
    %(content_html)s, %(mention_ids)s::jsonb, %(reply_to)s::bigint, c.last_change_seq, %(type)s,
    %(client_id)s, CAST(%(payload)s AS jsonb), %(now)s, false FROM c
RETURNING id, seq, change_seq, (SELECT private_pair_key FROM m){actor_username}
"""


_MUTE_CHECK = """
      AND NOT EXISTS (
            SELECT 1 FROM {mutes} mu WHERE mu.user_id = %(sender)s AND mu.lifted_at IS NULL
              AND mu.ends_at > %(now)s
              AND (mu.conversation_id IS NULL OR mu.conversation_id = %(conversation)s))"""


@functools.cache
def _send_sql(token_actor: bool, mute_check: bool = True) -> str:
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
        mute_check=_MUTE_CHECK.format(mutes=qn(Mute._meta.db_table)) if mute_check else "",
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
    sends the values (what it saves: docs/benchmarks.md, "Figures behind the code", rest-send).
    The cursor keeps Django's wrapper (error translation, query logging); the rest of the
    project keeps Django's default binding.
    """
    connection.ensure_connection()
    raw = _PreparedCursor(connection.connection)
    # django-stubs type the argument as Django's CursorWrapper; Django wraps a DB-API cursor.
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)  # type: ignore[arg-type]
    return connection.make_cursor(raw)  # type: ignore[arg-type]


class _PreparedCursor(psycopg.Cursor):
    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        return super().execute(query, params, prepare=True)


def _why_not_sent(
    *, actor: User | TokenActor, conversation_id: int, reply_to: int | None, mute_check: bool
) -> Exception:
    """The error for a send the write statement refused (the uncommon path, so it may
    take its time): not a member (404), blocked (403), muted by a moderator (403 `muted`),
    `reply_to` not a message of this conversation (400), or deleted meanwhile (404)."""
    membership = membership_get(user_id=actor.id, conversation_id=conversation_id)
    check_not_blocked(membership.conversation, actor.id)
    if mute_check:
        check_not_muted(user_id=actor.id, conversation_id=conversation_id)
    check_reply_to(conversation_id, reply_to)
    return Http404("Conversation not found.")


def insert_message(
    *,
    actor: User | TokenActor,
    conversation_id: int,
    content: str,
    client_id: str | None,
    rendered: Rendered | None = None,
    reply_to: int | None = None,
    message_type: str = Message.Type.TEXT,
    payload: dict[str, Any] | None = None,
) -> Message:
    """Check the sender may write here and store the message: next seq, the row itself,
    the conversation's last message and the sender's read marker (your own message is
    never unread). For a `TokenActor` the same statement checks that the user row still
    validates the token (accounts.tokens) and reads the username; a refused actor looks
    like a non-member (Http404), and the message's `sender` is a User with id and username.

    On PostgreSQL this is *one* statement (`_SEND_SQL`): membership and, in a direct chat,
    the block check (and the pair key, so the message's `conversation` knows its type
    and, for a direct chat, both people); the UPDATE of `Conversation.last_seq`, whose row
    lock serialises senders and which draws the message id from the sequence (so inside
    one conversation ids grow in commit order); the INSERT and the marker UPDATE. A single
    statement is atomic by itself, so a send needs no BEGIN/COMMIT round trips, and a
    `client_id` collision fails all of it, increment included. SQLite (the embedded mode) serialises
    writers itself and runs the same steps one by one inside the caller's transaction.

    It also refuses a sender a moderator muted here or everywhere (conversations.Mute; an
    indexed NOT EXISTS, nearly free while nobody is muted).
    The same statement checks that `reply_to` (if any) is a message of this conversation
    that is not deleted, takes the conversation's next change number
    (messaging.services.changes) and stores the rendered text and its mentions
    (`rendered`; None: rendered here, mentioning nobody).
    `message_type` and `payload` are for the messages other apps' services post
    (`typed.message_post`); a client's send is text without one.
    """
    now = timezone.now()
    token_actor = isinstance(actor, TokenActor)
    # A mute stops what a person writes, not the lines services post in their name ("Carol
    # left" as a moderator removes her) or a payment's announcement.
    mute_check = message_type == Message.Type.TEXT
    if rendered is None:
        rendered = render(content)
    if connection.vendor != "postgresql":
        message = Message(
            conversation_id=conversation_id,
            sender_id=actor.id,
            content=content,
            content_html=rendered.html,
            mention_ids=rendered.mention_ids,
            reply_to_id=reply_to,
            client_id=client_id,
            message_type=message_type,
            payload=payload,
            created_at=now,
        )
        if isinstance(actor, TokenActor):
            user = User.objects.filter(pk=actor.id).first()
            if user is None or not actor_is_valid(actor, user):
                raise Http404("Conversation not found.")
            message.sender = user
        else:
            message.sender = actor
        membership = membership_get(user_id=actor.id, conversation_id=conversation_id)
        check_not_blocked(membership.conversation, actor.id)
        if mute_check:
            check_not_muted(user_id=actor.id, conversation_id=conversation_id)
        check_reply_to(conversation_id, reply_to)
        message.conversation = membership.conversation
        updated = Conversation.objects.filter(pk=conversation_id).update(
            last_seq=F("last_seq") + 1,
            last_change_seq=F("last_change_seq") + 1,
            last_message_at=now,
        )
        if not updated:  # deleted between the membership check and now
            raise Http404("Conversation not found.")
        message.seq, message.change_seq = Conversation.objects.values_list(
            "last_seq", "last_change_seq"
        ).get(pk=conversation_id)
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
        "content_html": rendered.html,
        "mention_ids": orjson.dumps(rendered.mention_ids).decode(),
        "reply_to": reply_to,
        "type": message_type,
        "client_id": client_id,
        "payload": None if payload is None else orjson.dumps(payload).decode(),
    }
    if isinstance(actor, TokenActor):
        params["actor_id"] = actor.id
        params["actor_digest"] = actor.password_digest
    with _prepared_cursor() as cursor:
        cursor.execute(_send_sql(token_actor, mute_check), params)
        row = cursor.fetchone()
    if row is None:
        raise _why_not_sent(
            actor=actor, conversation_id=conversation_id, reply_to=reply_to, mute_check=mute_check
        )
    message = _as_loaded(
        id=row[0],
        conversation_id=conversation_id,
        seq=row[1],
        change_seq=row[2],
        sender_id=actor.id,
        content=content,
        content_html=rendered.html,
        mention_ids=rendered.mention_ids,
        reply_to_id=reply_to,
        pinned_at=None,
        pinned_by_id=None,
        message_type=message_type,
        client_id=client_id,
        payload=payload,
        created_at=now,
        edited_at=None,
        is_deleted=False,
        deleted_at=None,
        deleted_by_id=None,
    )
    message.sender = actor if isinstance(actor, User) else User(id=actor.id, username=row[4])
    message.conversation = _conversation_as_loaded(conversation_id, pair_key=row[3])
    return message


def _conversation_as_loaded(conversation_id: int, *, pair_key: str | None) -> Conversation:
    """The message's conversation as far as the statement read it (type and pair key, which
    never change): who a direct message is for is known without a query (messaging.push).
    Other fields load on first access, as for a query that did not select them."""
    columns = {
        "id": conversation_id,
        "type": Conversation.Type.GROUP if pair_key is None else Conversation.Type.DIRECT,
        "private_pair_key": pair_key,
    }
    values = [columns.get(field.attname, DEFERRED) for field in Conversation._meta.concrete_fields]
    return Conversation.from_db(connection.alias, list(columns), values)


def _as_loaded(**columns: Any) -> Message:
    """The Message the ORM would load for the row the send statement just wrote, built with
    the public `Model.from_db` (saved, bound to this connection's database) rather than by
    setting `_state` by hand. `columns` are the row as written, by attribute name; a column
    not given would be deferred (loaded on first access), as for a query that did not
    select it."""
    values = [columns.get(field.attname, DEFERRED) for field in Message._meta.concrete_fields]
    return Message.from_db(connection.alias, list(columns), values)


def write_block(text: str, *, attachments: bool = False) -> AbstractContextManager[object]:
    """The transaction a send needs: none for PostgreSQL's single statement, unless
    mention notifications or attachments must commit with the message, or a caller's
    transaction needs a savepoint so a `client_id` collision does not abort it."""
    single = "@" not in text and not attachments
    if connection.vendor == "postgresql" and not connection.in_atomic_block and single:
        return nullcontext()
    return transaction.atomic()

"""Change numbers: every change to a conversation's messages gets the next one.

A send, an edit, a deletion or redaction, a reaction added or removed, a pin or an unpin
each take `Conversation.last_change_seq + 1` and write it on the message they change
(`Message.change_seq`: its latest change). `GET /api/conversations/{id}/changes?since=N`
returns the messages whose `change_seq` is above N (messaging.selectors.message_changes),
so a client that remembers one number per conversation gets every change it missed —
each message once, as it is now.

**Why the cursor never skips a change.** The number is taken by an UPDATE of the
conversation row, and that row stays locked until the transaction commits: a second
change of the same conversation waits for the first to commit before it gets its number.
So numbers commit in the order they were given, and a reader who sees change N sees every
change below N. (A send takes its number in its one statement, with its `seq`; the other
changes take theirs as their last write, after locking the message — messages are locked
before the conversation everywhere, so changes never deadlock each other, and the
conversation row is held only for the commit.) A rolled-back change gives its number back,
so the numbers have no gaps either: an event whose `change_seq` is more than one above the
last one a client saw means it missed something.
"""

from django.db import connection

from conversations.models import Conversation
from messaging.models import Message

_NEXT_CHANGE_SQL = (
    "UPDATE {table} SET last_change_seq = last_change_seq + 1 WHERE id = %s "
    "RETURNING last_change_seq"
)


def next_change_seq(conversation_id: int) -> int:
    """The next change number of a conversation, its row locked until commit (run inside
    the change's transaction, as its last write before the message's own)."""
    sql = _NEXT_CHANGE_SQL.format(table=connection.ops.quote_name(Conversation._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(sql, [conversation_id])
        row = cursor.fetchone()
    if row is None:  # deleted meanwhile: the message went with it
        raise Message.DoesNotExist("The conversation is gone.")
    return int(row[0])


def record_change(message: Message, *fields: str) -> None:
    """Save `fields` of a locked message together with its next change number."""
    message.change_seq = next_change_seq(message.conversation_id)
    message.save(update_fields=[*fields, "change_seq"])

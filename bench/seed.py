"""Seeding, token minting and query counting: the harness's Django side.

A benchmark is not a test: the data is written in bulk (bulk_create in large batches,
and `INSERT ... SELECT generate_series` for the million-message history) so that setting
up 1,000 users in 20 conversations each takes a second or two. The *measured* load always
goes through the real HTTP and WebSocket endpoints, never through these helpers.

`setup()` must run before anything else here; it points Django at the benchmark
databases (see bench/settings.py) with the servers' own environment.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence
from typing import Any

from bench import infra

_ready = False


def setup() -> None:
    """Configure Django in this process exactly like the servers, then migrate."""
    global _ready
    if _ready:
        return
    os.environ.update(infra.base_env(DJANGO_SETTINGS_MODULE="bench.settings"))
    import warnings

    import django

    # The harness never serves static files; production settings warn that none are built.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    _ready = True


def migrate() -> None:
    """Bring both benchmark databases to the working tree's migrations.

    If a database cannot be migrated (someone rewrote a migration it already has), it is
    dropped and created again: it only ever holds benchmark data.
    """
    from django.core.management import call_command
    from django.db import connections

    for alias, name in (("default", infra.DB_NAME), ("history", infra.HISTORY_DB_NAME)):
        try:
            call_command("migrate", database=alias, verbosity=0, interactive=False)
        except Exception:
            connections[alias].close()
            infra.drop_database(name)
            infra.ensure_databases()
            call_command("migrate", database=alias, verbosity=0, interactive=False)


#: Tables that migrations fill and no scenario writes.
_KEEP = {"django_migrations", "django_content_type", "auth_permission", "django_site"}


def reset(using: str = "default") -> None:
    """Empty every app table of the main benchmark database (fast: one TRUNCATE)."""
    from django.db import connections

    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> ALL(%s)",
            [list(_KEEP)],
        )
        tables = [row[0] for row in cursor.fetchall()]
        if tables:
            quoted = ", ".join(f'"{t}"' for t in tables)
            cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
    infra.clear_redis()


# --- rows ---------------------------------------------------------------------------------

_password_hash: str | None = None


def users(prefix: str, count: int, using: str = "default") -> list[Any]:
    """`count` users named `<prefix>0..`, all with one password hash computed once."""
    global _password_hash
    from django.contrib.auth.hashers import make_password

    from accounts.models import User

    if _password_hash is None:
        _password_hash = make_password("bench-pass-123")
    rows = [
        User(username=f"{prefix}{i}", password=_password_hash, is_active=True) for i in range(count)
    ]
    return User.objects.using(using).bulk_create(rows, batch_size=2000)


def befriend(pairs: Sequence[tuple[int, int]], using: str = "default") -> None:
    from friends.models import Friendship

    rows = [
        Friendship(requester_id=a, receiver_id=b, status=Friendship.Status.ACCEPTED)
        for a, b in pairs
    ]
    Friendship.objects.using(using).bulk_create(rows, batch_size=5000)


def direct_chats(pairs: Sequence[tuple[int, int]], using: str = "default") -> list[int]:
    """One direct conversation per pair (with both memberships); returns their ids."""
    from conversations.models import Conversation, ConversationMember

    conversations = Conversation.objects.using(using).bulk_create(
        [
            Conversation(
                type=Conversation.Type.DIRECT, private_pair_key=Conversation.pair_key(a, b)
            )
            for a, b in pairs
        ],
        batch_size=5000,
    )
    members = [
        ConversationMember(conversation_id=c.id, user_id=uid)
        for c, pair in zip(conversations, pairs, strict=True)
        for uid in pair
    ]
    ConversationMember.objects.using(using).bulk_create(members, batch_size=5000)
    return [c.id for c in conversations]


def groups(
    member_lists: Sequence[Sequence[int]], name: str = "bench", using: str = "default"
) -> list[int]:
    """Group conversations with the given members (the first one is admin)."""
    from conversations.models import Conversation, ConversationMember

    conversations = Conversation.objects.using(using).bulk_create(
        [
            Conversation(type=Conversation.Type.GROUP, name=f"{name}-{i}", created_by_id=m[0])
            for i, m in enumerate(member_lists)
        ],
        batch_size=5000,
    )
    rows = [
        ConversationMember(
            conversation_id=c.id,
            user_id=uid,
            role=ConversationMember.Role.ADMIN if k == 0 else ConversationMember.Role.MEMBER,
        )
        for c, member_ids in zip(conversations, member_lists, strict=True)
        for k, uid in enumerate(member_ids)
    ]
    ConversationMember.objects.using(using).bulk_create(rows, batch_size=5000)
    return [c.id for c in conversations]


def one_message_each(conversation_ids: Sequence[int], sender_id: int) -> None:
    """Give each conversation one message (so lists show a last message and unread counts)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "WITH m AS (INSERT INTO messaging_message (conversation_id, seq, sender_id, content, "
            "content_html, change_seq, message_type, created_at, is_deleted) "
            "SELECT c, 1, %s, 'hello ' || c, '<p>hello ' || c || '</p>', 1, 'text', now(), "
            "false FROM unnest(%s::bigint[]) c "
            "RETURNING id, conversation_id, created_at) "
            "UPDATE conversations_conversation v SET last_seq = 1, last_change_seq = 1, "
            "last_message_id = m.id, last_message_at = m.created_at "
            "FROM m WHERE v.id = m.conversation_id",
            [sender_id, list(conversation_ids)],
        )


def history(count: int) -> dict[str, Any]:
    """The `count`-message conversation in the history database, created once and reused.

    Written with one `INSERT ... SELECT generate_series` (about 10 s per million rows
    here), then ANALYZEd; a later run finds it by name and size and skips all of this.
    """
    from django.db import connections

    from accounts.models import User
    from conversations.models import Conversation

    name = f"bench-history-{count}"
    conn = connections["history"]
    existing = Conversation.objects.using("history").filter(name=name, last_seq=count).first()
    if existing is not None:
        user = User.objects.using("history").get(pk=existing.created_by_id)
        reused = True
    else:
        Conversation.objects.using("history").filter(name=name).delete()
        owner, other = users(f"hist{count}_", 2, using="history")
        (cid,) = groups([[owner.id, other.id]], name=name, using="history")
        Conversation.objects.using("history").filter(pk=cid).update(name=name)
        with conn.cursor() as cursor:
            cursor.execute(
                "INSERT INTO messaging_message (conversation_id, seq, sender_id, content, "
                "content_html, change_seq, message_type, created_at, is_deleted) "
                "SELECT %s, g, CASE WHEN g %% 2 = 0 THEN %s ELSE %s END, "
                "'history message number ' || g, '<p>history message number ' || g || '</p>', "
                "g, 'text', now() - (%s - g) * interval '1 second', false "
                "FROM generate_series(1, %s) g",
                [cid, owner.id, other.id, count, count],
            )
            cursor.execute(
                "UPDATE conversations_conversation SET last_seq = %s, last_change_seq = %s, "
                "last_message_at = now(), "
                "last_message_id = (SELECT max(id) FROM messaging_message "
                "WHERE conversation_id = %s) WHERE id = %s",
                [count, count, cid, cid],
            )
            cursor.execute("ANALYZE messaging_message")
        existing = Conversation.objects.using("history").get(pk=cid)
        user = owner
        reused = False
    with conn.cursor() as cursor:
        seqs = [count, count // 2, 51]
        cursor.execute(
            "SELECT seq, id FROM messaging_message WHERE conversation_id = %s AND seq = ANY(%s)",
            [existing.id, seqs],
        )
        ids = dict(cursor.fetchall())
    return {
        "conversation_id": existing.id,
        "user": user,
        "reused": reused,
        "middle_before": ids[count // 2],
        "deepest_before": ids[51],
    }


# --- tokens and query counts --------------------------------------------------------------


def tokens(users_: Sequence[Any]) -> dict[int, str]:
    """Access tokens minted directly (the login endpoint is not what is measured)."""
    from rest_framework_simplejwt.tokens import AccessToken

    return {u.id: str(AccessToken.for_user(u)) for u in users_}


def count_queries(
    method: str, path: str, token: str, data: dict[str, Any] | None = None, repeat: int = 5
) -> dict[str, Any]:
    """Queries one request costs, through the whole Django stack (median of `repeat`).

    Uses django.test.Client in this process with the servers' settings; the first call
    warms caches (content types, etc.) and is not counted.
    """
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    counts: list[int] = []
    tx: list[int] = []
    statuses: list[int] = []
    for i in range(repeat + 1):
        body = dict(data or {})
        if "client_id" in body:
            body["client_id"] = f"{body['client_id']}-{i}"
        with CaptureQueriesContext(connection) as captured:
            if method == "GET":
                response = client.get(path)
            else:
                response = client.post(path, body, content_type="application/json")
        if i:
            sql = [q["sql"].split(None, 1)[0].upper() for q in captured.captured_queries]
            counts.append(sum(1 for word in sql if word not in _TX_CONTROL))
            tx.append(sum(1 for word in sql if word in _TX_CONTROL))
            statuses.append(response.status_code)
    return {
        "queries": int(statistics.median(counts)),
        "tx_control": int(statistics.median(tx)),
        "status": sorted(set(statuses)),
    }


#: Statements that only delimit a transaction: reported apart from the queries proper.
_TX_CONTROL = {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}


def message_client_ids(conversation_id: int) -> set[str]:
    """The client_ids stored in a conversation (overload: was every 201 kept?)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_id FROM messaging_message WHERE conversation_id = %s "
            "AND client_id IS NOT NULL",
            [conversation_id],
        )
        return {row[0] for row in cursor.fetchall()}

"""A conversation row locked from the side, so that sends to it stay in flight on demand.

Every send updates its conversation's row (the `seq` allocator), so while another
connection holds that row locked, a `POST /api/messages` or a `send_message` frame waits
inside the server, mid-request, for as long as the test wants: a request in flight at a
SIGTERM, without sleeping and hoping.
"""

from __future__ import annotations

import time
from types import TracebackType

import psycopg
from django.db import connection

from conversations.models import Conversation


def connection_params() -> dict:
    params = connection.get_connection_params()
    params.pop("pool", None)
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return params


class ConversationLock:
    def __init__(self, conversation_id: int) -> None:
        self.conversation_id = conversation_id
        self.db: psycopg.Connection | None = None

    def __enter__(self) -> ConversationLock:
        self.db = psycopg.connect(**connection_params())
        table = Conversation._meta.db_table
        self.db.execute(f'SELECT 1 FROM "{table}" WHERE id = %s FOR UPDATE', [self.conversation_id])
        return self

    def waiting(self) -> int:
        """How many sessions of this database wait for a lock now (asked on a connection of
        its own: in a transaction, pg_stat_activity is a snapshot taken once)."""
        with psycopg.connect(**connection_params(), autocommit=True) as probe:
            row = probe.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND wait_event_type = 'Lock'"
            ).fetchone()
        return int(row[0]) if row else 0

    def wait_for_waiters(self, count: int, within: float = 20.0) -> None:
        deadline = time.monotonic() + within
        while self.waiting() < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"fewer than {count} requests reached the lock")
            time.sleep(0.05)

    def release(self) -> None:
        if self.db is not None:
            self.db.rollback()
            self.db.close()
            self.db = None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()

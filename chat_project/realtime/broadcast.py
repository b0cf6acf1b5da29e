"""Sending events: after the write commits, from sync code or from the event loop.

Services call `broadcast_on_commit(group, event)` with a payload they built; the event
leaves only if and when the surrounding transaction commits, so a rolled-back write
never produces one. The event is encoded once (`bus.encode_event`) and published once
per group; each process's hub writes it to its member sockets.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from . import bus as buses
from .groups import session_group, user_group

logger = logging.getLogger(__name__)


def send_now(group: str, event: dict[str, Any]) -> None:
    """Send an event to a group from sync code, right away."""
    _publish(group, buses.event_body(event))


def _publish(group: str, body: bytes) -> None:
    """One PUBLISH with the process's sync client, in the calling thread — also in the
    consumer's worker threads: measured, that costs the event loop far less than handing
    the event back to it for redis-py's asyncio client (`bench/` ws-send)."""
    try:
        buses.get_bus().publish(group, buses.stamp(body))
    except Exception:  # the write is committed; a lost event is caught up by `after=`
        logger.exception("event to %s not sent", group)


async def send_async(group: str, event: dict[str, Any]) -> None:
    """Ephemeral signals (typing, viewers, presence) from async code: nothing to commit."""
    await buses.get_bus().apublish(group, buses.encode_event(event))


def broadcast_on_commit(group: str, event: dict[str, Any]) -> None:
    """Queue `event` for `group`, sent only if and when the surrounding transaction commits.

    Encoded now: a payload that is not JSON fails here, in the service that built it.
    """
    body = buses.event_body(event)
    transaction.on_commit(lambda: _publish(group, body))


def broadcast_to_users_on_commit(user_ids: Iterable[int], event: dict[str, Any]) -> None:
    """Send one event to each user's personal group after commit."""
    ids = list(user_ids)
    body = buses.event_body(event)

    def send_all() -> None:
        for uid in ids:
            _publish(user_group(uid), body)

    transaction.on_commit(send_all)


# --- Session control ---------------------------------------------------------------------


def _send_disconnect(group: str, reason: str) -> None:
    try:
        buses.get_bus().publish(group, buses.encode_disconnect(reason))
    except Exception:
        logger.exception("could not disconnect the sockets of %s", group)


def disconnect_user_on_commit(user_id: int, reason: str) -> None:
    """Close every open socket of `user_id`, in every process, once the change commits."""
    transaction.on_commit(lambda: _send_disconnect(user_group(user_id), reason))


def disconnect_session(session_key: str) -> None:
    """Close the sockets a browser session opened (web logout), in every process, now.

    Only sockets that authenticated with that session cookie are in its group; the
    user's other devices (other sessions, Bearer, tickets) stay connected.
    """
    if session_key:
        _send_disconnect(session_group(session_key), "logged_out")

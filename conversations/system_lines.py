"""System lines: "Alice added Bob", "Carol left", "Alice renamed the group to …".

A change of a group's membership, roles or name is also stored in its history as a message
of type `system`, so everyone sees it in the conversation, then and later. Messages belong
to messaging, which sits above conversations: the services here call `post` inside their
transaction, and messaging hands in the writer at start-up (`use_system_line_writer`, from
`messaging.apps`), as it hands in its message facts. The line commits with the change or
not at all, and its `new_message` goes out after the commit.
"""

from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured

from accounts.models import User


class Event:
    """The `event` of a system line's payload."""

    CREATED = "created"
    JOINED = "joined"
    INVITE_JOINED = "invite_joined"
    ADDED = "added"
    LEFT = "left"
    REMOVED = "removed"
    BANNED = "banned"
    RENAMED = "renamed"
    ROLE_CHANGED = "role_changed"
    OWNER_CHANGED = "owner_changed"


class SystemLineWriter(Protocol):
    def __call__(
        self, *, sender: User, conversation_id: int, content: str, payload: dict[str, Any]
    ) -> None:
        """Store the line as a message from `sender` (a member now) and announce it."""
        ...


_writer: SystemLineWriter | None = None


def use_system_line_writer(writer: SystemLineWriter) -> None:
    """Called once by the app that owns messages (`messaging.apps.MessagingConfig.ready`)."""
    global _writer
    _writer = writer


def _text(event: str, actor: User, user: User | None, name: str, role: str) -> str:
    who = actor.name
    whom = user.name if user is not None else ""
    texts = {
        Event.CREATED: f"{who} created the group",
        Event.JOINED: f"{who} joined",
        Event.INVITE_JOINED: f"{who} joined with an invite link",
        Event.ADDED: f"{who} added {whom}",
        Event.LEFT: f"{who} left",
        Event.REMOVED: f"{who} removed {whom}",
        Event.BANNED: f"{who} banned {whom}",
        Event.RENAMED: f"{who} renamed the group to {name}",
        Event.ROLE_CHANGED: f"{who} made {whom} {'an admin' if role == 'admin' else 'a member'}",
        Event.OWNER_CHANGED: f"{whom} is now the owner",
    }
    return texts[event]


def post(
    *,
    conversation_id: int,
    event: str,
    actor: User,
    user: User | None = None,
    sender: User | None = None,
    name: str = "",
    role: str = "",
) -> None:
    """Write the system line `event` (`actor` did it, to `user`) into the conversation's
    history. `sender` is the member it is posted as (default `actor`): a line must come
    from a member, so "Carol left" is written before Carol's membership ends, and a
    moderator's removal (a moderator is no member) is posted as the removed member."""
    if _writer is None:
        raise ImproperlyConfigured("messaging did not hand in its system line writer")
    payload: dict[str, Any] = {"event": event, "actor_id": actor.id}
    if user is not None:
        payload["user_id"] = user.id
    if name:
        payload["name"] = name
    if role:
        payload["role"] = role
    _writer(
        sender=sender or actor,
        conversation_id=conversation_id,
        content=_text(event, actor, user, name, role),
        payload=payload,
    )

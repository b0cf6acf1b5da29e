"""Messages of another type than text, posted by another app's service: a money transfer
in a direct chat (payments), a system line about the conversation (conversations).

Messaging stays generic: it stores the type and a small JSON `payload` the posting service
built, shows them in the one message representation, and never imports that app. Such a
message is posted inside the caller's transaction, so it commits with what it announces
(the ledger's rows) or not at all, and its `new_message` leaves only after that commit.
Clients cannot send one (`message_send` is text only) and nobody edits one; the posting
app may update its payload (a transfer that was reversed), which members see as
`message_updated`.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404

from accounts.models import User
from chat_project import realtime
from chat_project.ids import id_or_404
from conversations.models import ConversationMember
from conversations.selectors import NOT_FOUND as CONVERSATION_NOT_FOUND
from messaging import events, push
from messaging.models import Message

from .changes import record_change
from .checks import MESSAGE_NOT_FOUND, clean_content
from .send_write import insert_message

#: The message types a service may post (everything but text).
POSTED_TYPES = frozenset(Message.Type.values) - {Message.Type.TEXT}


def _check_type(message_type: str, payload: object) -> None:
    if message_type not in POSTED_TYPES:
        raise ValidationError({"message_type": [f"Not a type a service posts: {message_type}."]})
    if not isinstance(payload, dict):
        raise ValidationError({"payload": ["The payload must be a JSON object."]})


def message_post(
    *,
    actor: User,
    conversation_id: int,
    content: str,
    message_type: str,
    payload: dict[str, Any],
    notify: bool = True,
) -> Message:
    """Post a message of `message_type` with its `payload` from `actor` into a conversation
    they belong to; members get `new_message` after the caller's transaction commits.

    `content` is the text every client can show (and search finds) without knowing the
    type. The rules of a send that are about people (member, not blocked in a direct chat)
    hold as for text: not a member -> Http404, blocked -> PermissionDenied. The client's
    rate limit, `client_id` and mentions do not apply: the caller has its own rules.
    `notify=False` (system lines) sends no web push to the other person of a direct chat.
    """
    _check_type(message_type, payload)
    text = clean_content(content)
    with transaction.atomic():
        message = insert_message(
            actor=actor,
            conversation_id=id_or_404(conversation_id, CONVERSATION_NOT_FOUND),
            content=text,
            client_id=None,
            message_type=message_type,
            payload=payload,
        )
        realtime.broadcast_on_commit(
            realtime.conversation_group(message.conversation_id), events.new_message(message)
        )
        if notify:
            push.push_on_commit(message=message, mentioned=(), new=True)
    return message


@transaction.atomic
def message_payload_update(*, message_id: int, payload: dict[str, Any]) -> Message:
    """Replace the payload of a posted message (the state of what it announced changed);
    members get `message_updated`. Text messages have none -> ValidationError; unknown id ->
    Http404. The same payload again changes nothing and emits nothing."""
    try:
        message = (
            Message.objects.select_for_update(of=("self",), no_key=True)  # as checks says
            .select_related("sender")
            .get(pk=id_or_404(message_id, MESSAGE_NOT_FOUND))
        )
    except Message.DoesNotExist as exc:
        raise Http404(MESSAGE_NOT_FOUND) from exc
    _check_type(message.message_type, payload)
    if message.payload == payload:
        return message
    message.payload = payload
    record_change(message, "payload")  # the catch-up shows the new state too
    realtime.broadcast_on_commit(
        realtime.conversation_group(message.conversation_id), events.message_updated(message)
    )
    return message


def system_line_post(
    *, sender: User, conversation_id: int, content: str, payload: dict[str, Any]
) -> None:
    """Write a conversation's system line ("Alice added Bob"): the writer conversations'
    services call through `conversations.system_lines` (handed in by `messaging.apps`).

    A system line is never news to anyone: members who had read everything stay so (their
    marker moves past it), and it notifies nobody (no mentions, no notification row)."""
    message = message_post(
        actor=sender,
        conversation_id=conversation_id,
        content=content,
        message_type=Message.Type.SYSTEM,
        payload=payload,
        notify=False,
    )
    ConversationMember.objects.filter(
        conversation_id=conversation_id, last_read_seq=message.seq - 1
    ).update(last_read_seq=message.seq, last_read_message_id=message.id)

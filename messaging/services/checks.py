"""Checks every message service shares: input (content, client_id, ids) and access (member
of the message's conversation, not blocked in a direct chat).

Unknown, malformed and "not yours" ids all get the same not-found, so ids leak nothing and
garbage is never a 500.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from accounts.models import User
from chat_project.ids import MAX_ID, id_or_404
from chat_project.text import BadText, check_text
from conversations.models import Conversation
from conversations.selectors import membership_get
from friends.selectors import is_blocked_between
from messaging.models import Message

MESSAGE_NOT_FOUND = "Message not found."
CLIENT_ID_MAX_LENGTH = 64
REPLY_TO_INVALID = "Reply to a message of this conversation that is not deleted."


def clean_content(content: object) -> str:
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


#: The example `client_id` of the API docs: refused, so that a request copied from the
#: docs twice is a 400 that says what to do rather than a silent replay of the first.
CLIENT_ID_PLACEHOLDER = "REPLACE-with-a-new-UUID-for-each-message"
CLIENT_ID_PLACEHOLDER_REFUSED = (
    "This is the documentation's example: give each message a client_id of its own "
    "(a new UUID), and reuse it only to retry that message."
)


def clean_client_id(client_id: object) -> str | None:
    """None or '' mean "no idempotency key"; anything else must be a short string."""
    if client_id is None or client_id == "":
        return None
    if client_id == CLIENT_ID_PLACEHOLDER:
        raise ValidationError({"client_id": [CLIENT_ID_PLACEHOLDER_REFUSED]})
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


def clean_reply_to(reply_to: object) -> int | None:
    """None (not a reply) or a message id; what it must be is `check_reply_to`'s rule."""
    if reply_to is None:
        return None
    if isinstance(reply_to, bool) or not isinstance(reply_to, int):
        raise ValidationError({"reply_to": ["A message id (an integer) or null is required."]})
    if not 1 <= reply_to <= MAX_ID:
        raise ValidationError({"reply_to": [REPLY_TO_INVALID]})
    return reply_to


def check_reply_to(conversation_id: int, reply_to: int | None) -> None:
    """A reply answers a message of the same conversation that is not deleted. Any other
    id — another conversation's (even one the sender is in), unknown, deleted — is the same
    400, so it says nothing about messages elsewhere."""
    if reply_to is None:
        return
    if not Message.objects.filter(
        pk=reply_to, conversation_id=conversation_id, is_deleted=False
    ).exists():
        raise ValidationError({"reply_to": [REPLY_TO_INVALID]})


def _direct_peer_id(conversation: Conversation, user_id: int) -> int | None:
    """The other user of a direct chat, read from its pair key (no query)."""
    if conversation.type != Conversation.Type.DIRECT or not conversation.private_pair_key:
        return None
    _, low, high = conversation.private_pair_key.split(":")
    return int(high) if int(low) == user_id else int(low)


def check_not_blocked(conversation: Conversation, user_id: int) -> None:
    peer_id = _direct_peer_id(conversation, user_id)
    if peer_id is not None and is_blocked_between(user_id, peer_id):
        raise PermissionDenied("You cannot message this user.")


def membership_for_message(*, actor: User, message_id: object, lock: bool = False):
    """(message, membership) when `actor` is in the message's conversation, else 404.

    "Missing" and "not in that conversation" give the same answer, so ids leak nothing.
    """
    queryset = Message.objects.select_related("sender")
    if lock:
        # FOR NO KEY UPDATE: a reply being sent to this message (a foreign key check,
        # FOR KEY SHARE) does not wait for it, so a change that then takes the
        # conversation's lock (services.changes) cannot deadlock with that send.
        queryset = queryset.select_for_update(of=("self",), no_key=True)
    try:
        message = queryset.get(pk=id_or_404(message_id, MESSAGE_NOT_FOUND))
    except Message.DoesNotExist as exc:
        raise Http404(MESSAGE_NOT_FOUND) from exc
    try:
        membership = membership_get(user_id=actor.id, conversation_id=message.conversation_id)
    except Http404 as exc:
        raise Http404(MESSAGE_NOT_FOUND) from exc
    return message, membership

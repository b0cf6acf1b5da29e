"""Web push for messages: who gets one, when, and what it says.

A message pushes to a person only when they have **no open socket** anywhere (an open
web UI shows the message itself, and raises its own desktop notification when hidden),
only when the message is for them (`_may_push`: direct messages and mentions; then
`conversations.attention.should_alert`: level, mute, do not disturb), and only to people
with at least one subscribed browser (accounts.push).

The send path pays nothing for it unless there is someone to push to: which people a
message could be for is known without a query (its mentions, and for a direct chat the
other person, from the pair key the send statement returns), and only after the commit
are presence (one Redis call) and subscriptions (one query) asked, and a task enqueued.
The task (`messaging.tasks.send_message_push`) decides again with the rows loaded and
sends; any failure there is logged, never raised into the send.

Payload (docs/api.md, "Web push"): conversation id, type and name, sender, message id,
a URL to open, and the text only for people who allow previews (`User.push_previews`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.db import transaction

from accounts import push as accounts_push
from accounts.models import PushSubscription, User
from chat_project import realtime
from conversations.attention import should_alert
from conversations.models import Conversation, ConversationMember
from messaging.models import Message

logger = logging.getLogger(__name__)

#: Characters of message text a preview carries (a push payload holds ~4 KB at most).
PREVIEW_CHARS = 200


def _may_push(conversation: Conversation, mentioned: bool) -> bool:
    """Which messages push at all: direct messages and mentions (Slack's default for
    mobile pushes). A group message at level "all" alerts an open web UI (desktop
    notification) but does not push: finding its offline members with a browser would
    cost every group send a query. Whether the person wants it is `should_alert`."""
    return conversation.type == Conversation.Type.DIRECT or mentioned


def _direct_peer_id(message: Message) -> int | None:
    """The other person of a direct chat, from the conversation the send statement
    returned with the message (messaging.services.send_write); None for a group or when
    the conversation is not at hand (then nobody is pushed for not being mentioned)."""
    field = Message._meta.get_field("conversation")
    if not field.is_cached(message):
        return None
    key = message.conversation.private_pair_key or ""
    parts = key.split(":")
    if len(parts) != 3 or parts[0] != "direct":
        return None
    ids = {int(parts[1]), int(parts[2])} - {message.sender_id}
    return ids.pop() if len(ids) == 1 else None


def _candidates(message: Message, mentioned: Collection[int], *, new: bool) -> list[int]:
    """Who the message could be for under `_may_push`, without a query."""
    ids = set(mentioned)
    if new:
        peer = _direct_peer_id(message)
        if peer is not None:
            ids.add(peer)
    ids.discard(message.sender_id)
    return sorted(ids)


def push_on_commit(*, message: Message, mentioned: Collection[int], new: bool) -> None:
    """After the caller's transaction commits, enqueue the push of `message` to whoever it
    is for and is offline. `mentioned`: the people this write newly mentioned; `new`: a new
    message (an edit only pushes its new mentions). Costs nothing when push is off or the
    message is for nobody in particular."""
    if not accounts_push.push_enabled():
        return
    candidates = _candidates(message, mentioned, new=new)
    if candidates:
        transaction.on_commit(
            functools.partial(_enqueue, message.id, candidates, sorted(set(mentioned)))
        )


def _enqueue(message_id: int, candidate_ids: list[int], mentioned_ids: list[int]) -> None:
    """The after-commit half: only offline people with a subscribed browser get a task.
    Never raises: the message is stored and delivered whatever happens to its push."""
    try:
        online = realtime.online_user_ids(candidate_ids)
        offline = [uid for uid in candidate_ids if uid not in online]
        if not offline:
            return
        user_ids = sorted(
            set(
                PushSubscription.objects.filter(user_id__in=offline).values_list(
                    "user_id", flat=True
                )
            )
        )
        if not user_ids:
            return
        from messaging.tasks import send_message_push

        send_message_push.enqueue(
            message_id=message_id, user_ids=user_ids, mentioned_ids=mentioned_ids
        )
    except Exception:
        logger.exception("push: could not enqueue the push of message %s", message_id)


def message_payload(message: Message, *, previews: bool, mentioned: bool) -> dict[str, Any]:
    """What the service worker shows (templates/accounts/sw.js): never the text unless the
    recipient allows previews (the payload passes through the browser vendor's service)."""
    conversation = message.conversation
    sender = message.sender
    direct = conversation.type == Conversation.Type.DIRECT
    text: str | None = None
    if previews:
        text = message.content[:PREVIEW_CHARS]
        if len(message.content) > PREVIEW_CHARS:
            text = text.rstrip() + "…"
    return {
        "type": "mention" if mentioned else "message",
        "conversation": {
            "id": conversation.pk,
            "type": conversation.type,
            "name": sender.name if direct else conversation.name,
        },
        "message_id": message.pk,
        "sender": {"id": sender.pk, "name": sender.name},
        "text": text,
        "url": f"/c/{conversation.pk}/?message={message.pk}",
        "sent_at": message.created_at.isoformat(),
    }


def push_message(message_id: int, user_ids: list[int], mentioned_ids: list[int]) -> int:
    """Send the pushes of one message (the task's body); returns how many people got one.

    Decides again with the rows: the message may be deleted, the person may have left
    the conversation, been banned, or come online since the task was queued. Presence is
    asked again only when it is shared (Redis): an embedded-mode worker in another
    process would see nobody online."""
    message = Message.objects.select_related("sender", "conversation").filter(pk=message_id).first()
    if message is None or message.is_deleted:
        return 0
    ids = list(user_ids)
    if settings.REDIS_URL:
        online = realtime.online_user_ids(ids)
        ids = [uid for uid in ids if uid not in online]
    members = {
        member.user_id: member
        for member in ConversationMember.objects.filter(
            conversation_id=message.conversation_id, user_id__in=ids
        )
    }
    users = User.objects.filter(pk__in=members, is_active=True).only(
        "id", "push_previews", "status"
    )
    pushed = 0
    for user in users:
        mentioned = user.pk in mentioned_ids
        member = members[user.pk]
        member.conversation = message.conversation
        # The one rule of who is interrupted (levels, mute, do not disturb), as the web
        # UI's desktop notifications and the digest use it.
        if not _may_push(message.conversation, mentioned) or not should_alert(
            user, member, message, mentioned
        ):
            continue
        payload = message_payload(message, previews=user.push_previews, mentioned=mentioned)
        if accounts_push.deliver(user.pk, payload).sent:
            pushed += 1
    return pushed

"""Email digests: unread direct messages and mentions, mailed once they are old enough.

A sweep on the worker (`messaging.tasks.email_digests`, every EMAIL_DIGEST_SWEEP_SECONDS)
looks for people who allow it (`User.email_digest`, on by default, off in settings or
`PATCH /api/auth/me {"email_digest": false}`) and have a confirmed address, with
messages that are
 - direct messages to them, or messages that mention them (a `mention` notification),
 - still unread (past their read marker in the conversation; a mention whose
   notification was marked read counts as read too),
 - at least EMAIL_DIGEST_DELAY_MINUTES old (15 by default) and at most a day,
 - newer than the last digest's horizon (`User.email_digest_until`): nothing twice.
Each such person gets ONE mail listing them all (up to DIGEST_MAX_MESSAGES), then the
horizon moves to the sweep's cut-off.

Nobody online is mailed: someone with an open socket when the sweep runs sees the
messages in the app (they stay candidates while unread, so going offline without reading
them still brings the mail). Reading them in the meantime — on any device — is enough
for nothing to be sent. The digest is a sweep rather than a task per message so that
sending a message costs nothing more: the hot path stays one statement.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Notification, User
from chat_project import realtime
from chat_project.mail import mail_send, render
from chat_project.tasks import enqueue
from conversations.attention import should_alert
from conversations.models import Conversation, ConversationMember
from messaging.models import Message

LOOKBACK = timedelta(days=1)
DIGEST_MAX_MESSAGES = 20
SNIPPET_CHARS = 200
USERS_PER_SWEEP = 500
TEMPLATE = "messaging/email/unread_digest.txt"


def _eligible() -> Any:
    return User.objects.filter(is_active=True, email_digest=True).exclude(email="")


def candidate_user_ids(*, now: datetime) -> list[int]:
    """People with something that may go into a digest now (cheap: conversation counters
    and unread mention notifications, no scan of messages)."""
    cutoff = now - timedelta(minutes=settings.EMAIL_DIGEST_DELAY_MINUTES)
    floor = now - LOOKBACK
    eligible = _eligible()
    direct = ConversationMember.objects.filter(
        user__in=eligible,
        conversation__type=Conversation.Type.DIRECT,
        conversation__last_seq__gt=F("last_read_seq"),
        conversation__last_message_at__gt=floor,
    ).values_list("user_id", flat=True)
    mentioned = Notification.objects.filter(
        recipient__in=eligible,
        type=Notification.Type.MENTION,
        is_read=False,
        created_at__gt=floor,
        created_at__lte=cutoff,
    ).values_list("recipient_id", flat=True)
    ids = sorted(set(direct) | set(mentioned))
    return ids[:USERS_PER_SWEEP]


def unread_for(user: User, *, now: datetime) -> list[Message]:
    """The messages one digest of `user` would list (oldest first): unread direct
    messages and mentions that pass the one rule of who is interrupted
    (`conversations.attention.should_alert`: level, mute, do not disturb)."""
    cutoff = now - timedelta(minutes=settings.EMAIL_DIGEST_DELAY_MINUTES)
    since = max(now - LOOKBACK, user.email_digest_until or now - LOOKBACK)
    mention_ids = Notification.objects.filter(
        recipient=user,
        type=Notification.Type.MENTION,
        is_read=False,
        created_at__gt=since,
    ).values("message_id")
    messages = list(
        Message.objects.filter(
            # One join: the reader's own membership, and its read marker.
            conversation__memberships__user=user,
            seq__gt=F("conversation__memberships__last_read_seq"),
        )
        .filter(
            Q(conversation__type=Conversation.Type.DIRECT) | Q(id__in=mention_ids),
            created_at__gt=since,
            created_at__lte=cutoff,
            is_deleted=False,
        )
        .exclude(sender=user)
        .exclude(message_type=Message.Type.SYSTEM)
        .select_related("sender", "conversation")
        .order_by("created_at", "id")[:DIGEST_MAX_MESSAGES]
    )
    if not messages:
        return []
    members = {
        member.conversation_id: member
        for member in ConversationMember.objects.filter(
            user=user, conversation_id__in={m.conversation_id for m in messages}
        )
    }
    kept = []
    for message in messages:
        member = members.get(message.conversation_id)
        if member is None:
            continue
        member.conversation = message.conversation
        if should_alert(user, member, message, user.pk in (message.mention_ids or [])):
            kept.append(message)
    return kept


def _line(message: Message, user: User) -> dict[str, str]:
    conversation = message.conversation
    if conversation.type == Conversation.Type.DIRECT:
        where = ""
    else:
        where = conversation.name or f"#{conversation.id}"
    text = " ".join((message.content or "").split())
    if len(text) > SNIPPET_CHARS:
        text = text[: SNIPPET_CHARS - 1] + "…"
    return {"sender": message.sender.name, "where": where, "text": text}


def digests_send(*, now: datetime | None = None) -> int:
    """One sweep: mail each eligible person their digest; returns how many were mailed."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.EMAIL_DIGEST_DELAY_MINUTES)
    ids = candidate_user_ids(now=now)
    if not ids:
        return 0
    online = realtime.online_user_ids(ids)
    sent = 0
    for user in _eligible().filter(pk__in=[i for i in ids if i not in online]):
        messages = unread_for(user, now=now)
        if not messages:
            continue
        context = {
            "username": user.name,
            "lines": [_line(m, user) for m in messages],
            "count": len(messages),
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        subject, body = render(TEMPLATE, context, user.language or settings.LANGUAGE_CODE)
        enqueue(mail_send, [user.email], subject, body)
        User.objects.filter(pk=user.pk).update(email_digest_until=cutoff)
        sent += 1
    return sent

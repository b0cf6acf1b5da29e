from django.conf import settings
from django.db import models
from django.db.models import JSONField, Q, Value
from django.utils import timezone

from conversations.models import Conversation

#: Text search configuration for message search ('simple': no stemming, any language).
SEARCH_CONFIG = "simple"


class Message(models.Model):
    """One chat message.

    A deleted message is soft-deleted: its row and `content` stay for moderation (reports),
    but the text is never exposed again (the serializer blanks it, search skips it).
    """

    class Type(models.TextChoices):
        TEXT = "text"
        #: Posted by another app's service with a `payload` it provides (payments: a money
        #: transfer); never sent by a client, never edited.
        TRANSFER = "transfer"
        #: A line about the conversation itself ("Alice added Bob"), written by
        #: conversations' services through `messaging.services.system_lines`.
        SYSTEM = "system"

    # No single-column FK index: messaging_conv_id_idx (conversation_id, id) serves every
    # lookup by conversation, and a second index only costs writes and misleads the planner
    # into index-scan-then-sort for history pages.
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False
    )
    seq = models.BigIntegerField(help_text="1, 2, 3 ... per conversation, no gaps.")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages_sent"
    )
    content = models.TextField()
    #: `content` rendered when it was written (messaging.formatting): sanitised HTML.
    content_html = models.TextField(blank=True, default="", db_default="")
    #: The members `content` mentions (ids, ascending), found when it was rendered.
    mention_ids = models.JSONField(blank=True, default=list, db_default=Value([], JSONField()))
    #: The message this one answers: an earlier one of the same conversation.
    reply_to = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replies",
        db_index=False,  # messaging_reply_to_idx: replies only
    )
    message_type = models.CharField(max_length=10, choices=Type.choices, default=Type.TEXT)
    client_id = models.CharField(max_length=64, null=True, blank=True)
    #: What a message of another type than text carries, as the app that posts it wrote it
    #: (messaging stores and shows it, and knows nothing of its meaning); null for text.
    payload = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    is_deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    #: Who deleted it: the sender, a group admin or a moderator (kept for the moderation log).
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    pinned_at = models.DateTimeField(null=True, blank=True)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    #: The conversation's change number of this message's latest change (sent, edited,
    #: deleted, reacted to, pinned): `Conversation.last_change_seq` allocates it
    #: (messaging.services.changes), and `GET .../changes?since=` reads by it.
    change_seq = models.BigIntegerField(default=0, db_default=0)

    class Meta:
        ordering = ["id"]
        permissions = [("redact_message", "Can redact (delete for everyone) any message")]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "seq"], name="messaging_conv_seq_unique"
            ),
            models.UniqueConstraint(
                fields=["sender", "client_id"],
                condition=Q(client_id__isnull=False),
                name="messaging_sender_client_id_unique",
            ),
        ]
        indexes = [
            # History: keyset paging by id inside one conversation.
            models.Index(fields=["conversation", "id"], name="messaging_conv_id_idx"),
            # Full-text search: a GIN expression index created by migration 0002 on
            # PostgreSQL only (SQLite, the embedded mode, searches with icontains).
            # Catch-up: what changed in a conversation since a change number.
            models.Index(fields=["conversation", "change_seq"], name="messaging_conv_change_idx"),
            # The pinned messages of a conversation (a handful among millions).
            models.Index(
                fields=["conversation", "pinned_at"],
                name="messaging_pinned_idx",
                condition=Q(pinned_at__isnull=False),
            ),
            # Replies to a message (SET_NULL when it goes): replies only.
            models.Index(
                fields=["reply_to"],
                name="messaging_reply_to_idx",
                condition=Q(reply_to__isnull=False),
            ),
            # Unread mentions: messages that mention anyone, after a read marker.
            models.Index(
                fields=["conversation", "seq"],
                name="messaging_mentions_idx",
                condition=~Q(mention_ids=[]),
            ),
        ]

    def __str__(self) -> str:
        """ "Message #5 by carol in Weekend hike" (the admin selects sender and conversation)."""
        return f"Message #{self.seq} by {self.sender} in {self.conversation}"


class Reaction(models.Model):
    """One user's emoji on one message: at most one per (message, emoji, user), a database
    fact (two racing adds store one row). `emoji` is one emoji exactly as sent
    (messaging.emoji)."""

    message = models.ForeignKey(
        Message,
        on_delete=models.CASCADE,
        related_name="reactions",
        db_index=False,  # messaging_reaction_unique starts with message
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_reactions"
    )
    emoji = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "emoji", "user"], name="messaging_reaction_unique"
            ),
        ]

    def __str__(self) -> str:
        """ "👍 by alice on Message #5 by carol in Weekend hike" (the admin selects the user,
        the message and its sender and conversation with the row)."""
        return f"{self.emoji} by {self.user} on {self.message}"


class Report(models.Model):
    """A user's report of a message or of another user, worked off by moderators.

    A message report keeps a snapshot of the text and the conversation at the time of
    reporting, so the evidence stays even if the message is edited, deleted or its
    conversation disappears (`message` then becomes null). `user` is the reported user:
    the target of a user report, the author of a reported message.
    """

    class TargetType(models.TextChoices):
        MESSAGE = "message"
        USER = "user"

    class Status(models.TextChoices):
        OPEN = "open"
        RESOLVED = "resolved"
        DISMISSED = "dismissed"

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made"
    )
    target_type = models.CharField(max_length=10, choices=TargetType.choices)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports_received",
    )
    conversation_id = models.BigIntegerField(null=True, blank=True)
    message_text = models.TextField(blank=True, default="", help_text="The text when reported.")
    reason = models.TextField(max_length=1000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-id"]
        permissions = [("resolve_report", "Can resolve or dismiss reports")]
        constraints = [
            models.UniqueConstraint(
                fields=["reporter", "message"],
                condition=Q(status="open", target_type="message"),
                name="messaging_report_one_open_per_message",
            ),
            models.UniqueConstraint(
                fields=["reporter", "user"],
                condition=Q(status="open", target_type="user"),
                name="messaging_report_one_open_per_user",
            ),
        ]
        indexes = [
            # The moderators' queue: by status, newest first.
            models.Index(fields=["status", "-id"], name="messaging_report_queue_idx"),
        ]

    def __str__(self) -> str:
        """ "Report #2: message by carol in Weekend hike" / "Report #3: user dave": reads the
        user and the message's conversation (the admin selects them with the row)."""
        who = self.user.username if self.user_id and self.user else "(deleted user)"
        if self.target_type == self.TargetType.MESSAGE:
            where = f" in {self.message.conversation}" if self.message_id and self.message else ""
            return f"Report #{self.pk}: message by {who}{where}"
        return f"Report #{self.pk}: user {who}"


class Attachment(models.Model):
    """An uploaded file: owned by its uploader until it is attached to one message.

    `file` and `thumbnail` are names in Django's default storage (MEDIA_ROOT or a bucket),
    never public: downloads go through `messaging.downloads` with a signed URL. An upload
    not attached within UPLOAD_UNUSED_TTL, and the files of a deleted message, are removed
    by `manage.py purge_attachments`. `message` is SET_NULL, not CASCADE: the row outlives
    a deleted conversation so the purge can still find its files (`attached_at` set,
    `message` gone).
    """

    uploader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    #: Its place among the message's attachments (the order of `attachment_ids`).
    position = models.PositiveSmallIntegerField(default=0)
    name = models.CharField(max_length=255)
    size = models.BigIntegerField(help_text="Bytes of the stored file.")
    content_type = models.CharField(max_length=100)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    file = models.CharField(max_length=255)
    thumbnail = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    attached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        permissions = [
            ("remove_attachment", "Can remove attachments and purge a banned user's uploads")
        ]
        indexes = [
            # The purge of uploads never attached: oldest first, unattached only.
            models.Index(
                fields=["created_at"],
                condition=Q(attached_at__isnull=True),
                name="messaging_att_unattached_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.size} bytes) by {self.uploader}"


class Webhook(models.Model):
    """An incoming webhook: whoever holds its URL posts into the group as its bot.

    The secret is the last part of the URL (as Slack's and Mattermost's incoming
    webhooks): CI systems and alerting tools can post to a URL but rarely sign a body.
    Only its SHA-256 is stored, so the URL is shown once, when the webhook is made.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="webhooks"
    )
    #: The bot account the posts come from (`is_bot`), made for this webhook alone.
    bot = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook"
    )
    name = models.CharField(max_length=64)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["conversation", "-id"], name="messaging_webhook_conv_idx")]

    def __str__(self) -> str:
        """ "Webhook “CI” in Ops" (the admin selects the conversation with the row)."""
        return f"Webhook “{self.name}” in {self.conversation}"

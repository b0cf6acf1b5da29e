from django.conf import settings
from django.db import models
from django.db.models import Q

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
    message_type = models.CharField(max_length=10, choices=Type.choices, default=Type.TEXT)
    client_id = models.CharField(max_length=64, null=True, blank=True)
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

    class Meta:
        ordering = ["id"]
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
        ]

    def __str__(self) -> str:
        return f"#{self.seq} in {self.conversation_id} by {self.sender_id}"

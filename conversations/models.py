from django.conf import settings
from django.db import models
from django.db.models import Q

#: Ids are bigints: a larger number cannot be an id (and would overflow a query parameter).
MAX_ID = 2**63 - 1


class Conversation(models.Model):
    """A direct chat, a private group or a public room.

    `last_seq`, `last_message_id`, `last_message_at` and `last_change_seq` are maintained
    by the messaging services (a higher app), so the conversation list needs no join
    over messages: `last_seq` also allocates each message's gapless `seq`.
    """

    class Type(models.TextChoices):
        DIRECT = "direct"
        GROUP = "group"

    type = models.CharField(max_length=10, choices=Type.choices)
    name = models.CharField(max_length=100, blank=True, default="")
    description = models.TextField(max_length=1000, blank=True, default="")
    is_public = models.BooleanField(default=False)
    max_participants = models.PositiveIntegerField(null=True, blank=True)
    private_pair_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="conversations_created",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_seq = models.BigIntegerField(default=0)
    last_message_id = models.BigIntegerField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    #: The last change number given to a change of this conversation's messages (a send,
    #: an edit, a deletion, a reaction, a pin): allocated under this row's lock by the
    #: messaging services, so numbers commit in order (messaging.services.changes).
    last_change_seq = models.BigIntegerField(default=0)
    #: The key of the group's or room's avatar files (chat_project.avatars), "" for none.
    avatar = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        ordering = ["-last_message_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(type="group") | Q(private_pair_key__isnull=False, is_public=False),
                name="conversations_direct_has_pair_key",
            ),
            models.CheckConstraint(
                condition=Q(type="direct") | Q(private_pair_key__isnull=True),
                name="conversations_group_no_pair_key",
            ),
        ]
        indexes = [
            models.Index(
                fields=["is_public", "-last_message_at"],
                name="conv_public_activity_idx",
                condition=Q(is_public=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.private_pair_key or f"conversation {self.pk}"

    @staticmethod
    def pair_key(user_a_id: int, user_b_id: int) -> str:
        low, high = sorted((user_a_id, user_b_id))
        return f"direct:{low}:{high}"


class ConversationMember(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin"
        MEMBER = "member"

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversation_memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)
    last_read_seq = models.BigIntegerField(default=0)
    last_read_message_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"], name="conversations_member_unique"
            ),
        ]
        indexes = [models.Index(fields=["user", "conversation"], name="conv_member_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id} ({self.role})"


class StaffAccessGrant(models.Model):
    """A superuser's time-limited access to the messages of one private conversation.

    Staff do not read direct chats and private groups in the admin: they see a reported
    message with its context on the report's page, and nothing else, unless a superuser
    opens the conversation with a written reason (`services.conversation_staff_open`, which
    also writes the audit log). The grant is for that superuser and that conversation only
    and ends at `expires_at`; the rows stay as the record of who read what and why.
    """

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="staff_access_grants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_access_grants"
    )
    reason = models.TextField(max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        indexes = [
            # "Which conversations may this superuser read now?" (one lookup per admin page).
            models.Index(fields=["user", "expires_at"], name="conv_staff_access_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} may read {self.conversation_id} until {self.expires_at}"

from django.conf import settings
from django.db import models
from django.db.models import Q


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


class NotificationLevel(models.TextChoices):
    """Which new messages of a conversation alert a member (desktop, push)."""

    ALL = "all"
    MENTIONS = "mentions"
    NOTHING = "nothing"


class ConversationMember(models.Model):
    class Role(models.TextChoices):
        #: Exactly one per group (the creator, until they hand it over or leave): may do
        #: everything an admin may, and change roles, hand over ownership, delete the group.
        OWNER = "owner"
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
    #: What alerts this member (conversations.attention): null = the default of the
    #: conversation's kind (direct and groups "all", public rooms "mentions").
    notification_level = models.CharField(
        max_length=10, choices=NotificationLevel.choices, null=True, blank=True
    )
    #: No alert before this instant (unread counts go on); `attention.MUTED_FOREVER` for
    #: "until I unmute".
    muted_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"], name="conversations_member_unique"
            ),
            # At most one owner; the services keep "at least one" (a hand-over on leaving).
            models.UniqueConstraint(
                fields=["conversation"],
                condition=Q(role="owner"),
                name="conversations_one_owner",
            ),
        ]
        indexes = [models.Index(fields=["user", "conversation"], name="conv_member_user_idx")]

    def __str__(self) -> str:
        """ "carol in Weekend hike (member)": reads the user and the conversation (the
        admin selects them with the row)."""
        return f"{self.user} in {self.conversation} ({self.role})"

    @property
    def manages(self) -> bool:
        """Owner or admin: may add, remove, ban, rename, pin, delete others' messages."""
        return self.role in MANAGING_ROLES


#: The roles that administer a group, highest first (`RANK`: who outranks whom).
MANAGING_ROLES = frozenset({ConversationMember.Role.OWNER, ConversationMember.Role.ADMIN})
RANK = {
    ConversationMember.Role.OWNER: 2,
    ConversationMember.Role.ADMIN: 1,
    ConversationMember.Role.MEMBER: 0,
}


class Mute(models.Model):
    """A moderator's mute: `user` may read but not send, in one conversation or (no
    conversation) everywhere, until `ends_at` or until lifted. The send statement checks it
    (messaging.services.send_write), so REST and WebSocket sends are refused alike.
    Written only by `conversations.services.user_mute` / `user_unmute`."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    ends_at = models.DateTimeField()
    reason = models.TextField(max_length=1000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # The send statement's check: this sender's mutes still running.
            models.Index(
                fields=["user", "ends_at"],
                condition=Q(lifted_at__isnull=True),
                name="conv_mute_active_idx",
            )
        ]

    def __str__(self) -> str:
        where = f"in {self.conversation}" if self.conversation_id else "everywhere"
        return f"{self.user} muted {where} until {self.ends_at:%Y-%m-%d %H:%M}Z"


class ConversationBan(models.Model):
    """Someone a group's admins removed for good: they cannot join the public room again,
    be added back or come in through an invite link until an admin lifts the ban."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="bans")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversation_bans"
    )
    banned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"], name="conversations_ban_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} banned from {self.conversation}"


class ConversationInvite(models.Model):
    """A link that lets whoever holds it join a group (`/invite/<code>/`), until it
    expires, is used `max_uses` times, or is revoked (the row stays, `revoked_at` set)."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="invites")
    code = models.CharField(max_length=32, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["conversation", "-created_at"], name="conv_invite_list_idx")
        ]

    def __str__(self) -> str:
        return f"invite {self.code} to {self.conversation_id}"


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

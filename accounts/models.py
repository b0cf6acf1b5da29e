from collections.abc import Collection
from typing import TYPE_CHECKING, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

username_validator = RegexValidator(
    r"^[A-Za-z0-9_.-]{3,32}$",
    "Username must be 3-32 characters: letters, digits, '_', '.' or '-'.",
    code="invalid_username",
)

_CONSTRAINT_FIELDS = {"username_taken": "username", "email_taken": "email"}


if TYPE_CHECKING:  # generic in django-stubs only
    _UserManager = UserManager["User"]
else:
    _UserManager = UserManager


class CaseInsensitiveUserManager(_UserManager):
    """Username lookups for login and createsuperuser ignore letter case."""

    def get_by_natural_key(self, username: str | None) -> "User":
        return self.get(username__iexact=username)


class User(AbstractUser):
    username = models.CharField(
        max_length=32,
        unique=True,
        validators=[username_validator],
        error_messages={"unique": "A user with that username already exists."},
    )
    email = models.EmailField(blank=True, default="")
    display_name = models.CharField(max_length=64, blank=True, default="")
    bio = models.TextField(max_length=500, blank=True, default="")
    #: The key of the current avatar's files (chat_project.avatars), "" for none.
    avatar = models.CharField(max_length=32, blank=True, default="")
    #: A bot account: it posts through API tokens (`ApiToken`) or a webhook, never logs in
    #: with a password, and every client shows it with a "BOT" tag.
    is_bot = models.BooleanField(default=False)
    #: Who made the bot and manages its tokens (null: made by staff, or the owner is gone).
    bot_owner = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="bots"
    )

    objects: ClassVar[CaseInsensitiveUserManager] = CaseInsensitiveUserManager()

    class Meta:
        ordering = ["id"]
        permissions = [("ban_user", "Can ban and unban users (moderation)")]
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_ci_unique",
                violation_error_code="username_taken",
                violation_error_message="A user with that username already exists.",
            ),
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_ci_unique",
                violation_error_code="email_taken",
                violation_error_message="A user with that email already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        """Report the case-insensitive uniqueness errors on their field, not __all__."""
        try:
            super().validate_constraints(exclude)
        except ValidationError as exc:
            errors: dict[str, list] = {}
            for field, field_errors in exc.error_dict.items():
                for error in field_errors:
                    target = _CONSTRAINT_FIELDS.get(error.code or "", field)
                    errors.setdefault(target, []).append(error)
            raise ValidationError(errors) from exc

    @property
    def name(self) -> str:
        """What other people see: the display name, else the username."""
        return self.display_name or self.username


class Notification(models.Model):
    """Something that happened to `recipient` because of `actor`, shown in their inbox.

    It lives in accounts, the lowest app, so the services of friends, conversations and
    messaging can all create notifications without importing upward. The conversation and
    message it points to are plain integer columns, not foreign keys to the higher apps:
    a notification outlives the conversation or message it was about (the client gets a
    404 when it follows the id), and accounts keeps knowing nothing of those models.
    """

    class Type(models.TextChoices):
        FRIEND_REQUEST = "friend_request"
        FRIEND_REQUEST_ACCEPTED = "friend_request_accepted"
        ADDED_TO_CONVERSATION = "added_to_conversation"
        MENTION = "mention"
        #: Someone sent you money (payments); points at the transfer's message in your chat.
        TRANSFER_RECEIVED = "transfer_received"

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    actor = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=32, choices=Type.choices)
    conversation_id = models.BigIntegerField(null=True, blank=True)
    message_id = models.BigIntegerField(null=True, blank=True)
    is_read = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # One mention notification per mentioned user per message, however often the
            # message is edited.
            models.UniqueConstraint(
                fields=["recipient", "message_id"],
                condition=models.Q(type="mention"),
                name="accounts_notification_one_mention_per_message",
            ),
        ]
        indexes = [
            # The inbox: newest first, per recipient (also serves the unread filter, which
            # stays short because read-all clears it).
            models.Index(fields=["recipient", "-id"], name="accounts_notif_inbox_idx"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(is_read=False),
                name="accounts_notif_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} for {self.recipient_id} from {self.actor_id}"


class ModerationLog(models.Model):
    """The audit log: one row per moderator action (ban, unban, redact, resolve, dismiss,
    a superuser opening a private conversation, issuing or withdrawing money, reversing a
    transfer).

    In accounts, like notifications, so every app's moderation service can write it; the
    target is named by type and id (plus a readable snapshot), not by a foreign key, so
    the record survives whatever happens to the target later. Written only by services;
    read-only in the admin.
    """

    class Action(models.TextChoices):
        BAN_USER = "ban_user", "ban user"
        UNBAN_USER = "unban_user", "unban user"
        REDACT_MESSAGE = "redact_message", "redact message"
        RESOLVE_REPORT = "resolve_report", "resolve report"
        DISMISS_REPORT = "dismiss_report", "dismiss report"
        OPEN_CONVERSATION = "open_conversation", "open private conversation"
        REMOVE_ATTACHMENT = "remove_attachment", "remove attachment"
        PURGE_UPLOADS = "purge_uploads", "purge a banned user's uploads"
        ISSUE_MONEY = "issue_money", "issue money"
        WITHDRAW_MONEY = "withdraw_money", "withdraw money"
        REVERSE_TRANSFER = "reverse_transfer", "reverse transfer"

    moderator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=32, choices=Action.choices)
    target_type = models.CharField(max_length=32)
    target_id = models.BigIntegerField()
    target_repr = models.CharField(max_length=200, blank=True, default="")
    reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="accounts_modlog_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.moderator_id} {self.action} {self.target_type}:{self.target_id}"


class ApiToken(models.Model):
    """A bot's long-lived API token (`Authorization: Bot <token>`).

    Unlike a JWT it does not expire: it is valid until revoked. Only the SHA-256 of the
    token is stored (shown once, at creation), so a leaked database leaks no tokens; the
    prefix lets people tell their tokens apart.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=64, blank=True, default="")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=16)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… of {self.user}"

from collections.abc import Collection
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

from accounts.language import language_choices

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


class Status(models.TextChoices):
    """What a user chose to show friends. `online` means "automatic": away when idle."""

    ONLINE = "online"
    AWAY = "away"
    DND = "dnd"
    INVISIBLE = "invisible"


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
    #: Web push notifications may show the message text (off: "New message" only); the
    #: payload then leaves through the browser vendor's push service (accounts.push).
    push_previews = models.BooleanField(default=False)
    #: Mail unread direct messages and mentions (one digest, after EMAIL_DIGEST_DELAY_MINUTES)
    #: to the confirmed address (messaging/digest.py); the user turns it off in settings.
    email_digest = models.BooleanField(default=True, db_default=True)
    #: Messages up to this time were considered for a digest already (never mailed twice).
    email_digest_until = models.DateTimeField(null=True, blank=True)
    #: When the owner deleted the account (`leaving.services.account_delete`): the row stays
    #: as a tombstone (username `deleted-<id>`, display name "Deleted user", nothing
    #: personal) so the messages it sent keep their sender.
    deleted_at = models.DateTimeField(null=True, blank=True)
    #: A moderator's timed suspension: no login, no token, no socket until then
    #: (accounts.services.user_suspend). On the row every authentication loads anyway, so
    #: checking it costs no query.
    suspended_until = models.DateTimeField(null=True, blank=True)
    #: The web UI's language (a code of settings.LANGUAGES); "" follows the browser.
    language = models.CharField(max_length=8, blank=True, default="", choices=language_choices)
    #: The status the user chose (accounts.status): friends see it with presence.
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ONLINE)
    #: The web UI saw no input for a while (automatic "away"; reset by any input).
    idle = models.BooleanField(default=False)
    #: When the user's last socket closed (not recorded while invisible).
    last_seen_at = models.DateTimeField(null=True, blank=True)
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
        permissions = [
            ("ban_user", "Can ban and unban users (moderation)"),
            ("suspend_user", "Can suspend users for a time and lift suspensions (moderation)"),
            ("mute_user", "Can mute users in a room or everywhere (moderation)"),
        ]
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

    def suspended_at(self, now: "datetime") -> bool:
        """Whether a suspension is running at `now`."""
        return self.suspended_until is not None and self.suspended_until > now

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
        #: Your data export is ready to download (leaving); the actor is yourself.
        EXPORT_READY = "export_ready"
        #: A report you made was handled (moderation): `outcome` says "action taken" or
        #: "no action", never what the sanction was.
        REPORT_HANDLED = "report_handled"

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    actor = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=32, choices=Type.choices)
    conversation_id = models.BigIntegerField(null=True, blank=True)
    message_id = models.BigIntegerField(null=True, blank=True)
    #: For `report_handled`: "action_taken" or "no_action" (nothing else is told).
    outcome = models.CharField(max_length=16, blank=True, default="")
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
        """ "Mention for alice from bob" (the admin selects both users with the row)."""
        return f"{self.get_type_display()} for {self.recipient} from {self.actor}"


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
        #: A user deleted their own account (the "moderator" is that user's tombstone).
        DELETE_ACCOUNT = "delete_account", "account deleted by its owner"
        SUSPEND_USER = "suspend_user", "suspend user"
        UNSUSPEND_USER = "unsuspend_user", "lift suspension"
        MUTE_USER = "mute_user", "mute user"
        UNMUTE_USER = "unmute_user", "unmute user"
        REMOVE_MEMBER = "remove_member", "remove from conversation"
        DELETE_CONVERSATION = "delete_conversation", "delete conversation"
        UNREDACT_MESSAGE = "unredact_message", "undo redaction"
        NOTE_USER = "note_user", "moderator note"

    moderator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=32, choices=Action.choices)
    target_type = models.CharField(max_length=32)
    target_id = models.BigIntegerField()
    target_repr = models.CharField(max_length=200, blank=True, default="")
    #: The user a sanction or note is about (also for a message's author), so a user's
    #: record is one indexed read whatever the target type.
    subject_user_id = models.BigIntegerField(null=True, blank=True)
    reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="accounts_modlog_target_idx"),
            models.Index(fields=["subject_user_id", "-id"], name="accounts_modlog_subject_idx"),
        ]

    def __str__(self) -> str:
        target = self.target_repr or f"{self.target_type} {self.target_id}"
        return f"{self.get_action_display()}: {target}"


class PushSubscription(models.Model):
    """One browser (device) that receives web push for `user`: what
    `PushManager.subscribe()` returned there.

    The endpoint is unique: a browser has one subscription per site, so when another
    account subscribes the same browser it takes the row over (the shared computer then
    notifies only whoever subscribed last). Rows are removed by their owner, and by
    `accounts.push` when the push service answers 404/410 (the browser dropped it).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=2048, unique=True)
    #: The browser's P-256 public key (65 bytes) and auth secret (16 bytes), base64url.
    p256dh = models.CharField(max_length=128)
    auth = models.CharField(max_length=64)
    user_agent = models.CharField(max_length=256, blank=True, default="")
    #: SHA-256 of the web session that subscribed ("" for a token client): logging out of
    #: that session (or its end by a password change or ban) removes the subscription, so a
    #: shared computer stops showing the person's notifications once they log out.
    session_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    #: When the push service last accepted a message for it (null: never yet).
    last_success_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "-id"], name="accounts_push_user_idx")]

    def __str__(self) -> str:
        """ "alice's browser at fcm.googleapis.com" (the push service's host, never the
        endpoint, a capability URL; the admin selects the user with the row)."""
        host = urlsplit(self.endpoint).hostname or "an unknown push service"
        return f"{self.user}'s browser at {host}"


class ModeratorNote(models.Model):
    """A private note a moderator keeps on a user ("warned in DM about spam"): seen by
    moderators only, on the user's admin page and on reports about them. Written only by
    `accounts.services.moderator_note_add` (which also logs it)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="moderator_notes")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "-id"], name="accounts_modnote_user_idx")]

    def __str__(self) -> str:
        return f"Note on {self.user} by {self.author}"


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

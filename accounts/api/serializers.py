"""Input serializers check shape only; the services decide what is allowed."""

import re
from collections.abc import Mapping
from typing import Any

from django.contrib.auth import password_validation
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.language import language_choices
from accounts.models import Notification, User, username_validator
from accounts.tokens import access_token_lifetime
from chat_project.avatars import AvatarURLField
from chat_project.inputs import StrictJSONInput
from chat_project.openapi import NOT_ALL_DIGITS, document, sometimes


def _password_rules() -> dict[str, Any]:
    """What AUTH_PASSWORD_VALIDATORS check that a schema can say (the service runs them):
    the minimum length and "not all digits". "Too common" and "too similar to the
    username or email" it cannot."""
    rules: dict[str, Any] = {}
    for validator in password_validation.get_default_password_validators():
        if isinstance(validator, password_validation.MinimumLengthValidator):
            rules["minLength"] = validator.min_length
        elif isinstance(validator, password_validation.NumericPasswordValidator):
            rules["pattern"] = NOT_ALL_DIGITS
    return rules


def new_password_field(**kwargs: Any) -> serializers.CharField:
    return document(
        serializers.CharField(max_length=128, trim_whitespace=False, **kwargs),
        **_password_rules(),
    )


class RegisterInputSerializer(StrictJSONInput):
    username = document(
        serializers.CharField(max_length=64),
        pattern=re.compile(username_validator.regex).pattern,
        minLength=3,
        maxLength=32,
        description="3-32 letters, digits, `_`, `.` or `-`; unique whatever the case.",
    )
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    password = new_password_field(write_only=True)


class LoginInputSerializer(StrictJSONInput):
    username = serializers.CharField(max_length=254, help_text="Username or email.")
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="Required when the account has two-factor sign-in on: a code from its "
        "authenticator app, or one of its recovery codes (used up).",
    )


class TwoFactorStatusSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()
    pending = serializers.BooleanField(help_text="A set-up was started and not confirmed.")
    recovery_codes_left = serializers.IntegerField()


class TotpEnrolmentSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="The key in base32, to type in by hand.")
    otpauth_url = serializers.CharField(help_text="`otpauth://totp/...`, what the QR code says.")
    qr_code = serializers.CharField(help_text="The QR code as an SVG `data:` URL.")


class OtpCodeInputSerializer(StrictJSONInput):
    code = serializers.CharField(max_length=32)


class PasswordConfirmInputSerializer(StrictJSONInput):
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class RecoveryCodesSerializer(serializers.Serializer):
    recovery_codes = serializers.ListField(
        child=serializers.CharField(), help_text="Shown once; each works once."
    )


class RefreshInputSerializer(StrictJSONInput):
    refresh_token = serializers.CharField(max_length=2048)


class PasswordChangeInputSerializer(StrictJSONInput):
    old_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = new_password_field()


class ProfileUpdateInputSerializer(StrictJSONInput):
    display_name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    bio = serializers.CharField(max_length=500, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    push_previews = serializers.BooleanField(
        required=False, help_text="Web push notifications may show the message text."
    )
    email_digest = serializers.BooleanField(
        required=False,
        help_text="Mail unread direct messages and mentions (one digest, after a delay).",
    )
    language = serializers.ChoiceField(
        choices=language_choices(),
        required=False,
        help_text="The web UI's language: a code of the server's languages, \"\" to follow "
        "the browser.",
    )


class PasswordResetInputSerializer(StrictJSONInput):
    # Blank passes the shape (the schema's emails all may be "") and is refused by the
    # service as any malformed address is: 400 {"email": [...]}.
    email = serializers.EmailField(
        max_length=254, allow_blank=True, help_text="The address of the account."
    )


class PasswordResetConfirmInputSerializer(StrictJSONInput):
    uid = serializers.CharField(
        max_length=64, help_text="From the mailed link: `.../reset/<uid>/<token>/`."
    )
    token = serializers.CharField(max_length=128, help_text="From the mailed link.")
    new_password = new_password_field()


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class EmailConfirmInputSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=1024, help_text="From the link mailed to you.")


class TokenPairSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.CharField(default="bearer")
    expires_in = serializers.IntegerField(
        help_text="Access token lifetime in seconds.",
        default=int(access_token_lifetime().total_seconds()),
    )


class WsTicketSerializer(serializers.Serializer):
    ticket = serializers.CharField()
    expires_in = serializers.IntegerField()


class UserCreatedSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email"]


class MeSerializer(serializers.ModelSerializer):
    avatar_url = AvatarURLField("u")
    avatar_thumbnail_url = AvatarURLField("u", small=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "display_name",
            "bio",
            "avatar_url",
            "avatar_thumbnail_url",
            "language",
            "date_joined",
            "push_previews",
            "email_digest",
            "is_bot",
        ]
        read_only_fields = fields


def visible_email(user: User, context: Mapping[str, Any]) -> str | None:
    """`user`'s email as the serializer's viewer may see it, else None.

    Only the owner (`context["viewer_id"]`) and the owner's accepted friends (ids the
    caller put in `context["friend_ids"]`, from its friendship selector) see an address.
    Without a viewer (an event that goes to several users) nobody does.
    """
    viewer_id = context.get("viewer_id")
    if viewer_id is None:
        return None
    if user.pk == viewer_id or user.pk in context.get("friend_ids", ()):
        return user.email
    return None


@extend_schema_field(
    {
        # "" is a user without an email: its own branch, not under `format: email`.
        "oneOf": [{"type": "string", "format": "email"}, {"type": "string", "maxLength": 0}],
        "nullable": True,
        "description": "Only for yourself and your accepted friends; null for anyone else.",
    }
)
class ViewerEmailField(serializers.Field):
    """A user's email for the viewer in the serializer's context (`visible_email`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, user: User) -> str | None:
        return visible_email(user, self.context)


class UserPublicSerializer(serializers.ModelSerializer):
    """How one user appears to others: never the email."""

    avatar_url = AvatarURLField("u")
    avatar_thumbnail_url = AvatarURLField("u", small=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "avatar_url",
            "avatar_thumbnail_url",
            "is_bot",
        ]
        read_only_fields = fields


class NotificationActorSerializer(serializers.ModelSerializer):
    avatar_url = AvatarURLField("u")
    avatar_thumbnail_url = AvatarURLField("u", small=True)

    class Meta:
        model = User
        fields = ["id", "username", "avatar_url", "avatar_thumbnail_url"]
        read_only_fields = fields


@extend_schema_field(
    {"type": "string", "enum": Notification.Type.values}, component_name="NotificationTypeEnum"
)
class NotificationTypeField(serializers.CharField):
    """Its own schema component: `type` enums of other models would clash by name."""


class NotificationSerializer(serializers.ModelSerializer):
    """The one notification representation: REST and the `notification` event."""

    actor = NotificationActorSerializer(
        read_only=True,
        allow_null=True,
        help_text="Who caused it; null for `report_handled` (moderators stay anonymous).",
    )
    type = NotificationTypeField(read_only=True)
    outcome = sometimes(
        serializers.ChoiceField(
            choices=["action_taken", "no_action"],
            read_only=True,
            help_text="Only for `report_handled`: whether moderators acted (never how).",
        )
    )

    class Meta:
        model = Notification
        fields = [
            "id",
            "type",
            "actor",
            "conversation_id",
            "message_id",
            "outcome",
            "is_read",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Notification) -> dict:
        data = super().to_representation(instance)
        if instance.type == Notification.Type.REPORT_HANDLED:
            data["actor"] = None
        else:
            data.pop("outcome", None)
        return data


class UserSearchQuerySerializer(serializers.Serializer):
    search = serializers.CharField(
        required=False,
        default="",
        allow_blank=True,
        max_length=150,
        help_text="Username/display-name prefix (empty: the first 20 people by username).",
    )


class NotificationQuerySerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False, help_text="Only unread ones.")
    limit = serializers.IntegerField(
        required=False,
        default=50,
        min_value=1,
        max_value=2**31,
        help_text="Page size; values over 100 are taken as 100.",
    )
    offset = serializers.IntegerField(required=False, default=0, min_value=0, max_value=10**9)


class UnreadCountSerializer(serializers.Serializer):
    unread_count = serializers.IntegerField()

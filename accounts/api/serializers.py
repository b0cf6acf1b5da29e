"""Input serializers check shape only; the services decide what is allowed."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Notification, User
from chat_project.inputs import StrictJSONInput


class RegisterInputSerializer(StrictJSONInput):
    username = serializers.CharField(max_length=64)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)


class LoginInputSerializer(StrictJSONInput):
    username = serializers.CharField(max_length=254, help_text="Username or email.")
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class RefreshInputSerializer(StrictJSONInput):
    refresh_token = serializers.CharField(max_length=2048)


class PasswordChangeInputSerializer(StrictJSONInput):
    old_password = serializers.CharField(max_length=128, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False)


class ProfileUpdateInputSerializer(StrictJSONInput):
    display_name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    bio = serializers.CharField(max_length=500, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)


class TokenPairSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.CharField(default="bearer")
    expires_in = serializers.IntegerField(
        help_text="Access token lifetime in seconds.",
        default=int(settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()),
    )


class WsTicketSerializer(serializers.Serializer):
    ticket = serializers.CharField()
    expires_in = serializers.IntegerField()


class UserCreatedSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email"]


class MeSerializer(serializers.ModelSerializer):
    avatar_url = serializers.CharField(source="avatar", read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "email", "display_name", "bio", "avatar_url", "date_joined"]
        read_only_fields = fields


class UserPublicSerializer(serializers.ModelSerializer):
    """How one user appears to others: never the email."""

    class Meta:
        model = User
        fields = ["id", "username", "display_name"]
        read_only_fields = fields


class NotificationActorSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username"]
        read_only_fields = fields


@extend_schema_field(
    {"type": "string", "enum": Notification.Type.values}, component_name="NotificationTypeEnum"
)
class NotificationTypeField(serializers.CharField):
    """Its own schema component: `type` enums of other models would clash by name."""


class NotificationSerializer(serializers.ModelSerializer):
    """The one notification representation: REST and the `notification` event."""

    actor = NotificationActorSerializer(read_only=True)
    type = NotificationTypeField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "type", "actor", "conversation_id", "message_id", "is_read", "created_at"]
        read_only_fields = fields


class NotificationQuerySerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=False)
    limit = serializers.IntegerField(
        required=False, default=50, min_value=1, max_value=2**31, help_text="At most 100."
    )
    offset = serializers.IntegerField(required=False, default=0, min_value=0, max_value=10**9)


class UnreadCountSerializer(serializers.Serializer):
    unread_count = serializers.IntegerField()

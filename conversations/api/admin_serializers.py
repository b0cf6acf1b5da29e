"""Shapes of a group's administration: roles, ownership, bans, invite links."""

from rest_framework import serializers

from chat_project import avatars
from chat_project.api import iso_datetime
from chat_project.avatars import AvatarURLField
from chat_project.ids import MAX_ID
from chat_project.inputs import StrictJSONInput
from conversations import services
from conversations.models import ConversationBan, ConversationInvite

#: A link's code as the routes accept it (`secrets.token_urlsafe(12)` makes 16).
INVITE_CODE_PATTERN = r"[A-Za-z0-9_-]{1,32}"


class MemberRoleInputSerializer(StrictJSONInput):
    role = serializers.ChoiceField(choices=list(services.ASSIGNABLE_ROLES))


class OwnershipTransferInputSerializer(StrictJSONInput):
    user_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class BanInputSerializer(StrictJSONInput):
    user_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class BannedUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    avatar_thumbnail_url = AvatarURLField("u", small=True)


class BanSerializer(serializers.ModelSerializer):
    user = BannedUserSerializer()

    class Meta:
        model = ConversationBan
        fields = ["user", "banned_by_id", "reason", "created_at"]
        read_only_fields = fields


class InviteCreateInputSerializer(StrictJSONInput):
    expires_in = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=int(services.INVITE_MIN_LIFETIME.total_seconds()),
        max_value=int(services.INVITE_MAX_LIFETIME.total_seconds()),
        help_text="Seconds until the link expires; null: never.",
    )
    max_uses = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        max_value=services.INVITE_MAX_USES,
        help_text="How many people may join through it; null: any number.",
    )


class InviteSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The web page that previews and joins.")

    class Meta:
        model = ConversationInvite
        fields = ["code", "url", "created_by_id", "created_at", "expires_at", "max_uses", "uses"]
        read_only_fields = fields

    def get_url(self, invite: ConversationInvite) -> str:
        path = f"/invite/{invite.code}/"
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class InvitePreviewSerializer(serializers.Serializer):
    """What a link shows before joining: nothing a stranger should not see."""

    code = serializers.CharField()
    name = serializers.CharField()
    avatar_url = serializers.CharField(allow_null=True)
    avatar_thumbnail_url = serializers.CharField(allow_null=True)
    is_public = serializers.BooleanField()
    member_count = serializers.IntegerField()
    max_participants = serializers.IntegerField(allow_null=True)
    is_full = serializers.BooleanField()
    expires_at = serializers.DateTimeField(allow_null=True)
    is_member = serializers.BooleanField(help_text="You are in the group already.")
    conversation_id = serializers.IntegerField(
        allow_null=True, help_text="The group's id, for a member only (null otherwise)."
    )


def invite_preview(invite: ConversationInvite, *, member_count: int, is_member: bool) -> dict:
    conversation = invite.conversation
    avatar_url, avatar_thumbnail_url = avatars.urls("c", conversation.id, conversation.avatar)
    cap = conversation.max_participants
    return {
        "code": invite.code,
        "name": conversation.name,
        "avatar_url": avatar_url,
        "avatar_thumbnail_url": avatar_thumbnail_url,
        "is_public": conversation.is_public,
        "member_count": member_count,
        "max_participants": cap,
        "is_full": cap is not None and member_count >= cap,
        "expires_at": iso_datetime(invite.expires_at),
        "is_member": is_member,
        "conversation_id": conversation.id if is_member else None,
    }

"""The friends API's representations; events.py reuses them so REST and WebSocket agree."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import ViewerEmailField
from accounts.models import User
from accounts.status import shown_last_seen, shown_status
from chat_project.api import StrictCharField, iso_datetime
from chat_project.avatars import AvatarURLField
from chat_project.inputs import StrictJSONInput
from friends.models import Block, Friendship

OFFLINE = "offline"
SHOWN_STATUSES = ("online", "away", "dnd", OFFLINE)
CHOOSABLE_STATUSES = ("online", "away", "dnd", "invisible")
STATUS_HELP = "online, away, dnd (do not disturb) or offline; an invisible friend is offline."
LAST_SEEN_HELP = (
    "When an offline friend's last connection closed; null while online, unknown, or "
    "hidden (they were invisible)."
)


def shown_presence(user: User, connected: bool) -> str:
    """What a friend sees of `user` (accounts.status: invisible is offline)."""
    return (shown_status(user.status, user.idle) if connected else None) or OFFLINE


def presence_last_seen(user: User, status: str) -> str | None:
    if status != OFFLINE:
        return None
    return iso_datetime(shown_last_seen(user.status, user.last_seen_at))


class FriendRequestInputSerializer(serializers.Serializer):
    username = StrictCharField(max_length=150)


class RequestPartySerializer(serializers.ModelSerializer):
    """A party of a request as the contract shows it, plus the display name UIs need.

    `email`: your own, or the other party's once the request is accepted (you are
    friends then); null otherwise.
    """

    email = ViewerEmailField()
    avatar_url = AvatarURLField("u")
    avatar_thumbnail_url = AvatarURLField("u", small=True)

    class Meta:
        model = User
        fields = ["id", "username", "email", "display_name", "avatar_url", "avatar_thumbnail_url"]
        read_only_fields = fields


class FriendRequestSerializer(serializers.ModelSerializer):
    """The one friend-request representation: REST bodies and `friend_request*` events.

    Context: `viewer_id`, the user it is for (each event goes to one user, so it is
    built for that user). Without it no email is shown.
    """

    requester = serializers.SerializerMethodField()
    receiver = serializers.SerializerMethodField()

    class Meta:
        model = Friendship
        fields = ["id", "requester", "receiver", "status", "created_at"]
        read_only_fields = fields

    def _party(self, friendship: Friendship, user: User) -> dict:
        pair = (friendship.requester_id, friendship.receiver_id)
        accepted = friendship.status == Friendship.Status.ACCEPTED
        friends = pair if accepted and self.context.get("viewer_id") in pair else ()
        return RequestPartySerializer(user, context={**self.context, "friend_ids": friends}).data

    @extend_schema_field(RequestPartySerializer)
    def get_requester(self, friendship: Friendship) -> dict:
        return self._party(friendship, friendship.requester)

    @extend_schema_field(RequestPartySerializer)
    def get_receiver(self, friendship: Friendship) -> dict:
        return self._party(friendship, friendship.receiver)


class FriendRequestSentSerializer(serializers.Serializer):
    message = serializers.CharField()
    request = FriendRequestSerializer()


class StatusMessageSerializer(serializers.Serializer):
    """`{message}` confirmations of the friends endpoints."""

    message = serializers.CharField()


class FriendSerializer(serializers.ModelSerializer):
    """A friend; `is_online` comes from the presence store, looked up once per list.

    Context: `viewer_id` and `friend_ids` (the viewer's accepted friends, who may see
    each other's email) besides `online_ids`.
    """

    email = ViewerEmailField()
    is_online = serializers.SerializerMethodField(help_text="Connected and not invisible.")
    status = serializers.SerializerMethodField(help_text=STATUS_HELP)
    last_seen = serializers.SerializerMethodField(help_text=LAST_SEEN_HELP)
    avatar_url = AvatarURLField("u")
    avatar_thumbnail_url = AvatarURLField("u", small=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "display_name",
            "is_online",
            "status",
            "last_seen",
            "avatar_url",
            "avatar_thumbnail_url",
        ]
        read_only_fields = fields

    def get_is_online(self, user: User) -> bool:
        return self.get_status(user) != OFFLINE

    @extend_schema_field(serializers.ChoiceField(choices=SHOWN_STATUSES))
    def get_status(self, user: User) -> str:
        return shown_presence(user, user.pk in self.context.get("online_ids", ()))

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_last_seen(self, user: User) -> str | None:
        return presence_last_seen(user, self.get_status(user))


class BlockSerializer(serializers.ModelSerializer):
    """A blocked user: `id` is the user's id, the one `DELETE /api/users/{id}/block` takes."""

    id = serializers.IntegerField(source="blocked.id", read_only=True)
    username = serializers.CharField(source="blocked.username", read_only=True)
    display_name = serializers.CharField(source="blocked.display_name", read_only=True)
    blocked_at = serializers.DateTimeField(source="created_at", read_only=True)
    avatar_url = AvatarURLField("u", source="blocked")
    avatar_thumbnail_url = AvatarURLField("u", small=True, source="blocked")

    class Meta:
        model = Block
        fields = [
            "id",
            "username",
            "display_name",
            "blocked_at",
            "avatar_url",
            "avatar_thumbnail_url",
        ]
        read_only_fields = fields


class PendingRequestRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The request's id (accept, reject or cancel it).")
    direction = serializers.ChoiceField(
        choices=["incoming", "outgoing"], help_text="`incoming`: they asked you."
    )


class UserProfileSerializer(serializers.ModelSerializer):
    """A person as the viewer sees them (`GET /api/users/{id}`): public profile fields and
    what the two are to each other. Never an email. Context: `relationship`
    (friends.selectors.Relationship) and `is_online` (None unless friends)."""

    avatar_url = AvatarURLField("u")
    avatar_thumbnail_url = AvatarURLField("u", small=True)
    is_friend = serializers.SerializerMethodField()
    is_online = serializers.SerializerMethodField(
        help_text="Presence, for friends only (null for anyone else)."
    )
    status = serializers.SerializerMethodField(help_text=STATUS_HELP + " Null unless friends.")
    last_seen = serializers.SerializerMethodField(help_text=LAST_SEEN_HELP)
    blocked = serializers.SerializerMethodField(help_text="You block this user.")
    friend_request = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "bio",
            "avatar_url",
            "avatar_thumbnail_url",
            "is_friend",
            "is_online",
            "status",
            "last_seen",
            "blocked",
            "friend_request",
            "is_bot",
        ]
        read_only_fields = fields

    def get_is_friend(self, user: User) -> bool:
        return bool(self.context["relationship"].is_friend)

    def get_is_online(self, user: User) -> bool | None:
        status = self.get_status(user)
        return None if status is None else status != OFFLINE

    @extend_schema_field(serializers.ChoiceField(choices=SHOWN_STATUSES, allow_null=True))
    def get_status(self, user: User) -> str | None:
        connected = self.context.get("is_online")
        return None if connected is None else shown_presence(user, connected)

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_last_seen(self, user: User) -> str | None:
        status = self.get_status(user)
        return None if status is None else presence_last_seen(user, status)

    def get_blocked(self, user: User) -> bool:
        return bool(self.context["relationship"].blocked)

    @extend_schema_field(PendingRequestRefSerializer(allow_null=True))
    def get_friend_request(self, user: User) -> dict | None:
        return self.context["relationship"].friend_request


class StatusInputSerializer(StrictJSONInput):
    """`PUT /api/users/me/status`: a field left out keeps its value."""

    status = serializers.ChoiceField(
        choices=CHOOSABLE_STATUSES,
        required=False,
        help_text="online (automatic: away when idle), away, dnd (do not disturb: no "
        "alerts anywhere) or invisible (look offline while connected).",
    )
    idle = serializers.BooleanField(
        required=False, help_text="The client saw no input for a while (automatic away)."
    )


class OwnStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CHOOSABLE_STATUSES)
    idle = serializers.BooleanField()
    shown_as = serializers.ChoiceField(
        choices=SHOWN_STATUSES, help_text="What your friends see while you are connected."
    )
    last_seen = serializers.DateTimeField(allow_null=True)

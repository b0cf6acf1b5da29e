"""The conversation representation (REST and events) and the input shapes.

A conversation shows its `last_message` as messaging represents messages, and how many of
them mention you unread; but messaging sits above conversations, so it is not imported
here: messaging hands in those facts at start-up (`use_message_facts`, from
`messaging.apps`), and the schema names its `Message` component (docs/architecture.md,
"The REST layer composes").
"""

from collections.abc import Iterable
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chat_project import avatars
from chat_project.api import iso_datetime
from chat_project.avatars import AvatarURLField
from chat_project.ids import MAX_ID
from chat_project.inputs import StrictJSONInput
from chat_project.openapi import NOT_BLANK, document
from conversations.attention import LEVELS, attention_from_row
from conversations.models import Conversation
from conversations.selectors import ConversationRow

MAX_USER_IDS = settings.CONVERSATION_MAX_ADD_PER_REQUEST
MAX_PARTICIPANTS_LIMIT = settings.CONVERSATION_MAX_PARTICIPANTS_LIMIT

#: What a conversation's representation is built from: an instance, or a row of a list.
Shown = Conversation | ConversationRow


class MessageFacts(Protocol):
    """What a conversation shows of its messages, which messaging knows."""

    def last_messages(self, message_ids: list[int], viewer_id: int | None) -> dict[int, dict]:
        """Message id -> representation (attachment URLs signed for nobody)."""
        ...

    def for_viewer(self, message: dict | None, viewer_id: int | None) -> dict | None:
        """A representation with its attachment URLs signed for `viewer_id`."""
        ...

    def unread_mentions(self, viewer_id: int, conversation_ids: list[int] | None) -> dict[int, int]:
        """Conversation id -> unread messages that mention the viewer."""
        ...


_facts: MessageFacts | None = None


def use_message_facts(facts: MessageFacts) -> None:
    """Called once by the app that owns messages (`messaging.apps.MessagingConfig.ready`)."""
    global _facts
    _facts = facts


def message_facts() -> MessageFacts:
    if _facts is None:
        raise ImproperlyConfigured("messaging did not hand in its message facts")
    return _facts


def last_messages_for(
    conversations: Iterable[Shown], viewer_id: int | None = None
) -> dict[int, dict]:
    """The last message of every conversation given, represented (none if there is
    nothing); reactions show `viewer_id`'s `me`, attachment URLs are signed for nobody
    (`ConversationSerializer` signs them for its viewer)."""
    ids = [c.last_message_id for c in conversations if c.last_message_id]
    return message_facts().last_messages(ids, viewer_id) if ids else {}


def unread_mentions_for(viewer_id: int, conversation_ids: list[int] | None = None) -> dict:
    """`unread_mentions` of the viewer's conversations (or of those given), in one query."""
    return message_facts().unread_mentions(viewer_id, conversation_ids)


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="user_id")
    username = serializers.CharField(source="user.username")
    display_name = serializers.CharField(source="user.display_name")
    role = serializers.CharField()
    avatar_url = AvatarURLField("u", source="user")
    avatar_thumbnail_url = AvatarURLField("u", small=True, source="user")
    is_bot = serializers.BooleanField(source="user.is_bot", help_text="A bot: shown with a tag.")


class ConversationSerializer(serializers.ModelSerializer):
    """A conversation as the contract describes it (from a model instance, or from a
    `selectors.ConversationRow` in lists).

    Context: `viewer_id` (whose `unread_count`/`unread_mentions`/`last_read_message_id`
    to show; without it those per-user fields are left out, as in `conversation_updated`
    events that go to every member), `last_messages` (from `last_messages_for`, so a list
    costs one query) and `unread_mentions` (from `unread_mentions_for`, likewise).
    """

    avatar_url = AvatarURLField("c")
    avatar_thumbnail_url = AvatarURLField("c", small=True)
    member_ids = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()
    last_message = serializers.SerializerMethodField()
    unread_count = serializers.SerializerMethodField()
    unread_mentions = serializers.SerializerMethodField(
        help_text="Unread messages that mention you (not your own, not deleted, not across "
        "a block)."
    )
    last_read_message_id = serializers.SerializerMethodField()
    notification_level = serializers.ChoiceField(
        choices=LEVELS,
        read_only=True,
        help_text="Which new messages alert you (desktop, push): yours, or the default of "
        "the kind (direct and groups `all`, public rooms `mentions`).",
    )
    muted_until = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="No alert before this instant; unread counts go on. "
        "`9999-12-31T00:00:00Z` is muted until you unmute.",
    )

    class Meta:
        model = Conversation
        fields = [
            "id",
            "type",
            "name",
            "description",
            "is_public",
            "max_participants",
            "private_pair_key",
            "avatar_url",
            "avatar_thumbnail_url",
            "member_ids",
            "members",
            "created_at",
            "last_message",
            "unread_count",
            "unread_mentions",
            "last_read_message_id",
            "notification_level",
            "muted_until",
        ]
        read_only_fields = fields

    def _last_message(self, obj: Shown) -> dict | None:
        if not obj.last_message_id:
            return None
        # The caller's cache, shared by the serializers of one list or event.
        cache: dict[int, dict] = self.context.get("last_messages", {})
        if obj.last_message_id not in cache:  # a single conversation: fetch just this one
            cache.update(last_messages_for([obj], self.context.get("viewer_id")))
        viewer_id = self.context.get("viewer_id")
        return message_facts().for_viewer(cache.get(obj.last_message_id), viewer_id)

    def _member_rows(self, obj: Shown) -> list[dict]:
        """Plain member rows: attached by `selectors.conversation_page_for_user`, else
        read from the prefetched memberships (single conversations, events)."""
        if isinstance(obj, ConversationRow):
            return obj.member_rows
        return [
            {
                "user_id": m.user_id,
                "role": m.role,
                "last_read_seq": m.last_read_seq,
                "last_read_message_id": m.last_read_message_id,
                "notification_level": m.notification_level,
                "muted_until": m.muted_until,
                "user__username": m.user.username,
                "user__display_name": m.user.display_name,
                "user__is_bot": m.user.is_bot,
                "user__avatar": m.user.avatar,
            }
            for m in obj.memberships.all()
        ]

    # The SerializerMethodFields above describe the schema; `to_representation` builds the
    # output directly (DRF's field machinery was most of the cost of a 1,000-conversation
    # list: docs/benchmarks.md, convlist-1k).
    def get_member_ids(self, obj: Shown) -> list[int]:
        return [row["user_id"] for row in self._member_rows(obj)]

    @extend_schema_field(MemberSerializer(many=True))
    def get_members(self, obj: Shown) -> list[dict]:
        members = []
        for row in self._member_rows(obj):
            avatar_url, avatar_thumbnail_url = avatars.urls(
                "u", row["user_id"], row["user__avatar"]
            )
            members.append(
                {
                    "id": row["user_id"],
                    "username": row["user__username"],
                    "display_name": row["user__display_name"],
                    "role": row["role"],
                    "avatar_url": avatar_url,
                    "avatar_thumbnail_url": avatar_thumbnail_url,
                    "is_bot": row["user__is_bot"],
                }
            )
        return members

    # Messaging's `MessageSerializer`, named by its component (see the module docstring).
    @extend_schema_field({"allOf": [{"$ref": "#/components/schemas/Message"}], "nullable": True})
    def get_last_message(self, obj: Shown) -> dict | None:
        return self._last_message(obj)

    def _viewer_row(self, obj: Shown) -> dict | None:
        viewer_id = self.context.get("viewer_id")
        return next((r for r in self._member_rows(obj) if r["user_id"] == viewer_id), None)

    def _viewer_fields(self, obj: Shown) -> tuple[int, int | None]:
        """(unread_count, last_read_message_id) of the viewer, from one scan of the rows."""
        mine = self._viewer_row(obj)
        if mine is None:
            return 0, None
        return max(0, obj.last_seq - mine["last_read_seq"]), mine["last_read_message_id"]

    def get_unread_count(self, obj: Shown) -> int:
        return self._viewer_fields(obj)[0]

    def get_last_read_message_id(self, obj: Shown) -> int | None:
        return self._viewer_fields(obj)[1]

    def get_unread_mentions(self, obj: Shown) -> int:
        counts = self.context.get("unread_mentions")
        if counts is None:  # a single conversation: count just this one
            viewer_id = self.context.get("viewer_id")
            counts = unread_mentions_for(viewer_id, [obj.id]) if viewer_id is not None else {}
        return counts.get(obj.id, 0)

    def to_representation(self, instance: Shown) -> dict:
        avatar_url, avatar_thumbnail_url = avatars.urls("c", instance.id, instance.avatar)
        data = {
            "id": instance.id,
            "type": instance.type,
            "name": instance.name,
            "description": instance.description,
            "is_public": instance.is_public,
            "max_participants": instance.max_participants,
            "private_pair_key": instance.private_pair_key,
            "avatar_url": avatar_url,
            "avatar_thumbnail_url": avatar_thumbnail_url,
            "member_ids": self.get_member_ids(instance),
            "members": self.get_members(instance),
            "created_at": iso_datetime(instance.created_at),
            "last_message": self.get_last_message(instance),
        }
        if self.context.get("viewer_id") is not None:
            data["unread_count"], data["last_read_message_id"] = self._viewer_fields(instance)
            data["unread_mentions"] = self.get_unread_mentions(instance)
            data["notification_level"], data["muted_until"] = self._viewer_attention(instance)
        return data

    def _viewer_attention(self, obj: Shown) -> tuple[str, str | None]:
        mine = self._viewer_row(obj) or {}
        attention = attention_from_row(
            type=obj.type,
            is_public=obj.is_public,
            level=mine.get("notification_level"),
            muted_until=mine.get("muted_until"),
        )
        return attention.level, iso_datetime(attention.muted_until)


class PublicRoomSerializer(serializers.ModelSerializer):
    """The summary of a public room that anyone logged in may see before joining."""

    member_count = serializers.IntegerField()
    is_full = serializers.SerializerMethodField()
    last_activity = serializers.DateTimeField()
    avatar_url = AvatarURLField("c")
    avatar_thumbnail_url = AvatarURLField("c", small=True)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "name",
            "description",
            "avatar_url",
            "avatar_thumbnail_url",
            "member_count",
            "max_participants",
            "is_full",
            "last_activity",
        ]
        read_only_fields = fields

    def get_is_full(self, obj: Conversation) -> bool:
        members: int = obj.member_count  # type: ignore[attr-defined]  # annotated by the selector
        return obj.max_participants is not None and members >= obj.max_participants


# --- Input: shape only; the services decide what is allowed --------------------------


def _user_ids_field(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=MAX_USER_IDS,
        **kwargs,
    )


class ConversationCreateInputSerializer(StrictJSONInput):
    type = serializers.ChoiceField(choices=Conversation.Type.choices)
    member_user_ids = _user_ids_field(allow_empty=True, required=False, default=list)
    name = serializers.CharField(
        required=False, allow_blank=True, max_length=100, trim_whitespace=True
    )
    description = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, trim_whitespace=True
    )
    is_public = serializers.BooleanField(required=False, default=False)
    max_participants = serializers.IntegerField(
        required=False, allow_null=True, min_value=2, max_value=MAX_ID
    )


def _max_participants_field() -> serializers.IntegerField:
    # The service checks the limit (a setting) and "not below the members already in".
    return document(
        serializers.IntegerField(required=False, allow_null=True, min_value=2, max_value=MAX_ID),
        maximum=MAX_PARTICIPANTS_LIMIT,
        description="No cap when null; never below the number of members.",
    )


class ConversationUpdateInputSerializer(StrictJSONInput):
    # A group's name may not be blank: the service says so, after the admin check.
    name = document(
        serializers.CharField(required=False, allow_blank=True, max_length=100),
        pattern=NOT_BLANK,
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    is_public = serializers.BooleanField(required=False)
    max_participants = _max_participants_field()


# The body of `POST /api/conversations` as the schema gives it: one shape per type. The
# view reads it with ConversationCreateInputSerializer and the services do the rest.


class DirectConversationCreateInputSerializer(serializers.Serializer):
    """A direct chat with a friend: `201`, or `200` with the one that exists already."""

    type = serializers.ChoiceField(choices=[Conversation.Type.DIRECT.value])
    member_user_ids = document(_user_ids_field(), minItems=1, maxItems=1)


class GroupConversationCreateInputSerializer(serializers.Serializer):
    """A group whose admin is the creator; the members named must be the creator's friends."""

    type = serializers.ChoiceField(choices=[Conversation.Type.GROUP.value])
    name = serializers.CharField(max_length=100)
    member_user_ids = _user_ids_field(
        required=False, help_text="The creator's friends to add; may be empty."
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    is_public = serializers.BooleanField(required=False, default=False)
    max_participants = _max_participants_field()


class MembersAddInputSerializer(StrictJSONInput):
    user_ids = _user_ids_field(allow_empty=False)


class PublicRoomQuerySerializer(serializers.Serializer):
    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        default="",
        help_text="Text in the name or the description.",
    )
    limit = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        default=50,
        help_text="Page size; values over 100 are taken as 100.",
    )
    offset = serializers.IntegerField(required=False, min_value=0, max_value=10**9, default=0)


class NotificationSettingsInputSerializer(StrictJSONInput):
    """`PUT /api/conversations/{id}/notifications`: a field left out keeps its value."""

    level = serializers.ChoiceField(
        choices=LEVELS,
        required=False,
        allow_null=True,
        help_text="`all`, `mentions` or `nothing`; null goes back to the kind's default.",
    )
    muted_until = document(
        serializers.CharField(
            required=False,
            allow_null=True,
            max_length=64,
            help_text='An ISO 8601 instant, `"forever"` (until you unmute) or null (unmute). '
            "An instant in the past unmutes.",
        ),
        # What conversations.services.notifications.clean_muted_until takes.
        anyOf=[{"format": "date-time"}, {"enum": ["forever"]}],
    )


class NotificationSettingsSerializer(serializers.Serializer):
    """Your alert settings of one conversation (also the `notification_settings_changed`
    event's body)."""

    conversation_id = serializers.IntegerField()
    notification_level = serializers.ChoiceField(choices=LEVELS)
    notification_level_chosen = serializers.BooleanField(
        help_text="False: the level is the default of the conversation's kind."
    )
    muted_until = serializers.DateTimeField(allow_null=True)

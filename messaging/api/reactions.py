"""REST for reactions: `/api/messages/{id}/reactions[/{emoji}]` (docs/api.md, Reactions).

A mixin of `MessageViewSet`, so the routes sit under the message they belong to:

* `PUT .../reactions/{emoji}` adds yours (`201`; `200` when you had it already),
* `DELETE .../reactions/{emoji}` takes it away (`204`, also when you had none),
* `GET .../reactions[?emoji=]` lists who reacted, oldest first, paginated.

The emoji travels URL-encoded in the path (`%F0%9F%91%8D` for 👍); the server checks it
is exactly one emoji (messaging.emoji).
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.api.pagination import paginated
from accounts.request_user import request_user
from chat_project.openapi import PAGINATION_HEADERS, invalid
from messaging import selectors, services
from messaging.emoji import EMOJI_MAX_CODE_POINTS
from messaging.models import Reaction

from .serializers import ReplySenderSerializer, StrictIntegerField

EMOJI_HELP = (
    "Exactly one emoji as a keyboard types it (a ZWJ sequence, a skin tone, a flag or a "
    f"keycap is one; at most {EMOJI_MAX_CODE_POINTS} code points), URL-encoded in a path; "
    "not text, not a :shortcode:. Compared exactly as sent."
)
EMOJI_PARAMETER = OpenApiParameter(
    "emoji",
    {"type": "string", "minLength": 1, "maxLength": 64},
    OpenApiParameter.PATH,
    description=EMOJI_HELP,
)
NOT_ONE_EMOJI = "anything but exactly one emoji (`emoji`)"
DELETED = "a deleted message"


class ReactionChangeSerializer(serializers.Serializer):
    """A reaction added or removed: also the body of `reaction_added`/`reaction_removed`."""

    conversation_id = serializers.IntegerField()
    message_id = serializers.IntegerField()
    emoji = serializers.CharField()
    user_id = serializers.IntegerField(help_text="Who reacted.")
    count = serializers.IntegerField(help_text="How many have this emoji on the message now.")
    change_seq = serializers.IntegerField(help_text="The message's latest change number.")


class ReactionSerializer(serializers.Serializer):
    """One person's reaction."""

    emoji = serializers.CharField()
    user = ReplySenderSerializer()
    created_at = serializers.DateTimeField()

    def to_representation(self, instance: Reaction) -> dict:
        user = instance.user
        return {
            "emoji": instance.emoji,
            "user": {"id": user.id, "username": user.username, "display_name": user.display_name},
            "created_at": serializers.DateTimeField().to_representation(instance.created_at),
        }


class ReactionListQuerySerializer(serializers.Serializer):
    emoji = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="Only this emoji (empty: all). " + EMOJI_HELP,
    )
    limit = StrictIntegerField(
        required=False,
        default=50,
        min_value=1,
        max_value=2**31,
        help_text="Page size; values over 100 are taken as 100.",
    )
    offset = StrictIntegerField(required=False, default=0, min_value=0, max_value=10**9)


class ReactionActions:
    """The reaction routes of `MessageViewSet`."""

    def _message_id(self, pk: str) -> int:
        """The path's message id (404 for anything else): `MessageViewSet` says how."""
        raise NotImplementedError

    @extend_schema(
        parameters=[ReactionListQuerySerializer, *PAGINATION_HEADERS],
        responses={
            200: ReactionSerializer(many=True),
            400: invalid("an `emoji` that is not exactly one emoji (`emoji`)."),
        },
    )
    @action(detail=True, methods=["get"], url_path="reactions")
    def reactions(self, request: Request, pk: str) -> Response:
        """Who reacted to a message, oldest first (none on a deleted message)."""
        message_id = self._message_id(pk)
        query = ReactionListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        emoji = query.validated_data.get("emoji") or None
        reactions = selectors.reaction_list_for_user(
            user_id=request_user(request).id,
            message_id=message_id,
            emoji=services.clean_emoji(emoji) if emoji is not None else None,
        )
        return paginated(
            request,
            reactions,
            lambda page: [ReactionSerializer().to_representation(r) for r in page],
            limit=query.validated_data["limit"],
            offset=query.validated_data["offset"],
            params={"emoji": emoji} if emoji is not None else None,
        )

    @extend_schema(
        parameters=[EMOJI_PARAMETER],
        request=None,
        responses={
            201: ReactionChangeSerializer,
            200: ReactionChangeSerializer,
            400: invalid(
                f"{NOT_ONE_EMOJI}; a new emoji over REACTION_MAX_EMOJI_PER_MESSAGE "
                f"(`emoji`); {DELETED}."
            ),
        },
        methods=["PUT"],
    )
    @extend_schema(
        parameters=[EMOJI_PARAMETER],
        request=None,
        responses={204: None, 400: invalid(f"{NOT_ONE_EMOJI}; {DELETED}.")},
        methods=["DELETE"],
    )
    @action(detail=True, methods=["put", "delete"], url_path=r"reactions/(?P<emoji>[^/]+)")
    def reaction(self, request: Request, pk: str, emoji: str) -> Response:
        """`PUT` adds your reaction (idempotent), `DELETE` takes it away (idempotent)."""
        message_id = self._message_id(pk)
        actor = request_user(request)
        if request.method == "DELETE":
            services.reaction_remove(actor=actor, message_id=message_id, emoji=emoji)
            return Response(status=status.HTTP_204_NO_CONTENT)
        change, created = services.reaction_add(actor=actor, message_id=message_id, emoji=emoji)
        body = {key: value for key, value in change.items() if key != "type"}
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

"""REST for pins: `PUT`/`DELETE /api/messages/{id}/pin` (docs/api.md, Pins); the list is
`GET /api/conversations/{id}/pins` (conversation_routes)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.request_user import request_user
from chat_project.openapi import error, invalid
from messaging import services

from .serializers import MessageSerializer, represent_messages

WHO_MAY_PIN = error("A group member who is not its admin, or a blocked direct chat.")


class PinActions:
    """The pin route of `MessageViewSet`."""

    def _message_id(self, pk: str) -> int:
        """The path's message id (404 for anything else): `MessageViewSet` says how."""
        raise NotImplementedError

    @extend_schema(
        request=None,
        responses={
            200: MessageSerializer,
            400: invalid(
                "a deleted message; a new pin over PINS_MAX_PER_CONVERSATION (`non_field_errors`)."
            ),
            403: WHO_MAY_PIN,
        },
        methods=["PUT"],
    )
    @extend_schema(request=None, responses={204: None, 403: WHO_MAY_PIN}, methods=["DELETE"])
    @action(detail=True, methods=["put", "delete"])
    def pin(self, request: Request, pk: str) -> Response:
        """`PUT` pins the message (`200` with it, pinned; idempotent), `DELETE` unpins it
        (`204`, idempotent)."""
        message_id = self._message_id(pk)
        if request.method == "DELETE":
            services.message_unpin(actor=request_user(request), message_id=message_id)
            return Response(status=status.HTTP_204_NO_CONTENT)
        message, _pinned = services.message_pin(actor=request_user(request), message_id=message_id)
        return Response(represent_messages([message], viewer_id=request_user(request).id)[0])

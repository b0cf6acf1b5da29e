"""`/api/uploads`: files to attach to a message (docs/api.md, "Uploads and attachments").

Multipart with one field, `file`. The answer is the attachment as messages will carry it,
with URLs signed for the uploader; `attachment_ids` of `POST /api/messages` (or the
WebSocket's `send_message`) then puts it into one message.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import BaseRouter

from accounts.request_user import request_user
from chat_project import api, uploads
from chat_project.api import iso_datetime
from chat_project.ids import id_or_404
from chat_project.openapi import error, invalid
from messaging import services
from messaging.attachments import as_row, attachment_representation
from messaging.models import Attachment

from . import serializers as s

TOO_LARGE = error(
    "Over UPLOAD_MAX_BYTES, nothing stored (`file_too_large`); or your uploads would pass "
    "UPLOAD_QUOTA_BYTES (`quota_exceeded`)."
)
FILE_REFUSED = invalid(
    "an empty file; an image with more pixels than UPLOAD_MAX_PIXELS (a decompression "
    "bomb) or one whose bytes cannot be decoded."
)


def upload_representation(attachment: Attachment, viewer_id: int) -> dict:
    data = attachment_representation(as_row(attachment), viewer_id)
    data["created_at"] = iso_datetime(attachment.created_at)
    return data


class UploadViewSet(api.ViewSet):
    """Upload a file; delete your own upload that no message has taken yet."""

    serializer_class = s.UploadSerializer
    parser_classes = [MultiPartParser]
    queryset = api.schema_only(Attachment)

    @extend_schema(
        request={"multipart/form-data": uploads.FileInputSerializer},
        responses={
            201: s.UploadSerializer,
            400: FILE_REFUSED,
            413: TOO_LARGE,
            415: uploads.NOT_MULTIPART,
        },
    )
    def create(self, request: Request) -> Response:
        user = request_user(request)
        file = uploads.uploaded_file(request)
        attachment = services.attachment_upload(actor=user, file=file)
        return Response(upload_representation(attachment, user.id), status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={
            204: None,
            404: error("Not your upload, or attached to a message already (`not_found`)."),
        },
    )
    def destroy(self, request: Request, pk: str) -> Response:
        attachment_id = id_or_404(pk, services.UPLOAD_NOT_FOUND)
        services.attachment_delete(actor=request_user(request), attachment_id=attachment_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router: BaseRouter) -> None:
    """Add this module's viewset to the project's one router."""
    router.register("uploads", UploadViewSet, basename="uploads")

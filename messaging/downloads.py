"""`/files/<id>/<token>/...`: an attachment's file or thumbnail, behind its signed URL.

No session or Authorization header is needed (the URL is the viewer's credential, so
`<img src>` works for the web UI and token clients alike), but the permission is checked
again on every request (`attachments.download_allowed`). Every refusal — a bad or
expired token, someone who left the conversation, a deleted message, an upload of
somebody else — is the same 404, so a URL tells nothing about what it pointed to.
"""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponseBase
from django.views.decorators.http import require_safe

from chat_project.file_responses import file_response

from . import attachments
from .models import Attachment

NOT_FOUND = "File not found."


def _serve(attachment_id: int, token: str, *, thumbnail: bool) -> HttpResponseBase:
    viewer_id = attachments.token_viewer(attachment_id, token)
    if viewer_id is None:
        raise Http404(NOT_FOUND)
    attachment = Attachment.objects.select_related("message").filter(pk=attachment_id).first()
    if attachment is None or not attachments.download_allowed(attachment, viewer_id):
        raise Http404(NOT_FOUND)
    if thumbnail:
        if not attachment.thumbnail:
            raise Http404(NOT_FOUND)
        stem = attachment.name.rsplit(".", 1)[0]
        return file_response(
            attachment.thumbnail,
            content_type="image/webp",
            download_name=f"{stem}.webp",
            max_age=settings.ATTACHMENT_URL_MAX_AGE,
        )
    return file_response(
        attachment.file,
        content_type=attachment.content_type,
        download_name=attachment.name,
        max_age=settings.ATTACHMENT_URL_MAX_AGE,
    )


@require_safe
def file(request: HttpRequest, attachment_id: int, token: str, name: str) -> HttpResponseBase:
    """The file as stored (re-encoded for images); `name` is only for the browser."""
    return _serve(attachment_id, token, thumbnail=False)


@require_safe
def thumbnail(request: HttpRequest, attachment_id: int, token: str, name: str) -> HttpResponseBase:
    """An image's thumbnail (WebP, at most 400 px a side)."""
    return _serve(attachment_id, token, thumbnail=True)

"""Serving an export's file to its owner, and to nobody else (a stranger's is 404)."""

from django.http import HttpResponseBase

from accounts.models import User
from chat_project.exceptions import Conflict, Gone
from chat_project.file_responses import file_response

from . import selectors
from .models import Export


def export_file_response(*, user: User, export_id: object) -> HttpResponseBase:
    export = selectors.export_get_for_user(user=user, export_id=export_id)
    if selectors.export_is_expired(export):
        raise Gone("This export has expired; request a new one.", code="export_expired")
    if export.status != Export.Status.READY or not export.file:
        raise Conflict("This export is not ready.", code="export_not_ready")
    stamp = export.created_at.strftime("%Y-%m-%d")
    return file_response(
        export.file,
        content_type="application/json",
        download_name=f"chat-export-{user.username}-{stamp}.json",
        max_age=0,
    )

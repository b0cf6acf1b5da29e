"""Responses that hand out a stored file (attachments, avatars), with the headers that
keep a user's file from ever acting as a page of this site.

- `Content-Type` is the type sniffed at upload time, and `X-Content-Type-Options: nosniff`
  stops browsers from guessing another one;
- `Content-Security-Policy: default-src 'none'; sandbox`: even opened directly, a file
  runs no script, loads nothing and gets a unique origin;
- `Content-Disposition: attachment` for everything but the safe raster images
  (`chat_project.images.SAFE_FORMATS`): SVG, HTML and every other type are downloaded,
  never shown inline;
- `Cache-Control: private`: shared caches never keep a file that needs permission.

With `FILES_ACCEL_REDIRECT_PREFIX` set, the bytes come from the front proxy: the response
carries `X-Accel-Redirect: <prefix><storage name>` and no body (nginx: an `internal`
location aliased to MEDIA_ROOT; docs/api.md, "Downloads").
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase

from .images import SAFE_FORMATS

FILE_CSP = "default-src 'none'; sandbox"
INLINE_TYPES = frozenset(SAFE_FORMATS.values())


def file_response(
    storage_name: str,
    *,
    content_type: str,
    download_name: str,
    max_age: int,
    public: bool = False,
) -> HttpResponseBase:
    """The stored file `storage_name` with the safe headers; Http404 when it is gone."""
    inline = content_type in INLINE_TYPES
    prefix = settings.FILES_ACCEL_REDIRECT_PREFIX
    response: HttpResponseBase
    if prefix:
        if not default_storage.exists(storage_name):
            raise Http404("File not found.")
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(storage_name)
        disposition = "inline" if inline else "attachment"
        response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(download_name)}"
    else:
        try:
            handle = default_storage.open(storage_name, "rb")
        except (FileNotFoundError, OSError) as exc:
            raise Http404("File not found.") from exc
        response = FileResponse(
            handle,
            as_attachment=not inline,
            filename=download_name,
            content_type=content_type,
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    visibility = "public" if public else "private"
    response["Cache-Control"] = f"{visibility}, max-age={max(0, int(max_age))}"
    return response

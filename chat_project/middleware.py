"""Reject oversize request bodies before anything parses them.

DRF's JSON parser reads the stream directly, bypassing Django's
DATA_UPLOAD_MAX_MEMORY_SIZE check, so the limit is enforced here on the
declared Content-Length, with the API's JSON error shape.

It is deliberately sync-only and last in MIDDLEWARE: Django's own middleware follow the
mode of the handler inside them, so with a sync one innermost the whole chain runs sync in
the request's thread instead of hopping threads for every hook under ASGI
(chat_project/tests/test_middleware.py).
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse(
                {"detail": "Invalid Content-Length header.", "code": "bad_request"}, status=400
            )
        if length > settings.REQUEST_MAX_BYTES:
            return JsonResponse(
                {
                    "detail": f"Request body is too large (limit {settings.REQUEST_MAX_BYTES} "
                    "bytes).",
                    "code": "payload_too_large",
                },
                status=413,
            )
        return self.get_response(request)

"""The project's middleware: the health check in front, request size and data release last.

`RequestSizeLimitMiddleware` rejects oversize request bodies before anything parses them:
DRF's JSON parser reads the stream directly, bypassing Django's DATA_UPLOAD_MAX_MEMORY_SIZE
check, so the limit is enforced here on the declared Content-Length, with the API's JSON
error shape.

It is deliberately sync-only and last in MIDDLEWARE: Django's own middleware follow the
mode of the handler inside them, so with a sync one innermost the whole chain runs sync in
the request's thread instead of hopping threads for every hook under ASGI
(chat_project/tests/test_middleware.py).
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from .views import health


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


class ReleaseRenderedDataMiddleware:
    """Drop a DRF response's `data` once it is rendered to bytes.

    DRF keeps every response in reference cycles (view -> response -> renderer_context ->
    view), so the data of a large response — a 1,000-conversation list is ~50,000 objects —
    outlived the request until a full cyclic garbage collection found it; those
    collections were the latency tail of convlist-1k (docs/benchmarks.md). Without the
    reference the data is freed as soon as the request ends. Sync-only and innermost for
    the same reason as RequestSizeLimitMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(response, "is_rendered", False) and hasattr(response, "data"):
            response.data = None
        return response


class HealthCheckMiddleware:
    """Answer `/health` before any other middleware, so before the Host header is validated.

    The compose health check, load balancers and orchestrators call the process by its
    address (`127.0.0.1:8000`, a container or pod IP), which is rarely one of
    `DJANGO_ALLOWED_HOSTS`: CommonMiddleware would answer them 400 and the service would
    count as unhealthy. The health answer builds no URL and does not depend on the host, so
    host validation protects nothing here; every other path keeps it. Sending an allowed
    Host from the probe instead would make every probe know the deployment's host names.
    Sync-only, like the innermost middleware, so the chain stays sync.
    """

    paths = frozenset({"/health", "/health/"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info in self.paths:
            return health(request)
        return self.get_response(request)

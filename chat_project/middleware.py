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

from django.http import HttpRequest, HttpResponse, JsonResponse

from . import metrics, uploads
from .exceptions import UNAVAILABLE_RETRY_AFTER, ServiceUnavailable, is_dependency_failure
from .text import BadText, check_text
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
        if length > uploads.body_limit(request.path_info)[0]:  # REQUEST_MAX_BYTES, or a file's
            return JsonResponse(uploads.body_too_large(request.path_info), status=413)
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


class QueryTextMiddleware:
    """Refuse query strings the database cannot take (NUL, lone surrogates) with a 400.

    Views read query parameters straight into queries (`?search=`), so `a%00b` reached
    PostgreSQL and came back as a 500. Sync-only and innermost like the others.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            for key, values in request.GET.lists():
                check_text(key)
                for value in values:
                    check_text(value)
        except BadText as exc:
            return JsonResponse({"detail": f"Query string: {exc}", "code": "invalid"}, status=400)
        return self.get_response(request)


class DependencyFailureMiddleware:
    """PostgreSQL or Redis unreachable in any view (pages, admin, API): a 503 with
    Retry-After — JSON for the API, a short page otherwise — instead of Django's 500.

    The API's own views map it in `api_exception_handler` already; this catches what
    happens outside DRF (HTML pages, sessions, the admin).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_dependency_failure(exception):
            return None
        metrics.dependency_failed(exception)
        detail = str(ServiceUnavailable.default_detail)
        if request.path.startswith("/api/"):
            response: HttpResponse = JsonResponse(
                {"detail": detail, "code": ServiceUnavailable.default_code}, status=503
            )
        else:
            response = HttpResponse(
                f"<!doctype html><title>Unavailable</title><p>{detail}</p>",
                status=503,
                content_type="text/html; charset=utf-8",
            )
        response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
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

"""Service endpoints: health; the 404 of paths no route matches."""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views import defaults
from django.views.decorators.http import require_GET

from . import realtime

#: Seconds a health probe may wait for PostgreSQL or Redis: /health answers fast.
PROBE_TIMEOUT = 2


def _check_database() -> str:
    """A fresh connection with a short timeout, not one from the pool: with PostgreSQL down
    the pool would make the probe wait its full timeout."""
    try:
        if connection.vendor == "postgresql":
            import psycopg

            params = connection.get_connection_params()
            params.pop("pool", None)
            params["connect_timeout"] = PROBE_TIMEOUT
            with psycopg.connect(**params) as probe:
                probe.execute("SELECT 1").fetchone()
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()
        return "ok"
    except Exception as exc:  # any driver error means "down" for a health probe
        return f"error: {exc.__class__.__name__}"


def _check_redis() -> str:
    if not settings.REDIS_URL:
        return "ok (in-process event bus)"
    try:
        import redis

        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=PROBE_TIMEOUT, socket_connect_timeout=PROBE_TIMEOUT
        )
        client.ping()
        client.close()
        return "ok"
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    database = _check_database()
    redis_state = _check_redis()
    healthy = database == "ok" and redis_state.startswith("ok")
    sockets = None
    if redis_state.startswith("ok"):  # the count lives in Redis: do not wait on it when down
        try:
            sockets = realtime.open_socket_count()
        except Exception:
            sockets = None
    body = {
        "status": "ok" if healthy else "degraded",
        "database": database,
        "redis": redis_state,
        "websocket_connections": sockets,
        "timestamp": timezone.now().isoformat(),
    }
    return JsonResponse(body, status=200 if healthy else 503)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """`handler404`: under `/api/` the API's JSON error (`{detail, code}`), elsewhere Django's
    page. A path no route matches (`/api/conversations/0.5/members/1`: ids take no dot) used
    to get the HTML page from an API that promises JSON for every error."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found.", "code": "not_found"}, status=404)
    return defaults.page_not_found(request, exception)


#: The WebSocket protocol's AsyncAPI document (docs/asyncapi.yaml), read once.
ASYNCAPI_PATH = settings.BASE_DIR / "docs" / "asyncapi.yaml"


@require_GET
def asyncapi(request: HttpRequest) -> HttpResponse:
    """`GET /api/asyncapi.yaml`: the WebSocket half of the API, beside `/api/schema/`."""
    response = HttpResponse(ASYNCAPI_PATH.read_bytes(), content_type="application/yaml")
    response["Cache-Control"] = "public, max-age=300"
    return response

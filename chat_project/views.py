"""Service endpoints: health."""

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import realtime


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception as exc:  # any driver error means "down" for a health probe
        return f"error: {exc.__class__.__name__}"


def _check_redis() -> str:
    if not settings.REDIS_URL:
        return "ok (in-memory channel layer)"
    try:
        import redis

        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
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

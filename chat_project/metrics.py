"""Prometheus metrics of a server process, and `GET /metrics` (docs/operations.md, "Metrics").

Several processes per replica (uvicorn's workers) write their samples to one folder,
`PROMETHEUS_MULTIPROC_DIR` (`python -m chat_project.serve` makes a fresh one for each
start, `prometheus-client`'s memory-mapped files), and `/metrics` adds up every process's
files: one scrape of a replica sees the whole replica, whichever worker answers it.
Without the variable (tests, `manage.py`) the process's own registry answers.

What is measured where: requests (latency and status by route, throttled answers, REST
sends) in `MetricsMiddleware`, first in MIDDLEWARE; PostgreSQL and Redis failures where
they are mapped to 503 (`exceptions.to_api_exception`, for REST and WebSocket alike, and
`DependencyFailureMiddleware`); sockets (open, connects, disconnects by close code,
WebSocket sends and refused frames) by the consumer;
delivery lag (publish to the hub's dispatch) by the hub, per event; the frames waiting in
sockets' outboxes and the database pool by `sample()`, every SAMPLE_SECONDS on each
process's event loop.

Not public: the endpoint answers 404 unless the request carries `Authorization: Bearer
<METRICS_TOKEN>`, or — with no token set — comes straight from a loopback or private
address (a Prometheus on the same network) and not through the proxy (no
X-Forwarded-For; nginx also refuses the path). It is answered before the Host header is
checked, as /health is: Prometheus calls each replica by its address.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import os
import time
import weakref
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

logger = logging.getLogger(__name__)

PATH = "/metrics"
SAMPLE_SECONDS = 5.0
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LAG_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)

HTTP_REQUESTS = Counter(
    "chat_http_requests",
    "HTTP responses by route, method and status.",
    ["route", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "chat_http_request_duration_seconds",
    "Time from the request reaching Django to its response, by route.",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
)
THROTTLED = Counter(
    "chat_throttled",
    "Requests and frames refused for a rate (throttled) or the server's load (overloaded).",
    ["transport", "reason"],
)
MESSAGES_SENT = Counter("chat_messages_sent", "Messages sent, by transport.", ["transport"])
DEPENDENCY_ERRORS = Counter(
    "chat_dependency_errors",
    "Requests and frames that failed because PostgreSQL or Redis could not be reached.",
    ["dependency"],
)
SOCKETS_OPEN = Gauge("chat_websockets_open", "Open WebSockets.", multiprocess_mode="livesum")
SOCKET_CONNECTS = Counter("chat_websocket_connects", "WebSockets accepted and authenticated.")
SOCKET_DISCONNECTS = Counter(
    "chat_websocket_disconnects", "WebSockets closed, by close code.", ["code"]
)
DELIVERY_LAG = Histogram(
    "chat_delivery_lag_seconds",
    "Time from an event's publish to its fan-out to this process's sockets.",
    buckets=LAG_BUCKETS,
)
OUTBOX_FRAMES = Gauge(
    "chat_outbox_frames",
    "Frames waiting in sockets' outboxes (sockets that do not read fast enough).",
    multiprocess_mode="livesum",
)
DB_POOL = Gauge(
    "chat_db_pool_connections",
    "The database pool: connections open (size), idle (available) and requests waiting.",
    ["state"],
    multiprocess_mode="livesum",
)


def _multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def exposition() -> bytes:
    """Every metric, of every process of this replica (multi-process) or of this one."""
    if _multiprocess():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        own = generate_latest(registry)
    else:
        own = generate_latest(REGISTRY)
    return own + task_queue_exposition()


def task_queue_exposition() -> bytes:
    """The task queue's gauges (TaskQueueCollector); nothing when the database is down
    (the rest of the scrape still answers, and DEPENDENCY_ERRORS says why)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(TaskQueueCollector())
    try:
        return generate_latest(registry)
    except Exception:
        logger.warning("task queue metrics unavailable", exc_info=True)
        return b""


def allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    if "X-Forwarded-For" in request.headers:
        return False  # through the proxy: from anywhere
    try:
        peer = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return peer.is_loopback or peer.is_private


def route_of(request: HttpRequest) -> str:
    """A bounded label: the URL pattern's name, never the path with its ids."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "static" if request.path.startswith(settings.STATIC_URL) else "unmatched"
    return match.view_name or match.route


class MetricsMiddleware:
    """Answers /metrics, and measures every other request (first in MIDDLEWARE)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info == PATH:
            if not allowed(request):
                return HttpResponse("Not found.", status=404, content_type="text/plain")
            return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
        started = time.perf_counter()
        response = self.get_response(request)
        route = route_of(request)
        HTTP_LATENCY.labels(route, request.method).observe(time.perf_counter() - started)
        status = response.status_code
        HTTP_REQUESTS.labels(route, request.method, str(status)).inc()
        if status == 429:
            reason = "overloaded" if b'"overloaded"' in _body(response) else "throttled"
            THROTTLED.labels("rest", reason).inc()
        elif route == "messages-list" and request.method == "POST" and status in (200, 201):
            MESSAGES_SENT.labels("rest").inc()
        return response


def _body(response: HttpResponseBase) -> bytes:
    return b"" if response.streaming else getattr(response, "content", b"")


def dependency_failed(exc: BaseException) -> None:
    """PostgreSQL or Redis could not be reached (`exceptions.is_dependency_failure`)."""
    dependency = "redis" if type(exc).__module__.startswith("redis") else "database"
    DEPENDENCY_ERRORS.labels(dependency).inc()


# --- sockets and delivery (called from the consumer and the hub) ----------------------------


def socket_opened() -> None:
    SOCKET_CONNECTS.inc()
    SOCKETS_OPEN.inc()
    ensure_sampler()


def socket_closed() -> None:
    SOCKETS_OPEN.dec()


def socket_disconnected(code: int | None) -> None:
    SOCKET_DISCONNECTS.labels(str(code) if code is not None else "none").inc()


def frame_refused(code: str) -> None:
    """A WebSocket frame answered with `throttled` or `overloaded`."""
    if code in ("throttled", "overloaded"):
        THROTTLED.labels("ws", code).inc()


def message_sent_over_socket() -> None:
    MESSAGES_SENT.labels("ws").inc()


def observe_delivery_lag(seconds: float) -> None:
    DELIVERY_LAG.observe(max(seconds, 0.0))


# --- sampled gauges -----------------------------------------------------------------------

_samplers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Task[None]] = (
    weakref.WeakKeyDictionary()
)


def sample() -> None:
    """The gauges no single event moves: outbox depth, the database pool."""
    from chat_project.realtime.hub import existing_hub

    hub = existing_hub()
    if hub is not None:
        members = {member for group in hub.groups.values() for member in group}
        OUTBOX_FRAMES.set(sum(len(member.outbox) for member in members))
    stats = _pool_stats()
    for state in ("pool_size", "pool_available", "requests_waiting"):
        DB_POOL.labels(state.removeprefix("pool_")).set(stats.get(state, 0))


def _pool_stats() -> dict[str, Any]:
    from django.db import connections

    pool = getattr(connections["default"], "pool", None)
    return pool.get_stats() if pool is not None else {}


def ensure_sampler() -> None:
    """Start `sample()` every SAMPLE_SECONDS on this event loop, once."""
    loop = asyncio.get_running_loop()
    task = _samplers.get(loop)
    if task is None or task.done():
        _samplers[loop] = loop.create_task(_sample_forever())


async def _sample_forever() -> None:
    while True:
        try:
            sample()
        except Exception:
            logger.exception("metrics sample failed")
        await asyncio.sleep(SAMPLE_SECONDS)


def process_started() -> None:
    """Lifespan startup (chat_project/shutdown.py): the gauges are sampled from now on."""
    ensure_sampler()


def process_stopped() -> None:
    """Shutdown hook: this process's live gauges leave the replica's sums."""
    if _multiprocess():
        multiprocess.mark_process_dead(os.getpid())


# --- background tasks (chat_project/tasks.py) ---------------------------------------------

TASK_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
TASK_DURATION = Histogram(
    "chat_task_duration_seconds",
    "Time a background task's attempt ran, by task and outcome (worker's /metrics).",
    ["task", "outcome"],
    buckets=TASK_BUCKETS,
)
TASKS_FINISHED = Counter(
    "chat_tasks_finished",
    "Attempts of background tasks by task and outcome: success, retry (another attempt "
    "is queued) or failed (gave up).",
    ["task", "outcome"],
)
_watching = False


def task_outcome(task_result: Any) -> str:
    if task_result.status == "SUCCESSFUL":
        return "success"
    errors = getattr(task_result, "errors", None) or []
    if errors and errors[-1].exception_class_path == "chat_project.tasks.RetryScheduled":
        return "retry"
    return "failed"


def _task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    outcome = task_outcome(task_result)
    name = task_result.task.name
    TASKS_FINISHED.labels(name, outcome).inc()
    if task_result.started_at and task_result.finished_at:
        seconds = (task_result.finished_at - task_result.started_at).total_seconds()
        TASK_DURATION.labels(name, outcome).observe(max(seconds, 0.0))


def watch_tasks() -> None:
    """Count and time every task this process runs (the worker calls it at start)."""
    global _watching
    if not _watching:
        from django.tasks.signals import task_finished

        task_finished.connect(_task_finished, dispatch_uid="chat_project.metrics.tasks")
        _watching = True


class TaskQueueCollector:
    """The queue as the database has it, read at each scrape (one grouped query): tasks
    queued (due now), scheduled (due later: retries, schedules, the digest), running, and
    failed (gave up; the retried attempts are `retried`). Every replica reports the same
    numbers; alert on `max`. Nothing without the database backend."""

    NAMES = ("chat_tasks", "chat_tasks_oldest_queued_seconds")

    def describe(self) -> list:
        return []  # registering must not query

    def collect(self) -> Any:
        from prometheus_client.core import GaugeMetricFamily

        from chat_project import tasks

        if not tasks.uses_database():
            return
        from django.db.models import Count, Q
        from django.utils import timezone
        from django_tasks_db.models import DBTaskResult, get_date_max

        now = timezone.now()
        retry = "chat_project.tasks.RetryScheduled"
        ready = Q(status="READY")
        due = Q(run_after__lte=now) | Q(run_after=get_date_max())
        counts = DBTaskResult.objects.aggregate(
            queued=Count("pk", filter=ready & due),
            scheduled=Count("pk", filter=ready & ~due),
            running=Count("pk", filter=Q(status="RUNNING")),
            failed=Count("pk", filter=Q(status="FAILED") & ~Q(exception_class_path=retry)),
            retried=Count("pk", filter=Q(status="FAILED", exception_class_path=retry)),
        )
        family = GaugeMetricFamily(
            "chat_tasks", "Background task rows by state (the database's view).", labels=["state"]
        )
        for state, count in counts.items():
            family.add_metric([state], count)
        yield family
        oldest = DBTaskResult.objects.filter(ready & due).order_by("enqueued_at").first()
        age = (now - oldest.enqueued_at).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily(
            "chat_tasks_oldest_queued_seconds",
            "Age of the oldest task that is due and not started (a stuck worker grows it).",
            value=age,
        )


def serve_worker_metrics(host: str, port: int) -> None:
    """The worker's own endpoint: its task metrics and the queue's state."""
    from prometheus_client import start_http_server

    registry = CollectorRegistry()
    registry.register(TASK_DURATION)
    registry.register(TASKS_FINISHED)
    registry.register(TaskQueueCollector())
    start_http_server(port, addr=host, registry=registry)

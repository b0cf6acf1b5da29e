"""Background tasks run by the real worker process (`manage.py worker`, what compose's
`worker` service and `make run` start) on this run's PostgreSQL: a queued task is done,
a failing one is retried with backoff and then given up — visible in the admin — and the
worker's metrics and the web's queue gauges say so."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from accounts.tests.factories import UserFactory
from chat_project import metrics
from chat_project.settings.base import tasks_config
from chat_project.tasks import enqueue
from tests.e2e import worker as worker_module
from tests.e2e import worker_tasks
from tests.e2e.worker import Worker

pytestmark = [pytest.mark.needs_services, pytest.mark.django_db(transaction=True)]

worker_factory = worker_module.worker_factory


@pytest.fixture(autouse=True)
def database_backend(settings):
    """This test process queues into the database, as the web replicas do in production."""
    settings.TASKS = tasks_config("database")


def rows(task) -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=task.module_path).order_by("enqueued_at"))


def wait_until(check: Callable[[], bool], worker: Worker, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"not done within {timeout} s; worker log:\n{worker.log()}")


def metric(text: str, name: str, **labels: str) -> float:
    """A sample's value in Prometheus' text format (labels in any order); 0 if absent."""
    for line in text.splitlines():
        match = re.match(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$", line)
        if not match or match[1] != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', match[2] or ""))
        if found == labels:
            return float(match[3])
    return 0.0


def test_the_worker_runs_what_is_queued_and_seeds_the_schedules(worker_factory, tmp_path):
    out = tmp_path / "notes.txt"
    enqueue(worker_tasks.note, str(out), "hello from the web")
    assert rows(worker_tasks.note)[0].status == "READY"  # nobody ran it inline
    worker = worker_factory()
    wait_until(lambda: rows(worker_tasks.note)[0].status == "SUCCESSFUL", worker)
    assert out.read_text() == "hello from the web\n"
    assert rows(worker_tasks.note)[0].return_value == "hello from the web"
    # The schedules are seeded when the worker starts: the purge of unused uploads and
    # the digest sweep have run once and wait for their next turn.
    for path in ("messaging.tasks.attachments_purge", "messaging.tasks.email_digests"):
        wait_until(
            lambda path=path: DBTaskResult.objects.filter(
                task_path=path, status="SUCCESSFUL"
            ).exists(),
            worker,
        )
        assert DBTaskResult.objects.filter(task_path=path, status="READY").count() == 1
    text = worker.metrics()
    assert metric(text, "chat_tasks_finished_total", task="note", outcome="success") == 1
    assert metric(text, "chat_task_duration_seconds_count", task="note", outcome="success") == 1


def test_a_failing_task_is_retried_with_backoff_then_given_up_in_the_admin(
    worker_factory, tmp_path, client
):
    attempts = tmp_path / "attempts.txt"
    worker = worker_factory()
    enqueue(worker_tasks.always_fails, str(attempts))
    wait_until(
        lambda: [r.status for r in rows(worker_tasks.always_fails)] == ["FAILED"] * 3, worker
    )
    first, second, third = rows(worker_tasks.always_fails)
    assert attempts.read_text() == "attempt\n" * 3
    # Attempts 1 and 2 failed as "retried" (the real error chained), 3 gave up.
    assert (
        first.exception_class_path
        == second.exception_class_path
        == ("chat_project.tasks.RetryScheduled")
    )
    assert "RuntimeError: the mail server said no" in first.traceback
    assert third.exception_class_path == "builtins.RuntimeError"
    assert [r.args_kwargs["kwargs"].get("_attempt", 1) for r in (first, second, third)] == [1, 2, 3]
    # Backoff: 1 s after the first failure, 2 s after the second (doubling).
    assert (second.run_after - first.finished_at).total_seconds() >= 0.9
    assert (third.run_after - second.finished_at).total_seconds() >= 1.9
    assert second.started_at >= second.run_after and third.started_at >= third.run_after

    text = worker.metrics()
    assert metric(text, "chat_tasks_finished_total", task="always_fails", outcome="retry") == 2
    assert metric(text, "chat_tasks_finished_total", task="always_fails", outcome="failed") == 1
    queue = metrics.task_queue_exposition().decode()  # what every web replica's /metrics adds
    assert metric(queue, "chat_tasks", state="failed") >= 1
    assert metric(queue, "chat_tasks", state="retried") >= 2

    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get("/admin/django_tasks_database/dbtaskresult/", {"outcome": "gave_up"})
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "always_fails" in page and "3/3" in page and "gave up" in page
    retried = client.get("/admin/django_tasks_database/dbtaskresult/", {"outcome": "retried"})
    assert retried.content.decode().count("retried") >= 2
    detail = client.get(f"/admin/django_tasks_database/dbtaskresult/{third.pk}/change/")
    assert "the mail server said no" in detail.content.decode()

    # "Run again" from the admin: a fresh first attempt, which the worker runs (and fails).
    response = client.post(
        "/admin/django_tasks_database/dbtaskresult/",
        {"action": "run_again", "_selected_action": [str(third.pk)]},
    )
    assert response.status_code == 302
    wait_until(lambda: Path(attempts).read_text().count("attempt") >= 4, worker)


def test_sigterm_lets_the_running_task_finish(worker_factory, tmp_path):
    worker = worker_factory()
    out = tmp_path / "notes.txt"
    enqueue(worker_tasks.note, str(out), "before the stop")
    wait_until(lambda: rows(worker_tasks.note)[0].status == "SUCCESSFUL", worker)
    worker.stop()
    assert worker.process.returncode == 0, worker.log()
    assert "shutting down gracefully" in worker.log()

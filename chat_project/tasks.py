"""Background work on Django's tasks framework (`django.tasks`), with retries and schedules.

Every app declares its work with `@background(...)` instead of `@django.tasks.task` and
hands it to `enqueue(task, ...)`:

    @background(attempts=5)
    def email_send(address: str, subject: str, body: str) -> None: ...

    enqueue(email_send, address, subject, body)       # after the transaction commits
    enqueue(digest_sweep, delay=timedelta(minutes=1))  # not before a minute from now

Where it runs is `settings.TASKS` (docs/operations.md, "Background tasks"): the
database backend of django-tasks-db, run by `manage.py worker` (a compose service in
production, started by `make run` beside the server), or the immediate backend, which
runs a task inline in the process that enqueues it (the tests' default).

Why a wrapper over `@task`: the framework records an attempt's failure but never tries
again, and has no schedules. `background` adds both, portably (no backend feature):
 - **retry with backoff**: an attempt that raises, with attempts left, enqueues the next
   one with `run_after` = now + `backoff * 2**(attempt-1)` seconds (capped at an hour)
   and fails as `RetryScheduled`, chained to the real error — so the admin lists every
   attempt, its traceback, and tells "retried" from "gave up" (chat_project/admin.py).
   The attempt number travels as the `_attempt` keyword (visible in the admin).
 - **periodic** (`every=`): after each run the next one is enqueued unless one is already
   waiting; `manage.py worker` seeds each schedule at start (`ensure_periodic`).
A backend that cannot defer (the immediate one) runs a delayed `enqueue` at once and
does not retry.

Enqueueing happens after commit: a rolled-back write never starts work, and the work
never reads a row its request has not committed yet.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.tasks import Task, task, task_backends
from django.utils import timezone

logger = logging.getLogger(__name__)

ATTEMPT = "_attempt"
DEFAULT_ATTEMPTS = 5
DEFAULT_BACKOFF_SECONDS = 30.0
MAX_BACKOFF_SECONDS = 3600.0


class RetryScheduled(Exception):
    """This attempt failed and the next one is queued (its cause is the real error)."""


@dataclass(frozen=True)
class Policy:
    attempts: int
    backoff: float
    every: timedelta | None


#: module path of a task -> how it retries and repeats.
POLICIES: dict[str, Policy] = {}


def backoff_seconds(attempt: int, backoff: float) -> float:
    """Wait before attempt `attempt + 1`: doubling from `backoff`, at most an hour."""
    return min(backoff * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)


def can_defer(the_task: Task) -> bool:
    return bool(the_task.get_backend().supports_defer)


def uses_database(the_task: Task | None = None) -> bool:
    """Whether tasks go to django-tasks-db (rows, a worker) rather than running inline."""
    backend = the_task.get_backend() if the_task is not None else task_backends["default"]
    return type(backend).__module__.startswith("django_tasks_db")


def background(
    *,
    attempts: int = DEFAULT_ATTEMPTS,
    backoff: float = DEFAULT_BACKOFF_SECONDS,
    every: timedelta | None = None,
    priority: int = 0,
    queue_name: str = "default",
) -> Callable[[Callable[..., Any]], Task]:
    """`@task` with retries (`attempts` in all, `backoff` seconds doubling) and, with
    `every`, a schedule; see the module docstring."""

    def decorate(func: Callable[..., Any]) -> Task:
        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Any:
            attempt = int(kwargs.pop(ATTEMPT, 1))
            try:
                result = func(*args, **kwargs)
            except Exception as exc:
                if attempt < attempts and can_defer(the_task):
                    wait = backoff_seconds(attempt, backoff)
                    when = timezone.now() + timedelta(seconds=wait)
                    retry = the_task.using(run_after=when)
                    retry.enqueue(*args, **kwargs, **{ATTEMPT: attempt + 1})
                    logger.warning(
                        "task %s attempt %d/%d failed (%s); next at %s",
                        the_task.name,
                        attempt,
                        attempts,
                        type(exc).__name__,
                        when.isoformat(),
                    )
                    raise RetryScheduled(
                        f"attempt {attempt} of {attempts} failed; attempt {attempt + 1} "
                        f"runs after {when.isoformat()}"
                    ) from exc
                logger.error("task %s gave up after %d attempt(s)", the_task.name, attempt)
                raise
            finally:
                if every is not None:
                    schedule_next(the_task, every)
            return result

        the_task = task(priority=priority, queue_name=queue_name)(run)
        POLICIES[the_task.module_path] = Policy(attempts=attempts, backoff=backoff, every=every)
        return the_task

    return decorate


def enqueue(
    the_task: Task,
    *args: Any,
    delay: timedelta | None = None,
    run_after: datetime | None = None,
    **kwargs: Any,
) -> None:
    """Queue `the_task(*args, **kwargs)` once the current transaction commits (at once
    outside one), not before `run_after` (or `delay` from now). Arguments must be JSON.

    A queue that cannot be written is logged, not raised: the request that asked has
    committed its own work already (the caller of a must-not-lose job enqueues inside
    its transaction with `the_task.enqueue(...)` instead: the row commits with it).
    """
    if delay is not None:
        run_after = timezone.now() + delay

    def send() -> None:
        configured = the_task
        if run_after is not None and can_defer(the_task):
            configured = the_task.using(run_after=run_after)
        configured.enqueue(*args, **kwargs)

    transaction.on_commit(send, robust=True)


def _waiting(the_task: Task) -> bool:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=the_task.module_path, status="READY").exists()


def schedule_next(the_task: Task, every: timedelta) -> None:
    """Queue the next run of a periodic task unless one is waiting already."""
    if not uses_database(the_task):
        return  # inline: nothing keeps time; the worker's schedules need the database
    try:
        if not _waiting(the_task):
            the_task.using(run_after=timezone.now() + every).enqueue()
    except Exception:
        logger.exception("could not schedule the next %s", the_task.name)


def periodic_tasks() -> list[tuple[Task, timedelta]]:
    from django.utils.module_loading import import_string

    found = []
    for path, policy in POLICIES.items():
        if policy.every is not None:
            found.append((import_string(path), policy.every))
    return found


def ensure_periodic() -> list[str]:
    """Seed every schedule that has no run waiting (the worker calls it at start);
    returns the names of the tasks queued. A first run comes at once."""
    from django.apps import apps

    # The schedules are declared where the tasks live: import each app's `tasks` module.
    for config in apps.get_app_configs():
        try:
            __import__(f"{config.name}.tasks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.tasks":
                raise
    queued = []
    for periodic, _every in periodic_tasks():
        if uses_database(periodic) and not _waiting(periodic):
            periodic.enqueue()
            queued.append(periodic.name)
    return queued


@background(attempts=3, backoff=60, every=timedelta(days=1))
def task_results_prune() -> None:
    """Daily: finished task rows go after 14 days, failed ones after 30 (the admin keeps
    a month of failures to look at; the queue's table stays small)."""
    from django.core.management import call_command

    if uses_database():
        call_command("prune_db_task_results", min_age_days=14, failed_min_age_days=30, verbosity=0)

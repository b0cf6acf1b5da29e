"""`manage.py worker`: run background tasks (chat_project/tasks.py) until stopped.

django-tasks-db's `db_worker` (same options: `--queue-name`, `--interval`, `--batch`,
`--max-tasks`...) plus what this project adds: the schedules are seeded at start
(`ensure_periodic`: the upload purge, the email digest, the pruning of old task rows),
and with `--metrics-port` (or WORKER_METRICS_PORT) the worker answers Prometheus on its
own port with its task durations and outcomes (docs/operations.md, "Metrics"). SIGTERM
lets the running task finish, then exits: give it a stop timeout longer than a task.
"""

import os
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from chat_project import metrics, tasks


class Command(db_worker.Command):
    help = "Run the background tasks (django-tasks-db's db_worker with schedules and metrics)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--metrics-port",
            type=int,
            default=settings.WORKER_METRICS_PORT,
            help="Serve Prometheus metrics on this port (0: off; default WORKER_METRICS_PORT).",
        )
        parser.add_argument("--metrics-host", default="0.0.0.0", help="Address for --metrics-port.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not tasks.uses_database():
            raise CommandError(
                "TASKS_BACKEND is not 'database': tasks run inline, there is nothing to work on."
            )
        metrics.watch_tasks()
        port = options.pop("metrics_port")
        host = options.pop("metrics_host")
        # With --reload (DEBUG) this runs twice: in the watching parent and in the child
        # that works; only the child serves metrics and seeds the schedules.
        reloading = options.get("reload") and not options.get("batch")
        working = not reloading or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true"
        if working:
            if port:
                metrics.serve_worker_metrics(host, port)
            queued = tasks.ensure_periodic()
            if queued:
                self.stdout.write(f"Scheduled: {', '.join(queued)}")
        super().handle(*args, **options)

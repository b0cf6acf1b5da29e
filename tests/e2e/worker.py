"""Start `manage.py worker` (the command compose's `worker` service runs) against this
run's database, as a real process, for the tests that need background tasks done."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from django.conf import settings

from tests.e2e.conftest import ROOT, free_port, server_env


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path
    metrics_port: int

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def metrics(self) -> str:
        return httpx.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5).text

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_worker(tmp_path: Path, *, command: list[str] | None = None, **env: str) -> Worker:
    """The worker, polling every 0.2 s, its metrics on a free port; `env` overrides
    `server_env`'s (this run's DATABASE_URL, test settings, TASKS_BACKEND=database)."""
    port = free_port()
    log_path = tmp_path / f"worker-{port}.log"
    argv = command or [sys.executable, "manage.py", "worker", "--queue-name", "*"]
    argv = [*argv, "--no-reload", "--interval", "0.2", "--no-startup-delay"]
    argv += ["--metrics-port", str(port), "--metrics-host", "127.0.0.1"]
    process = subprocess.Popen(
        argv,
        cwd=ROOT,
        env=server_env(**{"TASKS_BACKEND": "database", **env}),
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    worker = Worker(process=process, log_path=log_path, metrics_port=port)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the worker exited early:\n{worker.log()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=1).status_code == 200:
                return worker
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    worker.stop()
    raise RuntimeError(f"the worker did not start within 60 s:\n{worker.log()}")


@pytest.fixture
def worker_factory(transactional_db: None, tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    if not settings.SERVICES_AVAILABLE:
        pytest.skip("the worker tests need PostgreSQL")
    started: list[Worker] = []

    def start(**env: str) -> Worker:
        worker = start_worker(tmp_path, **env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()

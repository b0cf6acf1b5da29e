"""Processes and services of a benchmark run: databases, Redis, servers, load generator.

Isolation: the benchmarks use their own PostgreSQL databases (`chat_bench`, reset before
every scenario, and `chat_bench_history`, which keeps the 1,000,000-message conversation
between runs) and their own Redis database number and key prefix, and only ever delete
keys under that prefix. Nothing here touches the development or test databases.

Every child process (servers, load generator) is started in its own process group and
recorded; `stop_all()` runs at exit, on SIGINT/SIGTERM and on exceptions, so a run that
is interrupted leaves nothing behind. All traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
DB_NAME = os.environ.get("BENCH_DB_NAME", "chat_bench")
HISTORY_DB_NAME = os.environ.get("BENCH_HISTORY_DB_NAME", "chat_bench_history")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
REDIS_PREFIX = os.environ.get("BENCH_REDIS_PREFIX", "chatbench")
SECRET_KEY = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"

#: Every limit lifted: the benchmarks measure the server, not its throttles.
LIFTED_LIMITS = {
    "THROTTLE_ANON": "1000000/min",
    "THROTTLE_USER": "1000000/min",
    "THROTTLE_REGISTER": "1000000/min",
    "THROTTLE_LOGIN_IP": "1000000/min",
    "THROTTLE_LOGIN_USERNAME": "1000000/min",
    "THROTTLE_MESSAGE_SEND": "1000000/10s",
    "THROTTLE_FRIEND_REQUEST": "1000000/min",
    "WS_MAX_FRAMES_PER_SECOND": "100000",
}

_children: list[subprocess.Popen[bytes]] = []
_tmpdir = Path(tempfile.mkdtemp(prefix="chatbench-"))


def database_url(name: str) -> str:
    return f"{PG_URL}/{name}"


def base_env(**overrides: str) -> dict[str, str]:
    """The environment of the servers and of the harness's own Django."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chat_project.settings.production",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url(DB_NAME),
        "BENCH_HISTORY_DATABASE_URL": database_url(HISTORY_DB_NAME),
        "REDIS_URL": REDIS_URL,
        "REDIS_PREFIX": REDIS_PREFIX,
        "ACCESS_TOKEN_MINUTES": "600",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        **LIFTED_LIMITS,
    }
    env.update(overrides)
    return env


# --- child processes ----------------------------------------------------------------------


def spawn(args: list[str], *, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """Start a child in its own process group (so it and its children can be stopped)."""
    handle = log.open("wb")
    process = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )
    handle.close()
    _children.append(process)
    return process


def stop(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """SIGTERM the child's group, then SIGKILL what is left after `timeout`."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    if process in _children:
        _children.remove(process)


def stop_all() -> None:
    for process in list(_children):
        stop(process, timeout=5)


def _on_signal(signum: int, _frame: Any) -> None:
    stop_all()
    raise SystemExit(128 + signum)


def install_cleanup() -> None:
    """Children are stopped at exit and on Ctrl+C/SIGTERM; descriptors are raised for 1k sockets."""
    atexit.register(stop_all)
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- servers ------------------------------------------------------------------------------

#: When set (``--profile DIR``), every server runs under py-spy and writes collapsed stacks.
PROFILE_DIR: Path | None = None


@dataclass
class ServerGroup:
    """N independent server processes on N localhost ports sharing one database and Redis."""

    kind: str = "daphne"
    procs: int = 1
    #: uvicorn's WebSocket implementation (the production choice: see docs/benchmarks.md).
    ws: str = "websockets-sansio"
    env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    ports: list[int] = field(default_factory=list)

    def command(self, port: int) -> list[str]:
        """`python -m chat_project.serve`, the command production runs, plus quiet logs."""
        extra: list[str] = []
        if self.kind == "uvicorn":
            extra += ["--log-level", "warning", "--ws", self.ws, "--no-access-log"]
        elif self.kind == "granian":
            extra += ["--log-level", "warning", "--no-access-log"]
        serve = [sys.executable, "-m", "chat_project.serve", "--server", self.kind]
        return [*serve, "--host", "127.0.0.1", "--port", str(port), "--workers", "1", "--", *extra]

    def start(self, timeout: float = 60) -> ServerGroup:
        if self.kind == "granian" and importlib.util.find_spec("granian") is None:
            raise RuntimeError("granian is not installed: pip install -r requirements.txt")
        env = base_env(**self.env)
        for _ in range(self.procs):
            port = free_port()
            log = _tmpdir / f"{self.kind}-{port}.log"
            command = self.command(port)
            if PROFILE_DIR is not None:
                out = PROFILE_DIR / f"{self.kind}-{port}.txt"
                # --gil: only threads holding the GIL, i.e. where the server burns CPU.
                py_spy = sys.executable.replace("python", "py-spy")
                profiler = [py_spy, "record", "--nonblocking", "--gil"]
                command = [*profiler, "-r", "250", "-f", "raw", "-o", str(out), "--", *command]
            self.processes.append(spawn(command, env=env, log=log))
            self.ports.append(port)
        deadline = time.monotonic() + timeout
        for process, port in zip(self.processes, self.ports, strict=True):
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"{self.kind} exited early:\n{self.log(port)[-3000:]}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.kind} did not start:\n{self.log(port)[-3000:]}")
                time.sleep(0.2)
        return self

    def log(self, port: int) -> str:
        path = _tmpdir / f"{self.kind}-{port}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        for process in self.processes:
            if PROFILE_DIR is not None:  # SIGINT the server only: py-spy then writes its file
                for child in _tree(process.pid)[1:]:
                    with contextlib.suppress(psutil.Error):
                        child.send_signal(signal.SIGINT)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=15)
            stop(process)

    @property
    def http_bases(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.ports]

    @property
    def ws_urls(self) -> list[str]:
        return [f"ws://127.0.0.1:{p}/ws/" for p in self.ports]

    def rss_bytes(self) -> int:
        return sum(_tree_rss(p.pid) for p in self.processes)

    def cpu_seconds(self) -> float:
        return sum(_tree_cpu(p.pid) for p in self.processes)


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _tree_rss(pid: int) -> int:
    total = 0
    for proc in _tree(pid):
        with contextlib.suppress(psutil.Error):
            total += proc.memory_info().rss
    return total


def _tree_cpu(pid: int) -> float:
    total = 0.0
    for proc in _tree(pid):
        with contextlib.suppress(psutil.Error):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


@contextlib.contextmanager
def servers(
    kind: str = "daphne",
    procs: int = 1,
    ws: str = "websockets-sansio",
    **env: str,
) -> Iterator[ServerGroup]:
    group = ServerGroup(kind=kind, procs=procs, ws=ws, env=env)
    try:
        yield group.start()
    finally:
        group.stop()


# --- load generator -----------------------------------------------------------------------


def run_loadgen(spec: dict[str, Any], *, timeout: float | None = None) -> dict[str, Any]:
    """Run `bench.loadgen` in its own process and return its JSON result."""
    spec = {"uvloop": True, **spec}
    deadline = float(spec.setdefault("deadline_seconds", 300))
    fd, spec_name = tempfile.mkstemp(prefix="spec-", suffix=".json", dir=_tmpdir)
    os.close(fd)
    spec_path, result_path = Path(spec_name), Path(spec_name.replace("spec-", "result-"))
    spec_path.write_text(json.dumps(spec))
    log = _tmpdir / (spec_path.stem + ".log")
    process = spawn(
        [sys.executable, "-m", "bench.loadgen", str(spec_path), str(result_path)],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        log=log,
    )
    try:
        process.wait(timeout=timeout or deadline + 30)
    except subprocess.TimeoutExpired:
        pass
    finally:
        stop(process)
    if not result_path.exists():
        raise RuntimeError(f"load generator failed:\n{log.read_text(errors='replace')[-3000:]}")
    return json.loads(result_path.read_text())


def start_loadgen(spec: dict[str, Any]) -> tuple[subprocess.Popen[bytes], Path, Path]:
    """Start the load generator and return at once (idle-1000 samples the server meanwhile)."""
    spec = {"uvloop": True, **spec}
    fd, spec_name = tempfile.mkstemp(prefix="spec-", suffix=".json", dir=_tmpdir)
    os.close(fd)
    spec_path, result_path = Path(spec_name), Path(spec_name.replace("spec-", "result-"))
    spec_path.write_text(json.dumps(spec))
    process = spawn(
        [sys.executable, "-m", "bench.loadgen", str(spec_path), str(result_path)],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        log=_tmpdir / (spec_path.stem + ".log"),
    )
    return process, result_path, _tmpdir / (spec_path.stem + ".log")


def temp_path(name: str) -> Path:
    return _tmpdir / name


# --- databases and Redis ------------------------------------------------------------------


def ensure_databases() -> None:
    """Create the benchmark databases when missing (never touches any other database)."""
    import psycopg

    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        for name in (DB_NAME, HISTORY_DB_NAME):
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    import psycopg

    if name not in (DB_NAME, HISTORY_DB_NAME):  # never anything but our own
        raise ValueError(name)
    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def clear_redis() -> int:
    """Delete this benchmark's keys only (its prefix in its database); never FLUSHDB."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    deleted = 0
    batch: list[bytes] = []
    for key in client.scan_iter(f"{REDIS_PREFIX}*", count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            deleted += client.delete(*batch)
            batch = []
    if batch:
        deleted += client.delete(*batch)
    client.close()
    return deleted


def services_reachable() -> bool:
    for url, port in ((PG_URL, 5432), (REDIS_URL, 6379)):
        parsed = urlparse(url)
        try:
            with socket.create_connection((parsed.hostname, parsed.port or port), timeout=1):
                pass
        except OSError:
            return False
    return True

"""Live server fixtures: real daphne processes on free localhost ports.

The server processes use this test run's database (the test process commits its
setup data with `django_db(transaction=True)`) and this run's Redis prefix, so
they share the channel layer and presence with each other and with the test.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.conf import settings
from django.db import connection

try:
    from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
except ImportError:  # pragma: no cover - only without the dev requirements
    sync_playwright = None

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    port: int
    process: subprocess.Popen
    log_path: Path
    env: dict[str, str] = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/"

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to clean up (sockets, presence)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


def server_env(**overrides: str) -> dict[str, str]:
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        f"/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chat_project.settings.test",
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "CHAT_TEST_RUN_ID": settings.RUN_ID,
        "PYTHONUNBUFFERED": "1",
    }
    env.update(overrides)
    return env


def start_server(
    tmp_path: Path, kind: str = "daphne", port: int | None = None, **env_overrides: str
) -> LiveServer:
    """`kind`: the server `python -m chat_project.serve` starts (daphne, or uvicorn as in
    production); `port`: a given one (a restart behind a proxy), else a free one."""
    port = port or free_port()
    log_path = tmp_path / f"{kind}-{port}.log"
    # Its metrics files (chat_project/metrics.py) in the test's folder, not the machine's.
    metrics_dir = str(tmp_path / f"metrics-{port}")
    env = server_env(**{"PROMETHEUS_MULTIPROC_DIR": metrics_dir, **env_overrides})
    log = log_path.open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            *("-m", "chat_project.serve", "--server", kind),
            *("--host", "127.0.0.1", "--port", str(port)),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    server = LiveServer(port=port, process=process, log_path=log_path, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/health", timeout=1).status_code in (200, 503):
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{kind} did not start within 30 s:\n{server.log()}")


def _live_servers(tmp_path: Path, kind: str) -> Iterator[Callable[..., LiveServer]]:
    if not settings.SERVICES_AVAILABLE:
        pytest.skip("live servers need PostgreSQL and Redis")
    servers: list[LiveServer] = []

    def start(port: int | None = None, **env_overrides: str) -> LiveServer:
        server = start_server(tmp_path, kind, port, **env_overrides)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def daphne_factory(transactional_db: None, tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """Start as many real server processes as a test needs; all are stopped afterwards."""
    yield from _live_servers(tmp_path, "daphne")


@pytest.fixture
def uvicorn_factory(transactional_db: None, tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """As `daphne_factory`, with uvicorn started the way production starts it."""
    yield from _live_servers(tmp_path, "uvicorn")


@pytest.fixture(scope="module")
def static_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`collectstatic` as the Dockerfile runs it: the production storage needs its manifest
    (and a proxy serves the folder itself)."""
    root = tmp_path_factory.mktemp("staticfiles")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "chat_project.settings.production",
            "DJANGO_SECRET_KEY": "build-only",
            "DJANGO_ALLOWED_HOSTS": "localhost",
            "DJANGO_STATIC_ROOT": str(root),
        },
        check=True,
        timeout=120,
    )
    return root


@pytest.fixture
def daphne_server(daphne_factory: Callable[..., LiveServer]) -> LiveServer:
    """One real daphne process serving this run's database and Redis."""
    return daphne_factory()


#: Reports every Content-Security-Policy violation of a document to the test (the
#: `securitypolicyviolation` event fires for blocked scripts, styles, connections, frames…).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation({
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: `${event.sourceFile}:${event.lineNumber}`,
    sample: event.sample,
    page: document.location.href,
  });
});
"""


@dataclass
class CspWatch:
    """What the pages of a browser broke against the Content-Security-Policy.

    Every context opened through the `browser` fixture is watched: violation events,
    the console's "Content Security Policy" errors, and HTML documents from the server
    that came without the header (the tests must run with the policy on).
    """

    problems: list[str] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> BrowserContext:
        context.expose_binding(
            "__cspViolation", lambda _source, report: self.problems.append(f"violation {report}")
        )
        context.add_init_script(script=CSP_LISTENER)
        context.on("console", self._on_console)
        context.on("response", self._on_response)
        return context

    def _on_console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.problems.append(f"console {message.type}: {message.text}")

    def _on_response(self, response: Any) -> None:
        request = response.request
        if request.resource_type != "document" or not 200 <= response.status < 300:
            return
        headers = response.headers
        if "text/html" in headers.get("content-type", "") and not headers.get(
            "content-security-policy"
        ):
            self.problems.append(f"no Content-Security-Policy header on {response.url}")


class WatchedBrowser:
    """The Playwright browser, with a `CspWatch` on every context it opens."""

    def __init__(self, browser: Browser) -> None:
        self._browser = browser
        self.csp = CspWatch()

    def new_context(self, **options: Any) -> BrowserContext:
        return self.csp.attach(self._browser.new_context(**options))

    def new_page(self, **options: Any) -> Page:
        return self.new_context(**options).new_page()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


@pytest.fixture(autouse=True)
def _fail_on_csp_violations(request: pytest.FixtureRequest) -> Iterator[None]:
    """A browser test fails if any page broke the Content-Security-Policy."""
    if "browser" not in request.fixturenames:
        yield
        return
    watch = request.getfixturevalue("browser").csp
    watch.problems.clear()
    yield
    if watch.problems:
        found, watch.problems[:] = list(watch.problems), []
        pytest.fail("Content-Security-Policy problems:\n" + "\n".join(found), pytrace=False)


@pytest.fixture(scope="module")
def browser() -> Iterator[WatchedBrowser]:
    """One headless chromium per module; a missing chromium fails in CI and skips elsewhere."""
    problem = None
    if sync_playwright is None:
        problem = "playwright is not installed (pip install -r requirements-dev.txt)"
    elif not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing (apt-get install chromium)"
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests cannot run in CI: {problem}")
        pytest.skip(problem)
    expect.set_options(timeout=10_000)
    # Playwright's sync API keeps an asyncio loop registered as running in this thread,
    # which makes Django refuse ORM calls from the test (test data, the db flush). Allow
    # them here only, while the browser lives; the servers get the check back (`server`).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield WatchedBrowser(instance)
            instance.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def server(browser: WatchedBrowser, daphne_factory: Callable[..., LiveServer]) -> LiveServer:
    """A real daphne with Django's async-safety checks on (unlike the browser test process)."""
    return daphne_factory(DJANGO_ALLOW_ASYNC_UNSAFE="")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


# --- WebSocket clients for the real-time tests (tests/e2e/test_realtime*.py) -------------------

#: Generous ceiling for waiting on one event from a live server (never a pass/fail timing).
WS_WAIT = 20.0


def access_token_for(user) -> str:
    """A real access token (the servers share this run's settings and SECRET_KEY)."""
    from rest_framework_simplejwt.tokens import RefreshToken

    return str(RefreshToken.for_user(user).access_token)


class LiveSocket:
    """A `websockets` client connection speaking the chat protocol (JSON frames)."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.seen: list[dict] = []

    async def send(self, frame: dict) -> None:
        await self.connection.send(json.dumps(frame))

    async def recv(self, within: float = WS_WAIT) -> dict:
        frame = json.loads(await asyncio.wait_for(self.connection.recv(), within))
        self.seen.append(frame)
        return frame

    async def wait_for(self, kind: str, within: float = WS_WAIT, **fields) -> dict:
        """The next frame of type `kind` whose fields match; other frames are passed over."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"no {kind} {fields} within {within}s; saw {self.seen[-10:]}")
            try:
                frame = await self.recv(within=left)
            except TimeoutError:
                continue
            if frame.get("type") == kind and all(frame.get(k) == v for k, v in fields.items()):
                return frame

    async def close_code(self, within: float = WS_WAIT) -> int | None:
        """Read until the server closes; the close code it sent."""
        from websockets.exceptions import ConnectionClosed

        try:
            while True:
                await asyncio.wait_for(self.connection.recv(), within)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None

    async def close(self) -> None:
        await self.connection.close()


async def open_live_socket(
    server: Any,
    *,
    token: str | None = None,
    headers: dict[str, str] | None = None,
    query: str = "",
    expect_connected: bool = True,
    ssl: Any = None,
) -> LiveSocket:
    """Connect to a live server's /ws/ (Bearer header when `token` is given); `server` is
    anything with a `ws_url` (a proxy: wss:// with its `ssl` context)."""
    from websockets.asyncio.client import connect

    all_headers = dict(headers or {})
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    options = {"ssl": ssl} if ssl is not None else {}
    connection = await connect(
        server.ws_url + query, additional_headers=all_headers, open_timeout=WS_WAIT, **options
    )
    socket = LiveSocket(connection)
    if expect_connected:
        frame = await socket.recv()
        assert frame["type"] == "connected", frame
    return socket

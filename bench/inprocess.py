"""Per-request cost in-process: wall time and CPU time of one request.

The served benchmarks mix the server with PostgreSQL, Redis and the load generator on
two cores; this tool isolates one request's own cost so a change can be judged before a
full run. It drives the project's ASGI application (`chat_project.asgi.application`, the
object uvicorn and daphne serve: Django's ASGI handler with its per-request context,
signals, middleware and thread hops) with a prepared ASGI scope, on one event loop,
against the benchmark databases, and prints the median wall and CPU time per request (CPU
time counts every thread of the process; the "client" only builds a dict and collects the
messages it is sent). What it leaves out is the server's HTTP parsing and socket I/O.
To see where the time goes, run it under py-spy:

    python -m bench.inprocess send            # POST /api/messages
    python -m bench.inprocess convlist        # GET /api/conversations, 1,000 of them
    py-spy record --gil -f raw -o /tmp/send.txt -- python -m bench.inprocess send -n 2000
    python -m bench.profile_top /tmp/send.txt --match get_response

`--test-client` drives django.test.AsyncClient instead (what this tool did before: it has
no per-request ThreadSensitiveContext, so it under-counts Django's ASGI handler).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from bench import infra, seed

Call = Callable[[], Awaitable[tuple[int, bytes]]]


class AsgiDriver:
    """Calls an ASGI HTTP application the way a server would, minus the sockets."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.headers = [
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {token}".encode()),
        ]

    async def request(
        self, method: str, path: str, body: bytes = b"", content_type: bytes | None = None
    ) -> tuple[int, bytes]:
        headers = list(self.headers)
        if content_type is not None:
            headers += [(b"content-type", content_type), (b"content-length", b"%d" % len(body))]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 40000),
            "server": ("127.0.0.1", 8000),
        }
        messages = [{"type": "http.request", "body": body, "more_body": False}]
        disconnected = asyncio.get_running_loop().create_future()

        async def receive() -> dict[str, Any]:
            if messages:
                return messages.pop()
            return await disconnected  # the client never goes away mid-request

        status = 0
        chunks: list[bytes] = []

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            else:
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        disconnected.cancel()
        return status, b"".join(chunks)


class TestClientDriver:
    """The same requests through django.test.AsyncClient (`--test-client`)."""

    def __init__(self, token: str) -> None:
        from django.test import AsyncClient

        self.client = AsyncClient()
        self.auth = {"authorization": f"Bearer {token}"}

    async def request(
        self, method: str, path: str, body: bytes = b"", content_type: bytes | None = None
    ) -> tuple[int, bytes]:
        if method == "GET":
            response = await self.client.get(path, headers=self.auth)
        else:
            response = await self.client.generic(
                method, path, body, content_type=(content_type or b"").decode(), headers=self.auth
            )
        return response.status_code, response.content


def _driver(token: str, args: argparse.Namespace) -> AsgiDriver | TestClientDriver:
    if args.test_client:
        return TestClientDriver(token)
    from chat_project.asgi import application

    return AsgiDriver(application, token)


def _send_case(args: argparse.Namespace) -> Call:
    (sender, *others) = seed.users("ip_send_", 10)
    (cid,) = seed.groups([[sender.id, *(u.id for u in others)]])
    driver = _driver(seed.tokens([sender])[sender.id], args)

    async def call() -> tuple[int, bytes]:
        body = b'{"conversation_id": %d, "content": "hello there", "client_id": "%s"}' % (
            cid,
            uuid.uuid4().hex.encode(),
        )
        status, content = await driver.request(
            "POST", "/api/messages", body, content_type=b"application/json"
        )
        assert status == 201, (status, content)
        return status, content

    return call


def _convlist_case(args: argparse.Namespace) -> Call:
    # As the convlist-1k scenario: 1,000 groups of three, one message each.
    user, a, b = seed.users("ip_list_", 3)
    ids = seed.groups([[user.id, a.id, b.id]] * 1000)
    seed.one_message_each(ids, a.id)
    driver = _driver(seed.tokens([user])[user.id], args)

    async def call() -> tuple[int, bytes]:
        status, content = await driver.request("GET", "/api/conversations")
        assert status == 200, (status, content)
        return status, content

    return call


CASES = {"send": _send_case, "convlist": _convlist_case}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.inprocess",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("-n", type=int, default=200, help="requests to time")
    parser.add_argument(
        "--test-client", action="store_true", help="drive django.test.AsyncClient instead"
    )
    args = parser.parse_args(argv)

    infra.ensure_databases()
    seed.setup()
    seed.migrate()
    seed.reset()
    call = CASES[args.case](args)
    asyncio.run(_measure(call, args))


async def _measure(call: Call, args: argparse.Namespace) -> None:
    for _ in range(10):  # warm-up: imports, connections, caches
        await call()
    walls, cpus = [], []
    for _ in range(args.n):
        w0, c0 = time.perf_counter(), time.process_time()
        await call()
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    print(
        f"{args.case}: n={args.n} wall p50 {statistics.median(walls) * 1000:.2f} ms, "
        f"cpu p50 {statistics.median(cpus) * 1000:.2f} ms "
        f"(cpu/wall {sum(cpus) / sum(walls):.0%})"
    )


if __name__ == "__main__":
    main()

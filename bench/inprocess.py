"""Per-request cost in-process: wall time and CPU time of one request.

The served benchmarks mix the server with PostgreSQL, Redis and the load generator on
two cores; this tool isolates one request's own cost so a change can be judged before a
full run. It drives the Django stack through its ASGI handler (`django.test.AsyncClient`:
the same views, middleware and thread hops as the servers, on one event loop) against the
benchmark databases and prints the median wall and CPU time per request (CPU time counts
every thread of the process). To see where the time goes, run it under py-spy:

    python -m bench.inprocess send            # POST /api/messages
    python -m bench.inprocess convlist        # GET /api/conversations, 1,000 of them
    py-spy record -f raw -o /tmp/send.txt -- python -m bench.inprocess send -n 2000
    python -m bench.profile_top /tmp/send.txt --match MessageViewSet
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


def _send_case() -> Callable[[], Awaitable[Any]]:
    from django.test import AsyncClient

    (sender, *others) = seed.users("ip_send_", 10)
    (cid,) = seed.groups([[sender.id, *(u.id for u in others)]])
    client = AsyncClient()
    auth = {"authorization": f"Bearer {seed.tokens([sender])[sender.id]}"}

    async def call() -> Any:
        body = {"conversation_id": cid, "content": "hello there", "client_id": uuid.uuid4().hex}
        response = await client.post(
            "/api/messages", body, content_type="application/json", headers=auth
        )
        assert response.status_code == 201, response.content
        return response

    return call


def _convlist_case() -> Callable[[], Awaitable[Any]]:
    from django.test import AsyncClient

    # As the convlist-1k scenario: 1,000 groups of three, one message each.
    user, a, b = seed.users("ip_list_", 3)
    ids = seed.groups([[user.id, a.id, b.id]] * 1000)
    seed.one_message_each(ids, a.id)
    client = AsyncClient()
    auth = {"authorization": f"Bearer {seed.tokens([user])[user.id]}"}

    async def call() -> Any:
        response = await client.get("/api/conversations", headers=auth)
        assert response.status_code == 200, response.content
        return response

    return call


CASES = {"send": _send_case, "convlist": _convlist_case}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__)
    parser.add_argument("case", choices=sorted(CASES))
    parser.add_argument("-n", type=int, default=200, help="requests to time")
    args = parser.parse_args(argv)

    infra.ensure_databases()
    seed.setup()
    seed.migrate()
    seed.reset()
    call = CASES[args.case]()
    asyncio.run(_measure(call, args))


async def _measure(call: Callable[[], Awaitable[Any]], args: argparse.Namespace) -> None:
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

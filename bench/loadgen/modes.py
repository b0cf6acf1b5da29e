"""The `idle`, `storm` and `http` modes."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from .common import now, percentiles
from .sockets import Tracker, close_all, connect_summary, make_clients, open_all


async def run_idle(spec: dict[str, Any]) -> dict[str, Any]:
    tracker = Tracker()
    clients = make_clients(spec)
    seconds = await open_all(
        clients, tracker, spec.get("connect_timeout", 60), spec.get("connect_concurrency", 50)
    )
    summary = connect_summary(clients, seconds)
    await asyncio.to_thread(Path(spec["ready_file"]).write_text, json.dumps(summary))
    await asyncio.sleep(float(spec.get("hold_seconds", 10)))
    alive = sum(1 for c in clients if c.reader is not None and not c.reader.done())
    await close_all(clients)
    return {"connect": summary, "alive_at_end": alive, "errors": dict(tracker.errors)}


async def run_storm(spec: dict[str, Any]) -> dict[str, Any]:
    tracker = Tracker()
    clients = make_clients(spec)
    seconds = await open_all(
        clients, tracker, spec.get("connect_timeout", 60), spec.get("connect_concurrency", 10**6)
    )
    summary = connect_summary(clients, seconds)
    await close_all(clients)
    return {"connect": summary, "errors": dict(tracker.errors)}


async def run_http(spec: dict[str, Any]) -> dict[str, Any]:
    groups: dict[str, Any] = {}
    async with httpx.AsyncClient(timeout=30) as http:
        for group in spec["groups"]:
            headers = {"Authorization": f"Bearer {group['token']}"}
            latencies: list[float] = []
            status: Counter[str] = Counter()
            sizes: list[int] = []
            for i in range(int(group.get("warmup", 2)) + int(group["repeat"])):
                t0 = now()
                try:
                    response = await http.get(group["url"], headers=headers)
                    # Latency ends with the last byte; parsing the body is the client's work.
                    elapsed = now() - t0
                    code = str(response.status_code)
                    items = response.json() if response.status_code == 200 else []
                except httpx.HTTPError as exc:
                    elapsed = now() - t0
                    code, items = type(exc).__name__, []
                if i >= int(group.get("warmup", 2)):
                    latencies.append(elapsed)
                    status[code] += 1
                    sizes.append(len(items) if isinstance(items, list) else -1)
            groups[group["name"]] = {
                "latency_ms": percentiles(latencies),
                "status": dict(status),
                "items": sorted(set(sizes)),
            }
    return {"groups": groups}

"""Sockets without traffic: a thousand idle ones (idle-1000) and a thousand at once
(connect-storm)."""

from __future__ import annotations

import json
import time
from typing import Any

from bench import infra, seed

from .common import Ctx, Row, merge_errors, ms, socket_clients


def _crowd(users: int, per_user: int, group_size: int = 20) -> tuple[list[Any], dict[int, str]]:
    """`users` people, each in `per_user` group conversations of `group_size` members."""
    seed.reset()
    people = seed.users("crowd", users)
    stride = max(1, users // group_size)
    member_lists = []
    for start in range(users * per_user // group_size):
        member_lists.append(
            [people[(start + k * stride) % users].id for k in range(min(group_size, users))]
        )
    seed.groups(member_lists, name="crowd")
    return people, seed.tokens(people)


def idle_1000(ctx: Ctx) -> list[Row]:
    count, hold, window = (20, 5, 1) if ctx.smoke else (1000, 30, 15)
    procs = ctx.procs or 1
    people, tokens = _crowd(count, 3 if ctx.smoke else 20)
    with ctx.servers(procs) as group:
        urls = group.ws_urls

        def clients(sel: list[Any]) -> list[dict[str, Any]]:
            return socket_clients(sel, tokens, urls)

        infra.run_loadgen(
            {"mode": "storm", "clients": clients(people[:10]), "deadline_seconds": 60}
        )
        time.sleep(1)
        rss_base = group.rss_bytes()
        ready = infra.temp_path(f"idle-ready-{time.time_ns()}.json")
        process, result_path, log = infra.start_loadgen(
            {
                "mode": "idle",
                "clients": clients(people),
                "connect_concurrency": 50,
                "hold_seconds": hold,
                "ready_file": str(ready),
                "deadline_seconds": 240,
            }
        )
        try:
            deadline = time.monotonic() + 200
            while not ready.exists() and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.2)
            if not ready.exists():
                raise RuntimeError(f"idle sockets never connected:\n{log.read_text()[-2000:]}")
            time.sleep(2)
            cpu0, t0 = group.cpu_seconds(), time.monotonic()
            rss_loaded = group.rss_bytes()
            time.sleep(window)
            cpu1, t1 = group.cpu_seconds(), time.monotonic()
            rss_loaded = max(rss_loaded, group.rss_bytes())
            process.wait(timeout=hold + 60)
        finally:
            infra.stop(process)
        result = json.loads(result_path.read_text())
    connected = result["connect"]["connected"]
    per_socket_kb = (rss_loaded - rss_base) / max(1, connected) / 1024
    cpu_pct = (cpu1 - cpu0) / (t1 - t0) * 100
    ok = connected == count and result["alive_at_end"] == count
    figures = {
        "sockets": f"{connected}/{count} connected, {result['alive_at_end']} still open at end",
        "RSS": f"{rss_base / 2**20:.1f} MiB → {rss_loaded / 2**20:.1f} MiB",
        "RSS per socket": f"{per_socket_kb:.1f} KB",
        "server CPU while idle": f"{cpu_pct:.1f} % of one core (over {window} s)",
    }
    errors = merge_errors([result])
    if errors:
        figures["errors"] = errors
    met = None if ctx.smoke else bool(per_socket_kb <= 30 and ok)
    return [
        Row(
            "idle-1000",
            ctx.variant(procs),
            figures,
            "≤ 30 KB RSS per idle socket",
            met,
            raw=result,
            zero_loss=ok,
        )
    ]


def connect_storm(ctx: Ctx) -> list[Row]:
    count, per_user = (30, 3) if ctx.smoke else (1000, 20)
    procs = ctx.procs or 1
    people, tokens = _crowd(count, per_user)
    with ctx.servers(procs) as group:
        urls = group.ws_urls
        result = infra.run_loadgen(
            {
                "mode": "storm",
                "clients": socket_clients(people, tokens, urls),
                "connect_timeout": 90,
                "deadline_seconds": 180,
            }
        )
    connect = result["connect"]
    errors = sum(connect["errors"].values())
    figures = {
        "users x conversations": f"{count} x {per_user}",
        "all connected after": f"{connect['seconds']} s ({connect['connected']}/{count})",
        "connects/s": connect["per_second"],
        "connect latency": f"p50 {ms(connect['connect_ms']['p50'])}, "
        f"p99 {ms(connect['connect_ms']['p99'])}",
        "errors": connect["errors"] or 0,
    }
    return [
        Row(
            "connect-storm",
            ctx.variant(procs),
            figures,
            "no goal set; every connect must succeed",
            None if ctx.smoke else errors == 0,
            raw=result,
            zero_loss=errors == 0,
        )
    ]

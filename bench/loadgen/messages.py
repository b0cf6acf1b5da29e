"""The `messages` mode: send over the socket or REST, open or closed loop, and time every
delivery."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import secrets
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from websockets.exceptions import WebSocketException

from .common import json_loads, now, percentiles
from .non_readers import NonReader, watch
from .sockets import (
    Client,
    Sent,
    Tracker,
    close_all,
    connect_summary,
    forget,
    make_clients,
    open_all,
)


def _error_code(response: httpx.Response) -> str:
    """The `code` of a JSON error body (`overloaded`, `throttled`...), else `?`."""
    try:
        body = json_loads(response.content)
    except ValueError:
        return "?"
    code = body.get("code") if isinstance(body, dict) else None
    return str(code) if code else "?"


async def run_messages(spec: dict[str, Any]) -> dict[str, Any]:
    tracker = Tracker()
    clients = make_clients(spec)
    by_uid: dict[int, Client] = {}
    for client in clients:
        by_uid.setdefault(client.uid, client)
    seconds = await open_all(
        clients, tracker, spec.get("connect_timeout", 30), spec.get("connect_concurrency", 100)
    )
    result: dict[str, Any] = {"connect": connect_summary(clients, seconds), "steps": []}
    non_readers = [
        NonReader(
            uid=int(n["uid"]),
            url=n["url"],
            token=n["token"],
            rcvbuf=int(n.get("rcvbuf", 4096)),
            mss=int(n.get("mss", 536)),
        )
        for n in spec.get("non_readers", [])
    ]
    for non_reader in non_readers:
        await non_reader.open(float(spec.get("connect_timeout", 30)))
    t_ready = now()
    if spec.get("ready_file"):  # the harness samples the servers from here on
        await asyncio.to_thread(Path(spec["ready_file"]).write_text, json.dumps({"ready": True}))
    watching = asyncio.Event()
    watcher = asyncio.create_task(watch(non_readers, watching)) if non_readers else None
    sockets_of: Counter[int] = Counter(c.uid for c in clients if c.connected_at is not None)
    members = {int(k): [int(u) for u in v] for k, v in spec.get("conversations", {}).items()}
    expected_for = {cid: sum(sockets_of[u] for u in uids) for cid, uids in members.items()}
    senders = [(int(u), int(c)) for u, c in spec["senders"]]
    via = spec.get("send_via", "ws")
    bases = spec.get("http_bases", [])
    tokens = {int(k): v for k, v in spec.get("tokens", {}).items()}
    in_flight = asyncio.Semaphore(spec.get("max_in_flight", 10))
    ack_timeout = float(spec.get("ack_timeout", 10))
    report_created = bool(spec.get("report_created"))
    http_latencies: dict[int, list[float]] = {}
    http_status: dict[int, Counter[str]] = {}
    refused: dict[int, Counter[str]] = {}  # 429s by their JSON `code`, per step
    retry_after: list[float] = []
    created: list[str] = []
    rng = random.Random(spec.get("seed", 7))
    # Fresh per run: a repeated client_id is an idempotent replay (no event), so reusing
    # the seeded RNG here made every run after the first on one server look 100% lost.
    nonce = f"{spec.get('nonce', 'b')}{secrets.token_hex(4)}"
    order = spec.get("sender_order", "round_robin")
    tasks: set[asyncio.Task[None]] = set()
    concurrency = max(
        [int(spec.get("max_in_flight", 10))]
        + [int(s.get("concurrency", 0)) for s in spec["steps"] if "count" in s]
    )
    limits = httpx.Limits(max_connections=concurrency + 4)
    counter = 0
    strikes = 0
    load_t0: float | None = None  # start of the first judged step
    async with httpx.AsyncClient(timeout=30, limits=limits) as http:

        async def rest_send(
            client_id: str, uid: int, cid: int, base: str, step: int, record: Sent
        ) -> None:
            try:
                record.t0 = now()
                response = await http.post(
                    f"{base}/api/messages",
                    json={
                        "conversation_id": cid,
                        "content": f"bench {client_id}",
                        "client_id": client_id,
                    },
                    headers={"Authorization": f"Bearer {tokens[uid]}"},
                )
                http_latencies.setdefault(step, []).append(now() - record.t0)
                http_status.setdefault(step, Counter())[str(response.status_code)] += 1
                if response.status_code == 201:
                    if report_created:
                        created.append(client_id)
                    return
                record.expected = 0
                if response.status_code == 429:
                    # Refused under load: counted, never sent again (that is what
                    # Retry-After asks of a client that has nothing else to send).
                    code = _error_code(response)
                    refused.setdefault(step, Counter())[code] += 1
                    with contextlib.suppress(TypeError, ValueError):
                        retry_after.append(float(response.headers.get("Retry-After")))
                    tracker.errors[f"http_429_{code}"] += 1
                else:
                    tracker.errors[f"http_{response.status_code}"] += 1
            except httpx.HTTPError as exc:
                record.expected = 0
                tracker.errors[type(exc).__name__] += 1
                http_status.setdefault(step, Counter())[type(exc).__name__] += 1

        async def rest_send_released(*args: Any) -> None:
            try:
                await rest_send(*args)
            finally:
                in_flight.release()

        async def send_one(step_index: int, wait: bool) -> None:
            """One message by the next sender. `wait`: return when it is done (closed
            loop: its HTTP response or its ack); else as soon as it is handed over."""
            nonlocal counter
            if order == "random":
                uid, cid = senders[rng.randrange(len(senders))]
            else:
                uid, cid = senders[counter % len(senders)]
            counter += 1
            client_id = f"{nonce}-{counter}"
            record = Sent(now(), step_index, uid, cid, expected_for.get(cid, 0))
            tracker.sent[client_id] = record
            if via == "ws":
                client = by_uid.get(uid)
                if client is None or client.ws is None or client.connected_at is None:
                    record.expected = 0
                    tracker.errors["sender_not_connected"] += 1
                    return
                frame = {
                    "type": "send_message",
                    "conversation_id": cid,
                    "content": f"bench {client_id}",
                    "client_id": client_id,
                }
                waiter: asyncio.Future[bool] | None = None
                if wait:
                    waiter = asyncio.get_running_loop().create_future()
                    tracker.ack_waiters[client_id] = waiter
                client.pending.append(client_id)
                try:
                    record.t0 = now()
                    await client.ws.send(json.dumps(frame))
                except WebSocketException:
                    forget(client.pending, client_id)
                    tracker.on_send_refused(client_id, "ws_send_failed")
                    return
                if waiter is not None:
                    try:
                        async with asyncio.timeout(ack_timeout):
                            await waiter
                    except TimeoutError:
                        tracker.ack_waiters.pop(client_id, None)
                        tracker.errors["ack_timeout"] += 1
                return
            base = bases[counter % len(bases)]
            if wait:
                await rest_send(client_id, uid, cid, base, step_index, record)
                return
            await in_flight.acquire()
            task = asyncio.create_task(
                rest_send_released(client_id, uid, cid, base, step_index, record)
            )
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        for step_index, step in enumerate(spec["steps"]):
            closed = "count" in step
            t_start = now()
            if load_t0 is None and not step.get("warmup"):
                load_t0 = t_start
            cpu_start = time.process_time()
            late_sends = 0
            skipped = 0
            rate: float | None = None
            if closed:
                count = int(step["count"])
                issued = 0

                async def worker(step_index: int = step_index, count: int = count) -> None:
                    nonlocal issued
                    while issued < count:
                        issued += 1
                        await send_one(step_index, wait=True)

                await asyncio.gather(*(worker() for _ in range(int(step.get("concurrency", 10)))))
                duration = now() - t_start
            else:
                rate = float(step["rate"])
                duration = float(step["duration"])
                count = max(1, int(rate * duration))
                # Overload keeps its schedule whatever the server does: a send whose turn
                # comes while `max_in_flight` requests wait is skipped (and counted), not
                # delayed, so the step offers its rate for its duration and no longer.
                skip = bool(step.get("skip_when_full")) and via == "rest"
                for i in range(count):
                    target = t_start + i / rate
                    delay = target - now()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    elif delay < -0.05:
                        late_sends += 1
                    if skip and in_flight.locked():
                        skipped += 1
                        continue
                    await send_one(step_index, wait=False)
            send_seconds = now() - t_start
            # The generator shares the cores: how much of one it used while sending.
            loadgen_cpu = (time.process_time() - cpu_start) / max(1e-6, send_seconds)
            # Drain: wait for the step's HTTP requests and deliveries, with a deadline.
            records = [r for r in tracker.sent.values() if r.step == step_index]
            deadline = now() + float(spec.get("drain_seconds", 5))
            while now() < deadline:
                pending_http = any(not t.done() for t in tasks)
                missing = sum(r.expected - r.delivered for r in records if r.delivered < r.expected)
                if not pending_http and missing == 0:
                    break
                await asyncio.sleep(0.02)
            if closed:  # a burst's deliveries arrive mostly after the last send: count them
                loadgen_cpu = (time.process_time() - cpu_start) / max(1e-6, now() - t_start)
            expected = sum(r.expected for r in records)
            delivered = sum(min(r.delivered, r.expected) for r in records)
            complete = [r.last_delivery - r.t0 for r in records if r.delivered >= r.expected > 0]
            window = max((r.last_delivery for r in records if r.delivered), default=t_start)
            stats = {
                "warmup": bool(step.get("warmup")),
                "rate": rate,
                "duration": round(duration, 3),
                "closed_loop": (
                    {"count": count, "concurrency": int(step.get("concurrency", 10))}
                    if closed
                    else None
                ),
                "t_start_s": round(t_start - t_ready, 3),
                "t_end_s": round(now() - t_ready, 3),
                "messages": len(records),
                "achieved_rate": round(len(records) / send_seconds, 1),
                "late_sends": late_sends,
                "skipped": skipped,
                "expected": expected,
                "delivered": delivered,
                "lost": expected - delivered,
                "out_of_order": tracker.out_of_order[step_index],
                "duplicates": tracker.duplicates[step_index],
                "deliveries_per_s": round(delivered / max(1e-6, window - t_start), 1),
                "latency_ms": percentiles(tracker.latencies.get(step_index, [])),
                "complete_ms": percentiles(complete),
                "ack_ms": percentiles(tracker.ack_latencies.get(step_index, [])),
                "http_ms": percentiles(http_latencies.get(step_index, [])),
                "http_status": dict(http_status.get(step_index, {})),
                "http_429": dict(refused.get(step_index, {})),
                "loadgen_cpu": round(loadgen_cpu, 2),
            }
            result["steps"].append(stats)
            if stats["warmup"]:
                await asyncio.sleep(float(spec.get("pause_seconds", 0.5)))
                continue
            if rate is not None:  # ramps stop at the knee; closed-loop steps just run
                stop = spec.get("stop_p99_ms")
                metrics = spec.get("stop_metrics") or [spec.get("stop_metric", "latency_ms")]
                p99s = [stats[m]["p99"] for m in metrics]
                over = stop is not None and any(p is None or p > stop for p in p99s)
                strikes = strikes + 1 if over else 0
                if strikes >= 2:  # two steps in a row past the limit: one noisy step is not a knee
                    break
                if stats["achieved_rate"] < 0.8 * rate:
                    break  # the generator (or the server's back-pressure) cannot keep up
            await asyncio.sleep(float(spec.get("pause_seconds", 0.5)))
        for task in list(tasks):
            task.cancel()
    watching.set()
    if watcher is not None:
        await watcher
    t0 = load_t0 if load_t0 is not None else t_ready
    if non_readers:
        result["non_readers"] = []
        for non_reader in non_readers:
            summary = non_reader.summary(t0)
            if summary["connected"]:
                summary.update(await non_reader.read_out(tracker, t0, limit=8))
            result["non_readers"].append(summary)
    result["errors"] = dict(tracker.errors)
    result["unknown_deliveries"] = tracker.unknown_deliveries
    result["http_429"] = dict(sum(refused.values(), Counter()))
    if retry_after:
        result["retry_after_s"] = {"min": min(retry_after), "max": max(retry_after)}
    if report_created:
        result["created"] = created
    await close_all(clients)
    return result

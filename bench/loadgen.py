"""The load generator: real WebSocket and HTTP clients in a process of their own.

It imports nothing from Django, so what it measures is the server as a client sees it:
the harness (`bench.runner`) seeds the database, mints tokens and starts the servers,
then runs `python -m bench.loadgen SPEC.json RESULT.json` with everything this process
needs written into the spec. Keeping the clients out of the harness process means the
harness's own Django import and seeding never steal event-loop time from the clients.

Every phase is bounded: connects have a timeout, each rate step has a duration, the
drain after a step has a deadline, and `deadline_seconds` caps the whole run. The
process always exits by itself and closes its sockets on the way out.

Modes (the spec's `mode`):

* `messages`: open one socket per client, send messages (over the socket or `POST
  /api/messages`) at stepped rates and time every `new_message` delivery by the
  `client_id` the sender put on it (send->receive latency, lost, duplicated and
  out-of-order deliveries). Without clients it times only the HTTP sends (rest-send).
* `idle`: open the sockets, write `ready_file`, hold them open and silent, close.
* `storm`: open every socket at once and time until each got `connected`.
* `http`: named groups of GET requests, one at a time, timed (convlist, history).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import resource
import secrets
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus, WebSocketException

now = time.perf_counter


def percentiles(values: list[float]) -> dict[str, float | int | None]:
    """p50/p95/p99/max of latencies in milliseconds (nearest-rank, no interpolation)."""
    if not values:
        return {"n": 0, "p50": None, "p95": None, "p99": None, "max": None}
    ordered = sorted(values)

    def rank(q: float) -> float:
        return round(ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000, 2)

    return {
        "n": len(ordered),
        "p50": rank(0.50),
        "p95": rank(0.95),
        "p99": rank(0.99),
        "max": round(ordered[-1] * 1000, 2),
    }


def raise_fd_limit() -> None:
    """1,000 sockets need more descriptors than some default soft limits allow."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# --- sockets ------------------------------------------------------------------------------


@dataclass
class Sent:
    """One message in flight: when it left and who should see it."""

    t0: float
    step: int
    sender: int
    conversation_id: int
    expected: int
    delivered: int = 0
    last_delivery: float = 0.0
    acked: float | None = None


@dataclass
class Tracker:
    """Everything the socket readers record, shared by all sockets of the run."""

    sent: dict[str, Sent] = field(default_factory=dict)
    latencies: dict[int, list[float]] = field(default_factory=dict)
    ack_latencies: dict[int, list[float]] = field(default_factory=dict)
    out_of_order: Counter[int] = field(default_factory=Counter)
    duplicates: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    unknown_deliveries: int = 0
    last_seq: dict[tuple[int, int], int] = field(default_factory=dict)

    def on_new_message(self, socket_index: int, uid: int, message: dict[str, Any]) -> None:
        t = now()
        record = self.sent.get(str(message.get("client_id")))
        conversation_id = int(message.get("conversation_id") or 0)
        seq = int(message.get("seq") or 0)
        key = (socket_index, conversation_id)
        last = self.last_seq.get(key)
        if record is None:
            self.unknown_deliveries += 1
            return
        if last is not None and seq <= last:
            if seq == last:
                self.duplicates[record.step] += 1
                return
            self.out_of_order[record.step] += 1
        else:
            self.last_seq[key] = seq
        record.delivered += 1
        record.last_delivery = t
        if uid != record.sender:
            self.latencies.setdefault(record.step, []).append(t - record.t0)

    def on_ack(self, message: dict[str, Any]) -> None:
        record = self.sent.get(str(message.get("client_id")))
        if record is not None and record.acked is None:
            record.acked = now()
            self.ack_latencies.setdefault(record.step, []).append(record.acked - record.t0)


@dataclass
class Client:
    index: int
    uid: int
    url: str
    token: str
    ws: ClientConnection | None = None
    connected_at: float | None = None
    error: str | None = None
    reader: asyncio.Task[None] | None = None
    frames: int = 0
    close_code: int | None = None
    closing: bool = False


async def open_socket(client: Client, tracker: Tracker, limit: float) -> None:
    """Handshake with the Bearer header and wait for the `connected` frame."""
    t0 = now()
    try:
        client.ws = await connect(
            client.url,
            additional_headers={"Authorization": f"Bearer {client.token}"},
            compression=None,
            open_timeout=limit,
            ping_interval=None,
            max_size=2**22,
            max_queue=None,
        )
        async with asyncio.timeout(max(0.1, limit - (now() - t0))):
            while True:
                frame = json.loads(await client.ws.recv())
                if frame.get("type") == "connected":
                    client.connected_at = now() - t0
                    break
    except InvalidStatus as exc:
        client.error = f"http_{exc.response.status_code}"
    except TimeoutError:
        client.error = "timeout"
    except WebSocketException as exc:
        code = getattr(getattr(exc, "rcvd", None), "code", None)
        client.error = f"closed_{code}" if code else type(exc).__name__
    except OSError as exc:
        client.error = f"os_{exc.errno}"
    if client.error is None and client.ws is not None:
        client.reader = asyncio.create_task(read_loop(client, tracker))


async def read_loop(client: Client, tracker: Tracker) -> None:
    """Record every frame the server pushes to this socket until it closes."""
    assert client.ws is not None
    with contextlib.suppress(WebSocketException, asyncio.CancelledError):
        async for raw in client.ws:
            client.frames += 1
            frame = json.loads(raw)
            kind = frame.get("type")
            if kind == "new_message":
                tracker.on_new_message(client.index, client.uid, frame.get("message") or {})
            elif kind == "message_ack":
                tracker.on_ack(frame)
            elif kind == "error":
                tracker.errors[f"ws_{frame.get('code')}"] += 1
    if client.ws.close_code is not None and not client.closing:
        client.close_code = client.ws.close_code
        tracker.errors[f"closed_by_server_{client.ws.close_code}"] += 1


async def open_all(
    clients: list[Client], tracker: Tracker, limit: float, concurrency: int
) -> float:
    """Connect every client (at most `concurrency` handshakes at once); returns seconds."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(client: Client) -> None:
        async with gate:
            await open_socket(client, tracker, limit)

    t0 = now()
    await asyncio.gather(*(one(c) for c in clients))
    return now() - t0


async def close_all(clients: list[Client]) -> None:
    async def one(client: Client) -> None:
        client.closing = True
        if client.ws is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(5):
                    await client.ws.close()
        if client.reader is not None:
            client.reader.cancel()
            with contextlib.suppress(BaseException):
                await client.reader

    await asyncio.gather(*(one(c) for c in clients))


def make_clients(spec: dict[str, Any]) -> list[Client]:
    return [
        Client(index=i, uid=int(c["uid"]), url=c["url"], token=c["token"])
        for i, c in enumerate(spec.get("clients", []))
    ]


def connect_summary(clients: list[Client], seconds: float) -> dict[str, Any]:
    ok = [c.connected_at for c in clients if c.connected_at is not None]
    errors = Counter(c.error for c in clients if c.error)
    return {
        "sockets": len(clients),
        "connected": len(ok),
        "errors": dict(errors),
        "seconds": round(seconds, 3),
        "per_second": round(len(ok) / seconds, 1) if seconds > 0 else None,
        "connect_ms": percentiles([t for t in ok if t is not None]),
    }


# --- mode: messages -----------------------------------------------------------------------


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
    sockets_of: Counter[int] = Counter(c.uid for c in clients if c.connected_at is not None)
    members = {int(k): [int(u) for u in v] for k, v in spec.get("conversations", {}).items()}
    expected_for = {cid: sum(sockets_of[u] for u in uids) for cid, uids in members.items()}
    senders = [(int(u), int(c)) for u, c in spec["senders"]]
    via = spec.get("send_via", "ws")
    bases = spec.get("http_bases", [])
    tokens = {int(k): v for k, v in spec.get("tokens", {}).items()}
    in_flight = asyncio.Semaphore(spec.get("max_in_flight", 10))
    http_latencies: dict[int, list[float]] = {}
    http_status: dict[int, Counter[str]] = {}
    rng = random.Random(spec.get("seed", 7))
    # Fresh per run: a repeated client_id is an idempotent replay (no event), so reusing
    # the seeded RNG here made every run after the first on one server look 100% lost.
    nonce = f"{spec.get('nonce', 'b')}{secrets.token_hex(4)}"
    order = spec.get("sender_order", "round_robin")
    tasks: set[asyncio.Task[None]] = set()
    limits = httpx.Limits(max_connections=spec.get("max_in_flight", 10) + 4)
    counter = 0
    strikes = 0
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
                if response.status_code != 201:
                    record.expected = 0
                    tracker.errors[f"http_{response.status_code}"] += 1
            except httpx.HTTPError as exc:
                record.expected = 0
                tracker.errors[type(exc).__name__] += 1
                http_status.setdefault(step, Counter())[type(exc).__name__] += 1
            finally:
                in_flight.release()

        for step_index, step in enumerate(spec["steps"]):
            rate = float(step["rate"])
            duration = float(step["duration"])
            count = max(1, int(rate * duration))
            t_start = now()
            cpu_start = time.process_time()
            late_sends = 0
            for i in range(count):
                target = t_start + i / rate
                delay = target - now()
                if delay > 0:
                    await asyncio.sleep(delay)
                elif delay < -0.05:
                    late_sends += 1
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
                        continue
                    frame = {
                        "type": "send_message",
                        "conversation_id": cid,
                        "content": f"bench {client_id}",
                        "client_id": client_id,
                    }
                    try:
                        await client.ws.send(json.dumps(frame))
                    except WebSocketException:
                        record.expected = 0
                        tracker.errors["ws_send_failed"] += 1
                else:
                    await in_flight.acquire()
                    base = bases[counter % len(bases)]
                    task = asyncio.create_task(
                        rest_send(client_id, uid, cid, base, step_index, record)
                    )
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
            send_seconds = now() - t_start
            # The generator shares the cores: how much of one it used while sending.
            loadgen_cpu = (time.process_time() - cpu_start) / max(1e-6, send_seconds)
            # Drain: wait for the step's HTTP requests and deliveries, with a deadline.
            deadline = now() + float(spec.get("drain_seconds", 5))
            while now() < deadline:
                pending_http = any(not t.done() for t in tasks)
                missing = sum(
                    r.expected - r.delivered
                    for r in tracker.sent.values()
                    if r.step == step_index and r.delivered < r.expected
                )
                if not pending_http and missing == 0:
                    break
                await asyncio.sleep(0.02)
            records = [r for r in tracker.sent.values() if r.step == step_index]
            expected = sum(r.expected for r in records)
            delivered = sum(min(r.delivered, r.expected) for r in records)
            complete = [r.last_delivery - r.t0 for r in records if r.delivered >= r.expected > 0]
            window = max((r.last_delivery for r in records if r.delivered), default=t_start)
            stats = {
                "warmup": bool(step.get("warmup")),
                "rate": rate,
                "duration": duration,
                "messages": len(records),
                "achieved_rate": round(len(records) / send_seconds, 1),
                "late_sends": late_sends,
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
                "loadgen_cpu": round(loadgen_cpu, 2),
            }
            result["steps"].append(stats)
            if stats["warmup"]:
                await asyncio.sleep(float(spec.get("pause_seconds", 0.5)))
                continue
            stop = spec.get("stop_p99_ms")
            metric = spec.get("stop_metric", "latency_ms")
            p99 = stats[metric]["p99"]
            over = stop is not None and (p99 is None or p99 > stop)
            strikes = strikes + 1 if over else 0
            if strikes >= 2:  # two steps in a row past the limit: one noisy step is not a knee
                break
            if stats["achieved_rate"] < 0.8 * rate:
                break  # the generator (or the server's back-pressure) cannot keep up
            await asyncio.sleep(float(spec.get("pause_seconds", 0.5)))
        for task in list(tasks):
            task.cancel()
    result["errors"] = dict(tracker.errors)
    result["unknown_deliveries"] = tracker.unknown_deliveries
    await close_all(clients)
    return result


# --- mode: idle and storm -----------------------------------------------------------------


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


# --- mode: http ---------------------------------------------------------------------------


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


MODES = {"messages": run_messages, "idle": run_idle, "storm": run_storm, "http": run_http}


async def main_async(spec: dict[str, Any]) -> dict[str, Any]:
    async with asyncio.timeout(float(spec.get("deadline_seconds", 300))):
        return await MODES[spec["mode"]](spec)


def main(argv: list[str]) -> int:
    spec_path, result_path = argv[1], argv[2]
    spec = json.loads(Path(spec_path).read_text())
    raise_fd_limit()
    t0 = now()
    if spec.get("uvloop"):  # a cheaper client loop leaves more of the 2 cores to the server
        import uvloop

        result = uvloop.run(main_async(spec))
    else:
        result = asyncio.run(main_async(spec))
    result["loadgen_seconds"] = round(now() - t0, 2)
    Path(result_path).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

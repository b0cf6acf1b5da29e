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
  /api/messages`) and time every `new_message` delivery by the `client_id` the sender
  put on it (send->receive latency, lost, duplicated and out-of-order deliveries).
  Without clients it times only the HTTP sends (rest-send). A step is either open loop
  (`rate` x `duration`: a fixed schedule, whatever the replies) or closed loop (`count`
  sends with `concurrency` in flight: a new send starts when one finishes, i.e. when its
  HTTP response or its `message_ack` arrived). Optional `non_readers`: sockets that
  complete the handshake and then never read (overload), watched from outside.
* `idle`: open the sockets, write `ready_file`, hold them open and silent, close.
* `storm`: open every socket at once and time until each got `connected`.
* `http`: named groups of GET requests, one at a time, timed (convlist, history).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import math
import random
import resource
import secrets
import socket
import sys
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus, WebSocketException

try:  # a third of json's parsing cost per frame: the generator shares the cores
    from orjson import loads as json_loads
except ImportError:  # pragma: no cover - orjson is a runtime dependency of the project
    json_loads = json.loads

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
    #: Closed-loop WebSocket sends wait here for their `message_ack` (by client_id).
    ack_waiters: dict[str, asyncio.Future[bool]] = field(default_factory=dict)

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

    def on_ack(self, client: Client, message: dict[str, Any]) -> None:
        client_id = str(message.get("client_id"))
        record = self.sent.get(client_id)
        _forget(client.pending, client_id)
        if record is not None and record.acked is None:
            record.acked = now()
            self.ack_latencies.setdefault(record.step, []).append(record.acked - record.t0)
        waiter = self.ack_waiters.pop(client_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(True)

    def on_send_refused(self, client_id: str, reason: str) -> None:
        """A send the server refused (an `error` frame, or the socket closed before its
        ack): nobody will receive it, so its deliveries are not expected (not lost)."""
        record = self.sent.get(client_id)
        if record is not None:
            record.expected = 0
        self.errors[reason] += 1
        waiter = self.ack_waiters.pop(client_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(False)


def _forget(pending: deque[str], client_id: str) -> None:
    """Drop an acknowledged send from its socket's queue (nearly always the oldest)."""
    if pending and pending[0] == client_id:
        pending.popleft()
    else:
        with contextlib.suppress(ValueError):
            pending.remove(client_id)


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
    #: client_ids sent on this socket and not yet acknowledged, oldest first. The consumer
    #: handles a socket's frames one at a time, so an `error` frame answering a
    #: `send_message` (it carries no client_id) belongs to the oldest of them.
    pending: deque[str] = field(default_factory=deque)


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
                frame = json_loads(await client.ws.recv())
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
            frame = json_loads(raw)
            kind = frame.get("type")
            if kind == "new_message":
                tracker.on_new_message(client.index, client.uid, frame.get("message") or {})
            elif kind == "message_ack":
                tracker.on_ack(client, frame)
            elif kind == "error":
                if frame.get("request_type") == "send_message" and client.pending:
                    tracker.on_send_refused(client.pending.popleft(), f"ws_{frame.get('code')}")
                else:
                    tracker.errors[f"ws_{frame.get('code')}"] += 1
    if client.ws.close_code is not None and not client.closing:
        client.close_code = client.ws.close_code
        tracker.errors[f"closed_by_server_{client.ws.close_code}"] += 1
    while client.pending and not client.closing:  # never acknowledged: the socket is gone
        tracker.on_send_refused(client.pending.popleft(), "ws_closed_before_ack")


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


# --- sockets that never read (overload) ---------------------------------------------------

#: /proc/net/tcp state numbers (include/net/tcp_states.h); 0: no such socket any more.
TCP_STATES = {
    0: "gone",
    1: "ESTABLISHED",
    4: "FIN_WAIT1",
    5: "FIN_WAIT2",
    6: "TIME_WAIT",
    7: "CLOSE",
    8: "CLOSE_WAIT",
    9: "LAST_ACK",
    11: "CLOSING",
}


def tcp_table() -> dict[tuple[int, int], tuple[int, int, int]]:
    """(local port, remote port) -> (state, send queue, receive queue) of IPv4 TCP sockets.

    Read from /proc/net/tcp: the only way to watch a socket that must not be read, from
    both ends (the server's send queue grows while the non-reader's receive queue is full).
    Empty where there is no such file (not Linux).
    """
    table: dict[tuple[int, int], tuple[int, int, int]] = {}
    try:
        with open("/proc/net/tcp") as lines:
            next(lines)
            for line in lines:
                parts = line.split()
                local, remote, state = parts[1], parts[2], parts[3]
                tx, rx = parts[4].split(":")
                key = (int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16))
                table[key] = (int(state, 16), int(tx, 16), int(rx, 16))
    except OSError:
        pass
    return table


class FrameReader:
    """Server-to-client WebSocket frames out of raw bytes (the non-reader has no library
    client: a library would keep reading in the background, which is what must not happen).
    """

    def __init__(self) -> None:
        self.buffer = bytearray()
        self._partial: tuple[int, bytearray] | None = None

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        """Complete messages as (opcode, payload); fragments are joined, the rest waits."""
        buf = self.buffer
        buf += data
        out: list[tuple[int, bytes]] = []
        pos = 0
        while len(buf) - pos >= 2:
            fin, opcode = buf[pos] & 0x80, buf[pos] & 0x0F
            masked, length, head = buf[pos + 1] & 0x80, buf[pos + 1] & 0x7F, 2
            if length == 126:
                if len(buf) - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 4], "big"), 4
            elif length == 127:
                if len(buf) - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
            start = pos + head + (4 if masked else 0)
            end = start + length
            if end > len(buf):
                break
            payload = bytes(buf[start:end])
            if masked:  # servers do not mask; unmask anyway rather than misread
                mask = buf[pos + head : pos + head + 4]
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            pos = end
            if opcode >= 8:  # control frames are never fragmented
                out.append((opcode, payload))
            elif opcode:  # first (or only) frame of a message
                if fin:
                    out.append((opcode, payload))
                else:
                    self._partial = (opcode, bytearray(payload))
            elif self._partial is not None:  # continuation
                self._partial[1].extend(payload)
                if fin:
                    out.append((self._partial[0], bytes(self._partial[1])))
                    self._partial = None
        del buf[:pos]
        return out


@dataclass
class NonReader:
    """A member socket that completes the handshake, sees `connected`, then never reads.

    Its receive buffer and MSS are made small before connecting, so the kernels of both
    ends hold only tens of KB for it and the backlog builds up in the server process within
    seconds rather than after megabytes. It is watched from outside (the TCP state and
    queues of both ends in /proc/net/tcp, which reading nothing leaves untouched); only
    after the run is it read, to see what the server had sent it: frames and maybe a close
    frame with its code.
    """

    uid: int
    url: str
    token: str
    rcvbuf: int = 4096
    mss: int = 536
    sock: socket.socket | None = None
    error: str | None = None
    local_port: int = 0
    server_port: int = 0
    frames: FrameReader = field(default_factory=FrameReader)
    #: Frames received before it stopped reading (up to and including `connected`).
    frames_before: int = 0
    closed_at: float | None = None  # perf_counter when either end left ESTABLISHED
    closed_how: str | None = None
    server_queue_max: int = 0  # bytes the server's kernel holds for it, unsent
    client_unread_max: int = 0  # bytes its own kernel holds, unread
    last_server_state: str | None = None

    async def open(self, limit: float) -> None:
        loop = asyncio.get_running_loop()
        url = urlparse(self.url)
        host, port = url.hostname or "127.0.0.1", url.port or 80
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.rcvbuf)
        with contextlib.suppress(OSError):  # the peer then sends small segments
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, self.mss)
        self.sock = sock
        key = base64.b64encode(secrets.token_bytes(16)).decode()
        request = (
            f"GET {url.path or '/'} HTTP/1.1\r\nHost: {host}:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Authorization: Bearer {self.token}\r\n\r\n"
        )
        try:
            async with asyncio.timeout(limit):
                await loop.sock_connect(sock, (host, port))
                self.local_port, self.server_port = sock.getsockname()[1], port
                await loop.sock_sendall(sock, request.encode())
                head = bytearray()
                while b"\r\n\r\n" not in head:
                    chunk = await loop.sock_recv(sock, 4096)
                    if not chunk:
                        raise ConnectionError("closed during the handshake")
                    head += chunk
                status_line, _, rest = bytes(head).partition(b"\r\n\r\n")
                status = status_line.split(b" ", 2)[1].decode()
                if status != "101":
                    self.error = f"http_{status}"
                    return
                messages = self.frames.feed(rest)
                while True:
                    self.frames_before += len(messages)  # read, whatever follows
                    for opcode, payload in messages:
                        if opcode == 8:
                            self.error = f"closed_{int.from_bytes(payload[:2], 'big')}"
                            return
                        if opcode == 1 and json_loads(payload).get("type") == "connected":
                            return  # from here on: never read
                    messages = self.frames.feed(await loop.sock_recv(sock, 4096))
        except TimeoutError:
            self.error = "timeout"
        except OSError as exc:
            self.error = f"os_{exc.errno}" if exc.errno else type(exc).__name__

    def observe(self, table: dict[tuple[int, int], tuple[int, int, int]], t: float) -> None:
        if self.sock is None or self.error or not table:  # no table: nothing to see
            return
        server = table.get((self.server_port, self.local_port))
        client = table.get((self.local_port, self.server_port))
        server_state = server[0] if server else 0
        client_state = client[0] if client else 0
        self.last_server_state = TCP_STATES.get(server_state, str(server_state))
        self.server_queue_max = max(self.server_queue_max, server[1] if server else 0)
        self.client_unread_max = max(self.client_unread_max, client[2] if client else 0)
        if self.closed_at is None and (server_state != 1 or client_state != 1):
            self.closed_at = t
            self.closed_how = (
                f"server end {TCP_STATES.get(server_state, server_state)}, "
                f"client end {TCP_STATES.get(client_state, client_state)}"
            )

    async def read_out(self, tracker: Tracker, t0: float, limit: float) -> dict[str, Any]:
        """After the run: read what the server had sent, up to its close frame or EOF."""
        loop = asyncio.get_running_loop()
        assert self.sock is not None
        report: dict[str, Any] = {
            "close_code": None,
            "close_reason": None,
            "ended_by": "read_deadline",
            "messages_read_after": 0,
            "last_message_sent_at_s": None,
        }
        last: Sent | None = None
        deadline = now() + limit
        done = False
        while not done and now() < deadline:
            try:
                async with asyncio.timeout(min(1.0, max(0.05, deadline - now()))):
                    chunk = await loop.sock_recv(self.sock, 65536)
            except TimeoutError:  # a second of silence: nothing more is coming
                report["ended_by"] = "still_open" if now() < deadline else "read_deadline"
                break
            except ConnectionResetError:
                report["ended_by"] = "reset"
                break
            except OSError as exc:
                report["ended_by"] = f"os_{exc.errno}"
                break
            if not chunk:
                report["ended_by"] = "eof_without_close_frame"
                break
            for opcode, payload in self.frames.feed(chunk):
                if opcode == 8:
                    report["ended_by"] = "close_frame"
                    if len(payload) >= 2:
                        report["close_code"] = int.from_bytes(payload[:2], "big")
                        report["close_reason"] = payload[2:].decode(errors="replace")
                    done = True
                    break
                if opcode == 1:
                    frame = json_loads(payload)
                    if frame.get("type") == "new_message":
                        report["messages_read_after"] += 1
                        client_id = str((frame.get("message") or {}).get("client_id"))
                        last = tracker.sent.get(client_id, last)
        if last is not None:  # the server closed it after queueing this message
            report["last_message_sent_at_s"] = round(last.t0 - t0, 2)
        with contextlib.suppress(OSError):
            self.sock.close()
        return report

    def summary(self, t0: float) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "connected": self.error is None and self.sock is not None,
            "error": self.error,
            "rcvbuf": self.rcvbuf,
            "mss": self.mss,
            "frames_before_it_stopped_reading": self.frames_before,
            "tcp_closed_at_s": None if self.closed_at is None else round(self.closed_at - t0, 2),
            "tcp_closed_how": self.closed_how,
            "server_state_at_end": self.last_server_state,
            "server_send_queue_max": self.server_queue_max,
            "client_unread_max": self.client_unread_max,
        }


async def watch(non_readers: list[NonReader], stop: asyncio.Event, every: float = 0.25) -> None:
    """Sample both ends of every non-reader's connection until `stop`."""
    while not stop.is_set():
        table = await asyncio.to_thread(tcp_table)
        t = now()
        for non_reader in non_readers:
            non_reader.observe(table, t)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(every):
                await stop.wait()


# --- mode: messages -----------------------------------------------------------------------


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
                    _forget(client.pending, client_id)
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

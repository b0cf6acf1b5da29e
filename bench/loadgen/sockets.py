"""The clients: sockets that read every frame and time deliveries by `client_id`."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus, WebSocketException

from .common import json_loads, now, percentiles


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
        forget(client.pending, client_id)
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


def forget(pending: deque[str], client_id: str) -> None:
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

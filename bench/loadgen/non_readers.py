"""Sockets that never read (the overload scenario), watched from outside through the
kernel's TCP table: how much the server queued for them and whether it cut them."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import secrets
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from .common import json_loads, now
from .sockets import Sent, Tracker

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

"""A local web push service for tests: a real HTTP server that records what it is sent,
and browser-side subscription keys to decrypt it with (what a browser would do).

The server stands in for FCM/Mozilla's autopush: pushes are POSTed to it by pywebpush
over real HTTP; it answers 201, or a status a test sets per endpoint path (410: the
subscription is gone).
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from chat_project.vapid import b64url, generate_key_pair


@dataclass
class Push:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class PushService:
    """The running server: `url(name)` is an endpoint under it."""

    server: ThreadingHTTPServer
    received: list[Push] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, name: str) -> str:
        return f"{self.base}/push/{name}"

    def pushes(self, name: str | None = None) -> list[Push]:
        with self.lock:
            return [p for p in self.received if name is None or p.path == f"/push/{name}"]

    def wait_for(self, count: int, within: float = 10.0) -> list[Push]:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if len(self.pushes()) >= count:
                return self.pushes()
            time.sleep(0.02)
        raise AssertionError(f"expected {count} pushes, got {len(self.pushes())}")


def start_push_service() -> PushService:
    service: PushService

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with service.lock:
                service.received.append(
                    Push(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status = service.statuses.get(self.path, 201)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service = PushService(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return service


@dataclass
class BrowserKeys:
    """A browser's side of a subscription: its P-256 key pair and auth secret."""

    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @classmethod
    def new(cls) -> BrowserKeys:
        return cls(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def subscription(self, endpoint: str) -> dict[str, Any]:
        """What `PushSubscription.toJSON()` gives the page."""
        return {
            "endpoint": endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": self.auth},
        }

    def decrypt(self, push: Push) -> dict[str, Any]:
        assert push.headers.get("content-encoding") == "aes128gcm", push.headers
        plain = http_ece.decrypt(
            push.body,
            private_key=self.private_key,
            auth_secret=self.auth_secret,
            version="aes128gcm",
        )
        return json.loads(plain)


def vapid_settings(settings: Any) -> tuple[str, str]:
    """Give `settings` (pytest-django's fixture) a fresh VAPID pair and allow the local
    push service's host; returns the pair."""
    public, private = generate_key_pair()
    settings.VAPID_PUBLIC_KEY = public
    settings.VAPID_PRIVATE_KEY = private
    settings.VAPID_SUBJECT = "mailto:push-test@example.com"
    settings.PUSH_ENDPOINT_HOSTS = ["127.0.0.1"]
    return public, private

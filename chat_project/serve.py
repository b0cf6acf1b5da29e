"""Start the ASGI server: the one command production, `make run`, the tests and the
benchmarks use, so all of them serve with the same transport limits.

    python -m chat_project.serve                       # uvicorn, production's choice
    python -m chat_project.serve --server daphne       # make run (development)
    python -m chat_project.serve --workers 2 --port 8000 -- --no-access-log

The server's own limit on an incoming WebSocket message is twice `WS_MAX_FRAME_BYTES`:
without it, uvicorn reads 16 MB (daphne 1 MB) before the consumer's 64 KiB check can
refuse it. A message a little over `WS_MAX_FRAME_BYTES` still reaches the consumer and
gets its `frame_too_large` error on a socket that stays open (a client mistake); one over
twice the limit is refused by the server itself — close code 1009 — so no socket can make
the process buffer more than that (docs/api.md, "Frames").

uvicorn stops gracefully on SIGTERM (chat_project/shutdown.py): sockets closed with 1012,
requests in flight given `SHUTDOWN_TIMEOUT_SECONDS`.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

APP = "chat_project.asgi:application"
SERVERS = ("uvicorn", "daphne", "granian")


def transport_max_message_bytes() -> int:
    from django.conf import settings

    return 2 * settings.WS_MAX_FRAME_BYTES


def shutdown_timeout() -> int:
    from django.conf import settings

    return int(settings.SHUTDOWN_TIMEOUT_SECONDS)


def trusted_proxies() -> list[str]:
    from django.conf import settings

    return [str(proxy) for proxy in settings.TRUSTED_PROXIES]


def command(server: str, *, host: str, port: int, workers: int, extra: list[str]) -> list[str]:
    """The server's argv (its executable first)."""
    limit = str(transport_max_message_bytes())
    if server == "uvicorn":
        return [
            "uvicorn",
            APP,
            *("--host", host, "--port", str(port), "--workers", str(workers)),
            *("--loop", "uvloop", "--http", "httptools", "--ws", "websockets-sansio"),
            *("--ws-max-size", limit),
            # SIGTERM: stop accepting, close sockets with 1012, let requests in flight
            # finish within the timeout, then lifespan shutdown (chat_project/shutdown.py).
            *("--lifespan", "on", "--timeout-graceful-shutdown", str(shutdown_timeout())),
            # X-Forwarded-For/-Proto only from the proxies the app trusts too
            # (chat_project/client_ip.py): uvicorn's default trusts any loopback peer.
            *("--proxy-headers", "--forwarded-allow-ips", ",".join(trusted_proxies())),
            # Browsers offer permessage-deflate; accepted, every frame would be compressed
            # once per socket, undoing "encode once, write to every socket" (chat frames
            # are small: the bytes saved are few).
            *("--ws-per-message-deflate", "false"),
            # Its access log writes paths with their query strings (a WebSocket ticket);
            # the app writes one line per request and socket instead (chat_project/logs.py).
            "--no-access-log",
            *extra,
        ]
    if server == "granian":
        # granian 2.8 has no WebSocket message size limit to set (docs/benchmarks.md).
        return [
            "granian",
            *("--interface", "asginl", "--loop", "uvloop", "--ws"),
            *("--host", host, "--port", str(port), "--workers", str(workers)),
            *extra,
            APP,
        ]
    if server == "daphne":
        return [
            "daphne",
            *("-b", host, "-p", str(port)),
            *("--websocket-max-message-size", limit, "--websocket-max-frame-size", limit),
            *extra,
            APP,
        ]
    raise ValueError(f"unknown server {server!r}")


def prepare_metrics_dir(port: int) -> str:
    """The PROMETHEUS_MULTIPROC_DIR of this start (chat_project/metrics.py), emptied: the
    server's processes (uvicorn's workers) inherit it. One per port, so several servers
    on one machine keep theirs apart, and a restart does not count its predecessor's."""
    folder = Path(
        os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        or Path(tempfile.gettempdir()) / f"chat-metrics-{port}"
    )
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return str(folder)


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in args:
        cut = args.index("--")
        args, extra = args[:cut], args[cut + 1 :]
    parser = argparse.ArgumentParser(prog="python -m chat_project.serve", description=__doc__)
    parser.add_argument("--server", choices=SERVERS, default="uvicorn")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "1")))
    options = parser.parse_args(args)
    prepare_metrics_dir(options.port)  # before anything imports prometheus_client
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chat_project.settings.local")
    import django

    django.setup()
    argv_ = command(
        options.server,
        host=options.host,
        port=options.port,
        workers=options.workers,
        extra=extra,
    )
    bindir = os.path.dirname(sys.executable)
    executable = os.path.join(bindir, argv_[0])
    if not os.path.exists(executable):
        executable = argv_[0]
    os.execvp(executable, argv_)


if __name__ == "__main__":
    main()

"""What a run's figures were taken on (the machine, the services, the packages): they mean
little without it."""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
from typing import Any

import psutil

from bench.infra import REDIS_URL, ROOT, database_url


def machine_info() -> dict[str, Any]:
    """What the figures were taken on: they mean little without it."""
    import importlib.metadata as md

    def version(name: str) -> str:
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            return "-"

    info: dict[str, Any] = {
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu": platform.processor() or platform.machine(),
        "kernel": platform.release(),
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "packages": {
            name: version(name)
            for name in (
                "Django",
                "channels",
                "hiredis",
                "daphne",
                "uvicorn",
                "granian",
                "uvloop",
                "httptools",
                "websockets",
                "httpx",
                "psycopg",
                "redis",
            )
        },
    }
    with contextlib.suppress(Exception):
        import psycopg

        with psycopg.connect(database_url("postgres")) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            info["postgresql"] = row[0] if row else "?"
    with contextlib.suppress(Exception):
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        info["redis"] = client.info("server")["redis_version"]
        client.close()
    with contextlib.suppress(Exception):
        info["git"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    return info

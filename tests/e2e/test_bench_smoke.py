"""`python -m bench --smoke`: every benchmark scenario runs end to end, tiny, losing nothing.

The benchmark harness is code too: this keeps it from rotting between the (long,
manual) `make bench` runs. It asserts completion and zero loss only, never timings:
CI machines are shared and timings there mean nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.needs_services, pytest.mark.timeout(660)]


@pytest.fixture
def own_bench_state() -> Iterator[dict[str, str]]:
    """Databases and a Redis prefix of this run only, dropped afterwards: a benchmark
    database left migrated by another checkout (other migration names) cannot fail it."""
    tag = f"smoke{os.getpid()}"
    names = {
        "BENCH_DB_NAME": f"chat_bench_{tag}",
        "BENCH_HISTORY_DB_NAME": f"chat_bench_history_{tag}",
        "BENCH_REDIS_PREFIX": f"chatbench{tag}",
    }
    yield names
    import psycopg

    server = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        for name in (names["BENCH_DB_NAME"], names["BENCH_HISTORY_DB_NAME"]):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_bench_smoke_completes_with_zero_loss(own_bench_state: dict[str, str]) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
    env.update(own_bench_state)
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--no-append"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        # A guard against a hang, not a speed check: about 1.5 min on a quiet 2-core
        # machine, several times that while the other xdist worker runs browsers.
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert "FAILED" not in output, output[-5000:]
    for scenario in (
        "dm-burst", "fanout-100", "group-burst", "ws-send", "fanout-1000", "idle-1000",
        "connect-storm", "rest-send", "convlist-1k", "history-1M", "overload",
    ):  # fmt: skip
        assert f"`{scenario}`" in output, f"{scenario} missing from the table:\n{output[-3000:]}"

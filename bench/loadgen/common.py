"""What every mode uses: the clock, percentiles, the open-file limit, JSON parsing."""

from __future__ import annotations

import json
import math
import resource
import time

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

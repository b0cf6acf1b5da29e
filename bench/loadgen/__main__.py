"""`python -m bench.loadgen SPEC.json RESULT.json`: run the spec's mode, write its result."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from .common import now, raise_fd_limit
from .messages import run_messages
from .modes import run_http, run_idle, run_storm

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

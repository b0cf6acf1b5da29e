"""The table: printed, and appended to docs/benchmarks.md with everything needed to rerun.

Figures mean little without the machine, versions, settings and exact command, so each
appended section carries them, and says plainly when the machine was busy.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from bench.infra import ROOT
from bench.scenarios import Row

DOC = ROOT / "docs" / "benchmarks.md"


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        value = ", ".join(f"{k}: {v}" for k, v in value.items()) or "0"
    return str(value).replace("|", "\\|").replace("\n", " ")


def table(rows: list[Row]) -> str:
    lines = [
        "| scenario | server | figures | goal | verdict |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        figures = "<br>".join(f"{k}: {_cell(v)}" for k, v in row.figures.items())
        verdict = row.verdict + (f" — {row.note}" if row.note else "")
        lines.append(f"| `{row.scenario}` | {row.variant} | {figures} | {row.goal} | {verdict} |")
    return "\n".join(lines)


def section(
    rows: list[Row], *, command: str, machine: dict[str, Any], started: dt.datetime, seconds: float
) -> str:
    load_start = machine.get("load_avg_start")
    load_end = machine.get("load_avg")
    # Something else held about half a core when the run began. (The load at the end is
    # mostly the benchmark itself: servers, databases and generator on 2 cores.)
    shared = bool(load_start and load_start[0] > 1.0)
    packages = ", ".join(f"{k} {v}" for k, v in machine.get("packages", {}).items())
    lines = [
        f"## Run {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"- command: `{command}` ({seconds / 60:.1f} min)",
        f"- machine: {machine.get('cores')} cores, {machine.get('memory_gib')} GiB, "
        f"{machine.get('cpu')}, Linux {machine.get('kernel')}; load average at start "
        f"{load_start}, at end {load_end}",
        f"- versions: Python {machine.get('python')}, PostgreSQL {machine.get('postgresql')}, "
        f"Redis {machine.get('redis')}, {packages}; git {machine.get('git')}",
        f"- settings: {json.dumps(machine.get('settings', {}))}",
        "- everything on one box: servers, PostgreSQL, Redis and the load generator share "
        "the cores; compare rows of the same run (ratios), not absolute figures across runs.",
    ]
    if shared:
        lines.append(
            "- **provisional**: the machine was shared with other work during this run "
            "(see the load averages); re-run `make bench` on a quiet machine."
        )
    lines += ["", table(rows), ""]
    return "\n".join(lines)


def append(text: str) -> Path:
    DOC.parent.mkdir(parents=True, exist_ok=True)
    existing = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    DOC.write_text(existing.rstrip("\n") + "\n\n" + text.rstrip("\n") + "\n")
    return DOC

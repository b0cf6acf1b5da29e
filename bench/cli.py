"""Command line: pick scenarios and settings, run them, print and append the table.

    python -m bench all                  # every scenario + the comparison runs (make bench)
    python -m bench dm-burst fanout-100  # some scenarios
    python -m bench --smoke              # every scenario, tiny: completes with zero loss?
    python -m bench group-burst --server granian --procs 2

Exit status: 0 when every scenario completed (and, with --smoke, lost nothing); 1 if
any failed to run or (smoke) lost anything. Missed performance goals do not fail a run:
they are reported in the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shlex
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench import infra, report, seed
from bench.machine import machine_info
from bench.scenarios import SCENARIOS, Ctx, Row, comparisons


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "scenarios", nargs="*", help=f"'all' or any of: {', '.join(SCENARIOS)} (default: all)"
    )
    parser.add_argument("--smoke", action="store_true", help="tiny runs: completion + zero loss")
    parser.add_argument("--runs", type=int, default=3, help="repetitions where a scenario repeats")
    parser.add_argument("--server", choices=["daphne", "uvicorn", "granian"], default="uvicorn")
    parser.add_argument(
        "--ws",
        choices=["websockets-sansio", "websockets", "wsproto"],
        default="websockets-sansio",
        help="uvicorn's WebSocket implementation",
    )
    parser.add_argument("--procs", type=int, help="server processes (default: per scenario)")
    parser.add_argument("--pool-max", type=int, help="DB_POOL_MAX_SIZE")
    parser.add_argument("--pool-timeout", type=float, help="DB_POOL_TIMEOUT")
    parser.add_argument(
        "--no-compare", action="store_true", help="with 'all': skip the comparison runs"
    )
    parser.add_argument(
        "--profile", metavar="DIR", help="run the servers under py-spy (collapsed stacks in DIR)"
    )
    parser.add_argument(
        "--no-append", action="store_true", help="print only; do not touch docs/benchmarks.md"
    )
    args = parser.parse_args(argv)
    names = args.scenarios or ["all"]
    unknown = [n for n in names if n != "all" and n not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}")
    args.scenarios = names
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if not infra.services_reachable():
        print("PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) must be running.")
        return 2
    infra.install_cleanup()
    if args.profile:
        infra.PROFILE_DIR = Path(args.profile).resolve()
        infra.PROFILE_DIR.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)
    t0 = time.monotonic()
    load_start = [round(x, 2) for x in __import__("os").getloadavg()]
    ctx = Ctx(
        smoke=args.smoke,
        runs=max(1, args.runs),
        server=args.server,
        procs=args.procs,
        ws=args.ws,
        pool_max=args.pool_max,
        pool_timeout=args.pool_timeout,
    )
    run_all = "all" in args.scenarios
    names = list(SCENARIOS) if run_all else args.scenarios
    jobs: list[tuple[str, Callable[[], list[Row]]]] = [
        (name, lambda name=name: SCENARIOS[name](ctx)) for name in names
    ]
    if run_all and not args.smoke and not args.no_compare:
        jobs += comparisons(ctx)

    infra.ensure_databases()
    seed.setup()
    seed.migrate()
    rows: list[Row] = []
    failed: list[str] = []
    try:
        for label, job in jobs:
            t = time.monotonic()
            print(f"--- {label} ...", flush=True)
            try:
                new = job()
            except Exception:
                traceback.print_exc()
                failed.append(label)
                continue
            rows += new
            for row in new:
                print(f"    {row.variant}: {row.verdict}  {row.figures}", flush=True)
                if args.smoke and not row.zero_loss:
                    failed.append(f"{label} (lost or failed deliveries)")
            print(f"    ({time.monotonic() - t:.1f} s)", flush=True)
    finally:
        seed.reset()
        infra.stop_all()
    seconds = time.monotonic() - t0
    machine = machine_info()
    machine["load_avg_start"] = load_start
    machine["settings"] = {
        "server": ctx.server,
        "uvicorn ws": ctx.ws,
        **ctx.env(),
        "limits": "all throttles lifted",
        "settings module": "production (DEBUG off)",
        "smoke": ctx.smoke,
    }
    command = "python -m bench " + shlex.join(sys.argv[1:] if argv is None else argv)
    text = report.section(rows, command=command, machine=machine, started=started, seconds=seconds)
    print()
    print(text)
    if not args.no_append and not args.smoke and rows:
        print(f"appended to {report.append(text)}")
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        return 1
    return 0

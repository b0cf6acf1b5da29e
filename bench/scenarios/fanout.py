"""Fan-out: one sender, many readers in a room (fanout-100, fanout-1000), ramped until the
latency goal breaks."""

from __future__ import annotations

from typing import Any

from bench import infra

from .common import Ctx, Row, make_room, merge_errors, ms, room_spec, spread

FANOUT_RATES = [10, 25, 50, 75, 100, 150, 200, 250, 300, 400, 500]


def rate_key(ctx: Ctx) -> str:
    """Where fanout-100 leaves its sustained rate in `ctx.cache` (overload offers twice it)."""
    return f"fanout-100 msg/s, {ctx.variant(1)}"


#: A fan-out step counts as sustained at this p99 or better, with nothing lost (issue 11).
FANOUT_P99_MS = 100


def _fanout_best(steps: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The step with the most deliveries/s that kept p99 ≤ FANOUT_P99_MS and lost nothing."""
    good = [s for s in steps if (s["latency_ms"]["p99"] or 1e9) <= FANOUT_P99_MS and s["lost"] == 0]
    return max(good, key=lambda s: s["deliveries_per_s"], default=None)


def fanout_100(ctx: Ctx, procs: int | None = None) -> list[Row]:
    """The ramp runs `ctx.runs` times on the same servers: one ramp's knee moves by ±40 %
    between runs on two shared cores, so the figure is the median run's."""
    members = 10 if ctx.smoke else 100
    procs = procs or ctx.procs or 1
    rates = [10] if ctx.smoke else FANOUT_RATES
    step_seconds = 1 if ctx.smoke else 2
    repeats = 1 if ctx.smoke else ctx.runs
    people, room, tokens = make_room(members, "fan")
    with ctx.servers(procs) as group:
        spec = room_spec(
            group,
            people,
            room,
            tokens,
            send_via="rest",
            max_in_flight=10,
            steps=[{"rate": 5, "duration": 2, "warmup": True}]
            + [{"rate": r, "duration": step_seconds} for r in rates],
            stop_p99_ms=250,
            drain_seconds=4,
            deadline_seconds=240,
        )
        results = [infra.run_loadgen(spec) for _ in range(repeats)]
    runs = []
    for result in results:
        ramp_steps = [s for s in result["steps"] if not s["warmup"]]
        best_step = _fanout_best(ramp_steps)
        runs.append((best_step["deliveries_per_s"] if best_step else 0.0, ramp_steps, best_step))
    runs.sort(key=lambda run: run[0])
    _, steps, best = runs[(len(runs) - 1) // 2]  # the median run (the lower of two)
    if procs == 1 and best:
        ctx.cache[rate_key(ctx)] = best["achieved_rate"]
    lost = sum(s["lost"] for result in results for s in result["steps"])
    errors = merge_errors(results)
    ramp = ", ".join(
        f"{s['rate']:g}→{s['deliveries_per_s']:g}/s p99 {s['latency_ms']['p99']}" for s in steps
    )
    sustained = f"{best['deliveries_per_s']:g} deliveries/s" if best else "none"
    if repeats > 1:
        sustained += spread([run[0] for run in runs]) + f", median of {repeats} ramps"
    figures: dict[str, Any] = {
        f"sustained (p99 ≤ {FANOUT_P99_MS} ms, no loss)": sustained,
        "at that step": (
            f"{best['achieved_rate']:g} msg/s, p50 {ms(best['latency_ms']['p50'])}, "
            f"p99 {ms(best['latency_ms']['p99'])}, REST p99 {ms(best['http_ms']['p99'])}, "
            f"load generator {best['loadgen_cpu']:.0%} of a core"
            if best
            else "—"
        ),
        "lost (all steps)": lost,
        "out of order": sum(s["out_of_order"] for r in results for s in r["steps"]),
        "ramp of that run (msg/s→deliveries/s, p99 ms)": ramp,
    }
    if errors:
        figures["errors"] = errors
    if procs == 1:
        goal = f"≥ 30,000 deliveries/s at p99 ≤ {FANOUT_P99_MS} ms, zero loss"
        met = None if ctx.smoke else bool(best and best["deliveries_per_s"] >= 30_000)
    else:
        goal = f"members spread over {procs} processes lose nothing"
        met = None if ctx.smoke else lost == 0 and not errors
    return [
        Row(
            "fanout-100",
            ctx.variant(procs),
            figures,
            goal,
            met,
            raw={"runs": results},
            zero_loss=lost == 0 and not errors and bool(steps),
        )
    ]


def fanout_100_pair(ctx: Ctx) -> list[Row]:
    """The scenario as the issue defines it: once on 1 process, once spread over 2."""
    return fanout_100(ctx, procs=ctx.procs or 1) + fanout_100(ctx, procs=2)


def fanout_1000(ctx: Ctx) -> list[Row]:
    members, messages = (30, 2) if ctx.smoke else (1000, 15)
    procs = ctx.procs or 1
    people, room, tokens = make_room(members, "big")
    with ctx.servers(procs) as group:
        spec = room_spec(
            group,
            people,
            room,
            tokens,
            connect_concurrency=50,
            connect_timeout=60,
            send_via="rest",
            max_in_flight=1,
            steps=[{"rate": 1, "duration": messages}],
            drain_seconds=10,
            deadline_seconds=240,
        )
        result = infra.run_loadgen(spec)
    (step,) = result["steps"]
    errors = merge_errors([result])
    complete = step["complete_ms"]
    figures = {
        "sockets connected": f"{result['connect']['connected']}/{members} "
        f"in {result['connect']['seconds']} s",
        "time until all have it": f"p50 {ms(complete['p50'])}, p99 {ms(complete['p99'])} "
        f"(n={complete['n']})",
        "per delivery": f"p50 {ms(step['latency_ms']['p50'])}, p99 {ms(step['latency_ms']['p99'])}",
        "lost": step["lost"],
        "out of order": step["out_of_order"],
    }
    if errors:
        figures["errors"] = errors
    ok = step["lost"] == 0 and not errors and result["connect"]["connected"] == members
    met = None if ctx.smoke else bool(complete["p99"] is not None and complete["p99"] <= 100 and ok)
    return [
        Row(
            "fanout-1000",
            ctx.variant(procs),
            figures,
            "p99 ≤ 100 ms until all members have it",
            met,
            raw=result,
            zero_loss=ok,
        )
    ]

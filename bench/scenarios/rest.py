"""REST: the send rate (rest-send), a 1,000-conversation list (convlist-1k) and history
pages of a million-message conversation (history-1M)."""

from __future__ import annotations

import time

from bench import infra, seed

from .common import Ctx, Row, ms

REST_RATES = [50, 100, 200, 300, 400, 500, 600, 800]


def rest_send(ctx: Ctx, procs: int | None = None) -> list[Row]:
    pairs = 5 if ctx.smoke else 50
    procs = procs or ctx.procs or 1
    rates = [20] if ctx.smoke else REST_RATES
    seed.reset()
    people = seed.users("rest", 2 * pairs)
    couples = [(people[2 * i].id, people[2 * i + 1].id) for i in range(pairs)]
    seed.befriend(couples)
    chats = seed.direct_chats(couples)
    tokens = seed.tokens(people)
    queries = seed.count_queries(
        "POST",
        "/api/messages",
        tokens[couples[0][0]],
        {"conversation_id": chats[0], "content": "query count", "client_id": "qc"},
    )
    with ctx.servers(procs) as group:
        cpu_before = group.cpu_seconds()
        result = infra.run_loadgen(
            {
                "mode": "messages",
                "senders": [[a, c] for (a, _), c in zip(couples, chats, strict=True)]
                + [[b, c] for (_, b), c in zip(couples, chats, strict=True)],
                "tokens": tokens,
                "send_via": "rest",
                "http_bases": group.http_bases,
                "max_in_flight": 32,
                "steps": [{"rate": 10, "duration": 3, "warmup": True}]
                + [{"rate": r, "duration": 1 if ctx.smoke else 3} for r in rates],
                "stop_metric": "http_ms",
                "stop_p99_ms": 100,
                "drain_seconds": 5,
                "deadline_seconds": 180,
            }
        )
        server_cpu = group.cpu_seconds() - cpu_before
    sends = sum(s["messages"] for s in result["steps"])
    steps = [s for s in result["steps"] if not s["warmup"]]
    clean = [
        s for s in steps if (s["http_ms"]["p99"] or 1e9) <= 50 and set(s["http_status"]) == {"201"}
    ]
    best = max(clean, key=lambda s: s["achieved_rate"], default=None)
    failures = {k: v for s in result["steps"] for k, v in s["http_status"].items() if k != "201"}
    figures = {
        "sustained (p99 ≤ 50 ms)": f"{best['achieved_rate']:g} req/s" if best else "none",
        "at that step": f"p50 {ms(best['http_ms']['p50'])}, p99 {ms(best['http_ms']['p99'])}, "
        f"load generator {best['loadgen_cpu']:.0%} of a core"
        if best
        else "—",
        "queries per send": f"{queries['queries']} (+{queries['tx_control']} BEGIN/COMMIT)",
        # What one send costs the server processes (all threads), whatever the load.
        "server CPU per send": f"{1000 * server_cpu / max(1, sends):.2f} ms",
        "ramp (req/s, p99 ms)": ", ".join(
            f"{s['achieved_rate']:g}: {s['http_ms']['p99']}" for s in steps
        ),
    }
    if failures:
        figures["non-201"] = failures
    cpu_ok = 1000 * server_cpu / max(1, sends) <= 1.5
    rate_ok = procs < 2 or bool(best and best["achieved_rate"] >= 500 * 0.97)
    met = None if ctx.smoke else bool(cpu_ok and rate_ok and queries["queries"] <= 6)
    return [
        Row(
            "rest-send",
            ctx.variant(procs),
            figures,
            "≤ 1.5 ms server CPU per send, ≤ 6 queries; with 2 processes (production) "
            "≥ 500 req/s at p99 ≤ 50 ms",
            met,
            raw={"loadgen": result, "queries": queries},
            zero_loss=not failures and queries["status"] == [201],
        )
    ]


def convlist_1k(ctx: Ctx) -> list[Row]:
    count, repeat = (
        (20, 3) if ctx.smoke else (1000, 100)
    )  # 100 sequential lists: a real p99, not the max of 20
    procs = ctx.procs or 1
    seed.reset()
    me, a, b = seed.users("list", 3)
    conversations = seed.groups([[me.id, a.id, b.id]] * count, name="list")
    seed.one_message_each(conversations, sender_id=a.id)
    tokens = seed.tokens([me])
    queries = seed.count_queries("GET", "/api/conversations", tokens[me.id])
    with ctx.servers(procs) as group:
        result = infra.run_loadgen(
            {
                "mode": "http",
                "groups": [
                    {
                        "name": "list",
                        "url": f"{group.http_bases[0]}/api/conversations",
                        "token": tokens[me.id],
                        "repeat": repeat,
                    }
                ],
                "deadline_seconds": 180,
            }
        )
    stats = result["groups"]["list"]
    lat = stats["latency_ms"]
    ok = stats["status"] == {"200": repeat} and stats["items"] == [count]
    figures = {
        "conversations": count,
        "latency": f"p50 {ms(lat['p50'])}, p95 {ms(lat['p95'])}, p99 {ms(lat['p99'])} "
        f"(n={lat['n']}, sequential)",
        "queries": queries["queries"],
        "items returned": stats["items"],
    }
    met = None if ctx.smoke else bool(ok and queries["queries"] <= 5 and (lat["p99"] or 1e9) <= 60)
    return [
        Row(
            "convlist-1k",
            ctx.variant(procs),
            figures,
            "≤ 5 queries, p99 ≤ 60 ms",
            met,
            raw=result,
            zero_loss=ok,
        )
    ]


def history_1m(ctx: Ctx) -> list[Row]:
    count, repeat = (5_000, 3) if ctx.smoke else (1_000_000, 40)
    procs = ctx.procs or 1
    t0 = time.monotonic()
    info = seed.history(count)
    seeded = time.monotonic() - t0
    token = seed.tokens([info["user"]])[info["user"].id]
    cid = info["conversation_id"]
    with ctx.servers(procs, DATABASE_URL=infra.database_url(infra.HISTORY_DB_NAME)) as group:
        base = f"{group.http_bases[0]}/api/messages/conversation/{cid}?limit=50"
        result = infra.run_loadgen(
            {
                "mode": "http",
                "groups": [
                    {"name": "first", "url": base, "token": token, "repeat": repeat},
                    {
                        "name": "middle",
                        "url": f"{base}&before={info['middle_before']}",
                        "token": token,
                        "repeat": repeat,
                    },
                    {
                        "name": "deepest",
                        "url": f"{base}&before={info['deepest_before']}",
                        "token": token,
                        "repeat": repeat,
                    },
                ],
                "deadline_seconds": 180,
            }
        )
    groups = result["groups"]
    ok = all(g["status"] == {"200": repeat} and g["items"] == [50] for g in groups.values())
    first, deepest = groups["first"]["latency_ms"]["p50"], groups["deepest"]["latency_ms"]["p50"]
    ratio = round(deepest / first, 2) if first and deepest else None
    figures = {
        "messages": f"{count:,} ({'reused' if info['reused'] else 'seeded'} in {seeded:.1f} s)",
        **{
            f"{name} page": f"p50 {ms(g['latency_ms']['p50'])}, p99 {ms(g['latency_ms']['p99'])}"
            for name, g in groups.items()
        },
        "deepest / first (p50)": ratio,
    }
    met = None if ctx.smoke else bool(ok and ratio is not None and ratio <= 1.5)
    return [
        Row(
            "history-1M",
            ctx.variant(procs),
            figures,
            "deepest page within 1.5x of the first",
            met,
            raw=result,
            zero_loss=ok,
        )
    ]

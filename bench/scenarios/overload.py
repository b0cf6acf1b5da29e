"""Overload: twice the sustained fan-out rate with sockets that never read; the server must
refuse work instead of queueing it, and cut the readers that do not read."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from typing import Any

from bench import infra, seed

from .common import Ctx, Row, make_room, merge_errors, ms, room_spec
from .fanout import FANOUT_P99_MS, fanout_100, rate_key

#: The reference run's fanout-100 x1 (75 msg/s): used only when no ramp could give R.
OVERLOAD_DEFAULT_RATE = 75.0


#: Requests the generator keeps in flight at most (open loop: past it, sends are skipped).
OVERLOAD_IN_FLIGHT = 1000


def _sustained_fanout_rate(ctx: Ctx) -> tuple[float, str]:
    """R: the messages/s to the 100-member group that fanout-100 x1 sustained (p99 ≤
    FANOUT_P99_MS, no loss), from this run when it ran before, else from one ramp run now."""
    key = rate_key(ctx)
    if key in ctx.cache:
        return ctx.cache[key], "fanout-100 x1 of this run"
    if ctx.smoke:
        return 10.0, "smoke default (fanout-100 did not run)"
    fanout_100(replace(ctx, runs=1), procs=1)
    if key in ctx.cache:
        return ctx.cache[key], "one fanout-100 x1 ramp just before (a knee moves ±40 %)"
    return OVERLOAD_DEFAULT_RATE, f"default: no fanout-100 step met p99 ≤ {FANOUT_P99_MS} ms"


def _rss_bounded(samples: list[tuple[float, int]], start: float, end: float) -> bool | None:
    """Still growing? The largest RSS of the second half of the offered load against
    the first half's: bounded when it grew by at most 10 % (or 16 MiB)."""
    middle = (start + end) / 2
    first = [rss for t, rss in samples if start <= t < middle]
    second = [rss for t, rss in samples if middle <= t <= end]
    if not first or not second:
        return None
    return max(second) - max(first) <= max(16 * 2**20, 0.10 * max(first))


def overload(ctx: Ctx) -> list[Row]:
    """Twice the sustained fan-out rate, offered open loop, with one member never reading.

    REST sends to the 100-member group at 2R msg/s for 20 s (a send whose turn comes while
    1,000 requests are in flight is skipped and counted, so the schedule holds), plus
    one extra member whose socket completes the
    handshake and never reads again (tiny receive buffer and MSS, so its backlog lands in
    the server within seconds). What a server should do then: keep the reading sockets'
    latency bounded, close the non-reader (4013, "too slow: catch up with after= and
    reconnect"), refuse what it cannot take with 429 `overloaded` + Retry-After rather
    than queue it in memory, and store every message it answered 201 for. The generator
    never re-sends a refused message; the harness samples the servers' RSS every second
    and afterwards checks every 201's client_id against the database.
    """
    members = 10 if ctx.smoke else 100
    procs = ctx.procs or 1
    seconds, drain = (2, 4) if ctx.smoke else (20, 10)
    base_rate, source = _sustained_fanout_rate(ctx)
    rate = round(2 * base_rate, 1)
    people, room, tokens = make_room(members + 1, "over")
    readers, non_reader = people[:members], people[members]
    samples: list[tuple[float, int]] = []
    with ctx.servers(procs) as group:
        urls = group.ws_urls
        ready = infra.temp_path(f"overload-ready-{time.time_ns()}.json")
        process, result_path, log = infra.start_loadgen(
            room_spec(
                group,
                people,
                room,
                tokens,
                readers=readers,
                non_readers=[
                    {
                        "uid": non_reader.id,
                        "token": tokens[non_reader.id],
                        "url": urls[members % len(urls)],
                    }
                ],
                send_via="rest",
                max_in_flight=OVERLOAD_IN_FLIGHT,
                steps=[
                    {"rate": max(5.0, base_rate / 4), "duration": 1, "warmup": True},
                    {"rate": rate, "duration": seconds, "skip_when_full": True},
                ],
                drain_seconds=drain,
                report_created=True,
                ready_file=str(ready),
                deadline_seconds=180,
            )
        )
        try:
            deadline = time.monotonic() + 200
            while not ready.exists() and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.1)
            t_ready = time.monotonic()
            while process.poll() is None and time.monotonic() < deadline:
                samples.append((time.monotonic() - t_ready, group.rss_bytes()))
                time.sleep(1)
            process.wait(timeout=30)
        finally:
            infra.stop(process)
        if not result_path.exists():
            raise RuntimeError(f"load generator failed:\n{log.read_text(errors='replace')[-3000:]}")
        result = json.loads(result_path.read_text())
    step = result["steps"][-1]
    created = set(result.get("created", []))
    stored = seed.message_client_ids(room)
    lost_db, unanswered = len(created - stored), len(stored - created)
    refused = result.get("http_429") or {}
    errors = {
        k: v for k, v in merge_errors([result]).items() if not k.startswith("http_429_overloaded")
    }
    (nr,) = result["non_readers"]
    load_start, load_end = step["t_start_s"], step["t_start_s"] + step["duration"]
    bounded = _rss_bounded(samples, load_start, load_end)
    mib = [rss / 2**20 for _, rss in samples]
    p99 = step["latency_ms"]["p99"]
    # Deliveries still missing at the drain deadline are slower than any received one: past
    # 1 % of them the p99 of the received ones would flatter the server.
    p99_text = ms(p99)
    if step["lost"] > 0.01 * max(1, step["expected"]):
        p99, p99_text = None, f"> {drain} s (over 1 % not delivered by the deadline)"
    retry = result.get("retry_after_s")
    figures: dict[str, Any] = {
        "offered": f"2R = {rate:g} msg/s for {seconds} s to a {members}-member group "
        f"(R = {base_rate:g} msg/s: {source}); sent {step['messages']} "
        f"({step['achieved_rate']:g} msg/s), {step['skipped']} skipped "
        f"({OVERLOAD_IN_FLIGHT} in flight), {step['late_sends']} late; "
        f"load generator {step['loadgen_cpu']:.0%} of a core",
        "reading sockets": f"p50 {ms(step['latency_ms']['p50'])}, p99 {p99_text}; "
        f"{step['lost']} of {step['expected']} deliveries not received {drain} s after the "
        "last send, "
        f"{step['out_of_order']} out of order",
        "POST": f"p50 {ms(step['http_ms']['p50'])}, p99 {ms(step['http_ms']['p99'])}; "
        f"statuses {step['http_status'] or '—'}",
        "refused with 429 (whole run)": (
            f"{sum(refused.values())} ({', '.join(f'{k}: {v}' for k, v in refused.items())})"
            + (f", Retry-After {retry['min']:g}-{retry['max']:g} s" if retry else "")
            if refused
            else "0 (the server never refused)"
        ),
        "non-reader": _non_reader_verdict(nr),
        "server RSS": (
            f"{mib[0]:.0f} MiB at start, max {max(mib):.0f}, {mib[-1]:.0f} at end "
            f"({'bounded' if bounded else 'still growing' if bounded is False else '?'})"
            if mib
            else "—"
        ),
        "RSS trace (MiB, 1/s)": " ".join(f"{m:.0f}" for m in mib),
        "database": f"{len(created)} answered 201, {len(stored)} stored, "
        f"{lost_db} lost from the database, {unanswered} stored without a 201 seen "
        "(the client gave up waiting)",
    }
    if errors:
        figures["errors"] = errors
    closed_4013 = nr.get("close_code") == 4013
    met = (
        None
        if ctx.smoke
        else bool(p99 is not None and p99 <= 1000 and closed_4013 and bounded and lost_db == 0)
    )
    connected = result["connect"]["connected"] == members and nr["connected"]
    return [
        Row(
            "overload",
            ctx.variant(procs),
            figures,
            "p99 ≤ 1 s for reading sockets, the non-reader closed with 4013, memory bounded, "
            "0 lost from the database",
            met,
            raw={"loadgen": result, "rss": samples},
            zero_loss=lost_db == 0 and step["lost"] == 0 and connected and not errors,
        )
    ]


def _non_reader_verdict(nr: dict[str, Any]) -> str:
    """What happened to the socket that never read, in one cell."""
    if not nr["connected"]:
        return f"never connected ({nr['error']})"
    parts = []
    ended = nr.get("ended_by")
    if ended == "close_frame":
        parts.append(f"closed by the server with {nr['close_code']} ({nr['close_reason']!r})")
    elif ended == "still_open":
        parts.append("not closed: still open after the run")
    else:
        parts.append({"reset": "connection reset (no close frame)"}.get(ended, str(ended)))
    if nr.get("last_message_sent_at_s") is not None:
        # A client that does not read cannot see when a close was decided; the last
        # message the server queued for it before stopping bounds it from below.
        parts.append(
            f"the last message queued for it was sent at {nr['last_message_sent_at_s']:g} s"
        )
    if nr.get("tcp_closed_at_s") is not None:
        parts.append(f"TCP closing at {nr['tcp_closed_at_s']:g} s ({nr['tcp_closed_how']})")
    else:
        parts.append(
            f"its TCP connection stayed ESTABLISHED while watched "
            f"(server end at the end: {nr['server_state_at_end']})"
        )
    parts.append(
        f"{nr.get('messages_read_after', 0)} messages read after the run; kernel queues max: "
        f"server {nr['server_send_queue_max'] / 1024:.0f} KB unsent, "
        f"own {nr['client_unread_max'] / 1024:.0f} KB unread"
    )
    return "; ".join(parts)

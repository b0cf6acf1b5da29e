"""The named scenarios: seed, start the servers, drive the load, judge against the goal.

Each scenario function takes a `Ctx` (smoke or full size, server kind, process count,
pool settings) and returns `Row`s: the figures, the goal, and whether
it was met. Sizes are fixed per scenario so runs compare; `--smoke` shrinks every one to
a few seconds and then only completion with zero loss matters.

One module per kind of load: `sends` (dm-burst, group-burst, ws-send), `fanout`
(fanout-100, fanout-1000), `sockets` (idle-1000, connect-storm), `rest` (rest-send,
convlist-1k, history-1M), `overload`; `common` holds the context and the result rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from .common import Ctx, Row
from .fanout import fanout_100, fanout_100_pair, fanout_1000
from .overload import overload
from .rest import convlist_1k, history_1m, rest_send
from .sends import dm_burst, group_burst, group_burst_pair, ws_send
from .sockets import connect_storm, idle_1000

SCENARIOS: dict[str, Callable[[Ctx], list[Row]]] = {
    "dm-burst": dm_burst,
    "fanout-100": fanout_100_pair,
    "group-burst": group_burst_pair,
    "ws-send": ws_send,
    "fanout-1000": fanout_1000,
    "idle-1000": idle_1000,
    "connect-storm": connect_storm,
    "rest-send": rest_send,
    "convlist-1k": convlist_1k,
    "history-1M": history_1m,
    # Last: it leaves the machine busiest (a backlog, thousands of rows); its R comes from
    # fanout-100 above.
    "overload": overload,
}


def comparisons(ctx: Ctx) -> list[tuple[str, Callable[[], list[Row]]]]:
    """The A/B runs that answer the issue's questions (part of `all`).

    granian against uvicorn on what issue 11 is about: the group burst (same number of
    runs as the headline), the direct-chat latency and the REST send rate; daphne (what
    `make run` serves) on latency. Fan-out ramps are noisy (±40 % between runs on two
    shared cores): single-ramp comparisons only count when the difference is larger. The
    channel-layer rows are gone with the channel layer (the delivery hub replaced it).
    """
    daphne = replace(ctx, server="daphne", runs=1)
    granian = replace(ctx, server="granian")
    return [
        ("group-burst on granian", lambda: group_burst(granian, procs=1)),
        ("dm-burst on granian", lambda: dm_burst(granian)),
        ("rest-send on granian", lambda: rest_send(granian)),
        ("fanout-100 on granian", lambda: fanout_100(replace(granian, runs=1), procs=1)),
        ("dm-burst on daphne", lambda: dm_burst(replace(daphne, runs=ctx.runs))),
        ("rest-send on 2 processes", lambda: rest_send(ctx, procs=2)),
    ]


__all__ = ["SCENARIOS", "Ctx", "Row", "comparisons"]

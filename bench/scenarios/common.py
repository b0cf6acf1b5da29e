"""What every scenario takes and gives: the run's context (`Ctx`) and its result rows (`Row`),
and the small statistics the rows are written with."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from bench import infra, seed


@dataclass(frozen=True)
class Ctx:
    smoke: bool = False
    runs: int = 3
    # The production choices (Dockerfile, settings.production) are the headline rows;
    # `comparisons` measures the alternatives in the same run.
    server: str = "uvicorn"
    procs: int | None = None  # None: the scenario's own default
    ws: str = "websockets-sansio"  # uvicorn's WebSocket implementation
    pool_max: int | None = None
    pool_timeout: float | None = None
    #: Figures one scenario leaves for a later one of the same run (overload offers twice
    #: the fan-out rate that fanout-100 sustained). Shared by `replace()`d copies; keyed
    #: by variant, so a comparison row never stands in for the headline's figure.
    cache: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def env(self) -> dict[str, str]:
        env: dict[str, str] = {}
        if self.pool_max is not None:
            env["DB_POOL_MAX_SIZE"] = str(self.pool_max)
        if self.pool_timeout is not None:
            env["DB_POOL_TIMEOUT"] = str(self.pool_timeout)
        return env

    def variant(self, procs: int) -> str:
        parts = [f"{self.server} x{procs}"]
        if self.server == "uvicorn" and self.ws != "websockets-sansio":
            parts.append(f"ws={self.ws}")
        if self.pool_max is not None:
            parts.append(f"pool_max={self.pool_max}")
        return ", ".join(parts)

    def servers(self, procs: int, **env: str):
        return infra.servers(self.server, procs, self.ws, **{**self.env(), **env})


@dataclass
class Row:
    scenario: str
    variant: str
    figures: dict[str, Any]
    goal: str
    met: bool | None
    note: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    zero_loss: bool = True

    @property
    def verdict(self) -> str:
        return {True: "met", False: "**missed**", None: "—"}[self.met]


def median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 2) if present else None


def spread(values: list[float | None]) -> str:
    present = [v for v in values if v is not None]
    if len(present) < 2:
        return ""
    return f" ({min(present):g}-{max(present):g})"


def ms(value: float | None) -> str:
    return "—" if value is None else f"{value:g} ms"


def merge_errors(results: list[dict[str, Any]]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for result in results:
        for key, value in (result.get("errors") or {}).items():
            merged[key] = merged.get(key, 0) + value
        for key, value in ((result.get("connect") or {}).get("errors") or {}).items():
            merged[f"connect_{key}"] = merged.get(f"connect_{key}", 0) + value
    return merged


def make_room(members: int, prefix: str) -> tuple[list[Any], int, dict[int, str]]:
    """A fresh database with `members` users in one group: (users, its id, their tokens)."""
    seed.reset()
    people = seed.users(prefix, members)
    (room,) = seed.groups([[u.id for u in people]], name=prefix)
    return people, room, seed.tokens(people)


def socket_clients(people: list[Any], tokens: dict[int, str], urls: list[str]) -> list[dict]:
    """One socket per user for the load generator, spread over the servers' URLs in turn."""
    return [
        {"uid": u.id, "token": tokens[u.id], "url": urls[i % len(urls)]}
        for i, u in enumerate(people)
    ]


def room_spec(
    group: Any,
    people: list[Any],
    room: int,
    tokens: dict[int, str],
    *,
    readers: list[Any] | None = None,
    **spec: Any,
) -> dict[str, Any]:
    """A `messages` spec for one room of `people`: each reader (everyone by default) on a
    socket, spread over the servers, sending in random order; `spec` adds how they send
    and the steps."""
    readers = people if readers is None else readers
    return {
        "mode": "messages",
        "clients": socket_clients(readers, tokens, group.ws_urls),
        "conversations": {room: [u.id for u in people]},
        "senders": [[u.id, room] for u in readers],
        "sender_order": "random",
        "tokens": tokens,
        "http_bases": group.http_bases,
        **spec,
    }

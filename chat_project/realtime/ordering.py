"""`new_message` events of one conversation, put back in `seq` order.

Two sends in one conversation commit in seq order (the conversation row lock
serialises them), but their after-commit publishes race — from two request threads or
two processes — so message 8 may reach a process before message 7. The hub keeps one
`SeqOrder` per conversation that has local sockets (not one per socket): a message that
arrives ahead of a gap is held until the gap fills or `hold` seconds pass, then
everything held goes out in seq order. A message that never comes (lost while Redis was
away) therefore costs at most `hold` of latency; clients see the gap in `seq` and catch
up with `after=`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

#: How long a `new_message` that arrived ahead of a missing `seq` is held.
REORDER_HOLD_SECONDS = 0.25


class SeqOrder:
    def __init__(
        self,
        deliver: Callable[[Any], None],
        baseline: int | None = None,
        hold: float = REORDER_HOLD_SECONDS,
    ) -> None:
        self._deliver = deliver
        self._hold = hold
        #: The last seq delivered (or known to exist when the first socket subscribed).
        self.last = baseline
        self._pending: dict[int, Any] = {}
        self._timer: asyncio.TimerHandle | None = None

    def push(self, seq: int, item: Any) -> None:
        last = self.last
        if last is None or seq <= last:
            # Unknown baseline, or a straggler after its gap was given up on: deliver.
            if last is None:
                self.last = seq
            self._deliver(item)
            return
        if seq == last + 1:
            self.last = seq
            self._deliver(item)
            if self._pending:
                self._drain()
            return
        self._pending[seq] = item
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._hold, self._give_up)

    def _drain(self) -> None:
        pending = self._pending
        while self.last is not None and self.last + 1 in pending:
            self.last += 1
            self._deliver(pending.pop(self.last))
        if not pending and self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _give_up(self) -> None:
        self._timer = None
        pending, self._pending = self._pending, {}
        for seq in sorted(pending):
            self.last = max(self.last or 0, seq)
            self._deliver(pending[seq])

    def close(self) -> None:
        """No local socket listens any more: drop what is held."""
        self._pending.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

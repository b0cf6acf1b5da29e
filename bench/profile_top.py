"""Summarise py-spy's collapsed stacks (``--profile DIR``): where the server's time goes.

    python -m bench.profile_top DIR/daphne-default-1234.txt [--match text]

Prints the functions with the most samples on the stack (inclusive) and at the top
(self), so a missed goal can be traced to what limits it.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path


def main(argv: list[str]) -> int:
    path = Path(argv[1])
    match = argv[argv.index("--match") + 1] if "--match" in argv else None
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or (match and match not in stack):
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] += count
        own[frames[-1]] += count
    print(f"{total} samples")
    for title, counter in (("inclusive", inclusive), ("self", own)):
        print(f"--- {title}")
        for frame, count in counter.most_common(40):
            print(f"{100 * count / max(1, total):5.1f}%  {frame[:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Splitting a tick's work into partitions of about equal weight (pure: no Django).

A tick over a large fleet is split by symbol so that several worker processes (and database
connections) share it: each partition marks the quiet groups of its symbols and sends the
batches for the rest (trading/takeprofit/services/marks.py). Symbols, not accounts: a symbol's
groups sit together in the (symbol, scope) index, so no two partitions read the same rows.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping


def partition_count(total: int, per_partition: int, most: int) -> int:
    """How many partitions `total` units of work need at `per_partition` each (1 to `most`)."""
    if total <= 0 or per_partition <= 0:
        return 1
    return max(1, min(most, math.ceil(total / per_partition)))


def balanced(weights: Mapping[str, int], parts: int) -> list[list[str]]:
    """The keys split into at most `parts` lists of about equal total weight: the heaviest key
    first into the lightest list (longest processing time first, within 4/3 of the best split).
    No empty list; every key exactly once; the order is deterministic."""
    if not weights:
        return []
    parts = max(1, min(parts, len(weights)))
    # (load, keys, index): among equally loaded lists the one with fewer keys, so that weightless
    # keys spread too and every list gets one.
    heap: list[tuple[int, int, int]] = [(0, 0, i) for i in range(parts)]
    out: list[list[str]] = [[] for _ in range(parts)]
    for key in sorted(weights, key=lambda k: (-weights[k], k)):
        load, count, i = heapq.heappop(heap)
        out[i].append(key)
        heapq.heappush(heap, (load + max(weights[key], 0), count + 1, i))
    return [sorted(keys) for keys in out]

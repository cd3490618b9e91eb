"""Percentiles from histogram buckets, the way Prometheus' histogram_quantile computes them.
Pure: no Django."""

from __future__ import annotations

import math
from collections.abc import Mapping

INF = "+Inf"


def bucket_add(into: dict[str, float], more: Mapping[str, float]) -> dict[str, float]:
    """Sum cumulative bucket counts (keyed by their `le` as text) into `into`."""
    for le, count in more.items():
        into[le] = into.get(le, 0.0) + float(count)
    return into


def _bound(le: str) -> float:
    return math.inf if le == INF else float(le)


def histogram_quantile(q: float, buckets: Mapping[str, float]) -> float | None:
    """The q-quantile (0..1) of observations in cumulative buckets, interpolated linearly inside
    the bucket it falls in (the lowest bucket starts at 0). A quantile in the +Inf bucket is the
    highest finite bound, as Prometheus answers. None without observations."""
    ordered: list[tuple[float, float]] = sorted((_bound(le), count) for le, count in buckets.items())
    if not ordered or ordered[-1][1] <= 0:
        return None
    total = ordered[-1][1]
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in ordered:
        if count >= rank and count > lower_count:
            if math.isinf(bound):
                return lower_bound
            return lower_bound + (bound - lower_bound) * (rank - lower_count) / (count - lower_count)
        lower_bound, lower_count = bound, count
    return lower_bound

"""Reading MetricMinute back: the rows of some metrics over a time range, with this process's
increases not flushed yet counted in the current minute, grouped into the window's steps."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from .models import MetricMinute
from .quantiles import bucket_add, histogram_quantile
from .recorder import minute_of, recorder

PERCENTILES = (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))


@dataclass
class Reading:
    minute: datetime
    kind: str
    process: str
    metric: str
    labels: dict[str, str]
    value: float
    total: float | None
    buckets: dict[str, float] | None


def _labels(text: str) -> dict[str, str]:
    return json.loads(text) if text else {}


def readings(metrics: Iterable[str], *, start: datetime, end: datetime) -> list[Reading]:
    """Rows of `metrics` with start <= minute < end, plus this process's pending increases."""
    wanted = list(metrics)
    found = [
        Reading(minute, kind, process, metric, _labels(labels), value, total, buckets)
        for minute, kind, process, metric, labels, value, total, buckets in MetricMinute.objects.filter(
            metric__in=wanted, minute__gte=start, minute__lt=end
        )
        .values_list("minute", "kind", "process", "metric", "labels", "value", "total", "buckets")
        .iterator(chunk_size=5000)
    ]
    rec = recorder()
    now_minute = minute_of(datetime.now(tz=UTC))
    if rec is not None and start <= now_minute < end:
        found += [
            Reading(
                now_minute,
                rec.kind,
                rec.process,
                row.metric,
                _labels(row.labels),
                row.value,
                row.total,
                row.buckets,
            )
            for row in rec.pending()
            if row.metric in wanted
        ]
    return found


class Steps:
    """Map a minute to the index of the step that holds it."""

    def __init__(self, starts: list[datetime], step: timedelta) -> None:
        self.starts, self.step = starts, step

    @property
    def start(self) -> datetime:
        return self.starts[0]

    @property
    def end(self) -> datetime:
        return self.starts[-1] + self.step

    def index(self, minute: datetime) -> int | None:
        if minute < self.start or minute >= self.end:
            return None
        return int((minute - self.start) / self.step)

    def iso(self, i: int) -> str:
        return self.starts[i].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def series(self, label: str, values: list[float | None]) -> dict[str, Any]:
        return {"label": label, "points": [[self.iso(i), v] for i, v in enumerate(values)]}


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


def percentile_series(rows: Iterable[Reading], steps: Steps) -> list[dict[str, Any]]:
    """p50/p95/p99 (ms) of the histogram rows, per step."""
    per_step: list[dict[str, float]] = [{} for _ in steps.starts]
    for row in rows:
        i = steps.index(row.minute)
        if i is not None and row.buckets:
            bucket_add(per_step[i], row.buckets)
    return [
        steps.series(label, [_ms(histogram_quantile(q, b)) if b else None for b in per_step])
        for label, q in PERCENTILES
    ]


def percentiles_ms(buckets: dict[str, float]) -> list[float | None]:
    return [_ms(histogram_quantile(q, buckets)) for _, q in PERCENTILES]


def rate_series(rows: Iterable[Reading], steps: Steps, label: str) -> dict[str, Any]:
    """Increases per minute, per step (a counter's or a histogram's count)."""
    per_step: list[float | None] = [None for _ in steps.starts]
    minutes = steps.step.total_seconds() / 60
    for row in rows:
        i = steps.index(row.minute)
        if i is not None:
            per_step[i] = (per_step[i] or 0.0) + row.value
    return steps.series(label, [None if v is None else round(v / minutes, 3) for v in per_step])


def gauge_by_process(
    rows: Iterable[Reading], steps: Steps, *, group: Callable[[Reading], str], scale: float = 1.0
) -> list[dict[str, Any]]:
    """Gauges per step: averaged per process, then summed over the processes of each group."""
    sums: dict[tuple[str, int, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for row in rows:
        i = steps.index(row.minute)
        if i is not None:
            acc = sums[(group(row), i, row.process)]
            acc[0] += row.value
            acc[1] += 1
    totals: dict[str, list[float | None]] = {}
    for (name, i, _), (total, n) in sums.items():
        values = totals.setdefault(name, [None for _ in steps.starts])
        values[i] = (values[i] or 0.0) + total / n
    return [
        steps.series(name, [None if v is None else round(v * scale, 2) for v in values])
        for name, values in sorted(totals.items())
    ]


def gauge_max(
    rows: Iterable[Reading], steps: Steps, *, group: Callable[[Reading], str]
) -> list[dict[str, Any]]:
    """The highest reading per step for each group (queue depths: the peak matters)."""
    peaks: dict[str, list[float | None]] = {}
    for row in rows:
        i = steps.index(row.minute)
        if i is None:
            continue
        values = peaks.setdefault(group(row), [None for _ in steps.starts])
        current = values[i]
        values[i] = row.value if current is None else max(current, row.value)
    return [steps.series(name, values) for name, values in sorted(peaks.items())]
